from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import CitekgError, InvalidInput, RecordError
from kg.loader import drop, graph_name_for, load
from kg.store import Store
from kg.vocab import CITO, RDF

from .conftest import EXAMPLE, assert_same_dataset, store_dataset, write_jsonl

GOOD = '{"type":"citation","citing":"doi:10.1/a","cited":"doi:10.1/b"}'
BAD = '{"type":"citation","citing":"doi:10.1/a","cited":"nonsense"}'


def test_loads_the_example_into_its_own_graph(disk_store: Store) -> None:
    report = load(disk_store, EXAMPLE)
    assert dict(report.counts) == {"paper": 26, "citation": 24, "annotation": 33}
    assert report.graph == "https://w3id.org/citekg/data/graph/hub"
    assert report.summary().startswith("loaded 26 papers, 24 citations, 33 annotations from ")
    assert [g.value for g in disk_store.source_graphs()] == [report.graph]


def test_a_file_with_a_bad_record_loads_nothing(store: Store, tmp_path: Path) -> None:
    load(store, write_jsonl(tmp_path / "first.jsonl", GOOD))
    before = store_dataset(store)
    bad = write_jsonl(
        tmp_path / "second.jsonl",
        '{"type":"citation","citing":"doi:10.1/c","cited":"doi:10.1/d"}',
        BAD,
        "{oops",
    )
    with pytest.raises(InvalidInput) as raised:
        load(store, bad)
    assert [(e.line, e.field) for e in raised.value.errors] == [(2, "cited"), (3, "json")]
    assert_same_dataset(store_dataset(store), before)


def test_a_bad_replacement_keeps_the_old_graph(store: Store, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "source.jsonl", GOOD)
    load(store, path)
    before = store_dataset(store)
    write_jsonl(path, '{"type":"citation","citing":"doi:10.1/x","cited":"doi:10.1/y"}', BAD)
    with pytest.raises(InvalidInput):
        load(store, path)
    assert_same_dataset(store_dataset(store), before)


def test_skip_invalid_loads_the_rest_and_reports_every_skipped_line(store: Store, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "mixed.jsonl", BAD, GOOD, "[]", BAD)
    seen: list[RecordError] = []
    report = load(store, path, skip_invalid=True, on_skip=seen.append)
    assert [e.line for e in report.skipped] == [1, 3, 4] == [e.line for e in seen]
    assert report.counts["citation"] == 1
    assert "skipped 3 invalid records" in report.summary()


def test_loading_again_replaces_and_never_duplicates(store: Store) -> None:
    load(store, EXAMPLE)
    once = len(store.oxigraph)
    report = load(store, EXAMPLE)
    assert report.replaced
    assert len(store.oxigraph) == once


def test_a_replaced_graph_takes_its_citations_out_of_the_consensus(store: Store, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", GOOD)
    load(store, path)
    write_jsonl(path, '{"type":"citation","citing":"doi:10.1/x","cited":"doi:10.1/y"}')
    load(store, path)
    consensus = list(
        store.oxigraph.quads_for_pattern(None, RDF["type"], CITO["Citation"], store.consensus_graph)
    )
    assert len(consensus) == 1
    citing = next(store.oxigraph.quads_for_pattern(consensus[0].subject, CITO["hasCitingEntity"], None))
    assert citing.object.value.endswith("/doi/10.1/x")


def test_drop_removes_a_source_and_its_consensus(store: Store, tmp_path: Path) -> None:
    load(store, EXAMPLE)
    load(store, write_jsonl(tmp_path / "other.jsonl", GOOD))
    drop(store, "hub")
    assert [g.value for g in store.source_graphs()] == ["http://example.org/kg/graph/other"]
    assert (
        len(list(store.oxigraph.quads_for_pattern(None, CITO["hasCitedEntity"], None, store.consensus_graph)))
        == 1
    )
    with pytest.raises(CitekgError, match="no loaded source graph"):
        drop(store, "hub")


def test_dropping_everything_leaves_an_empty_store(store: Store, tmp_path: Path) -> None:
    """Nothing derived outlives its sources: no consensus, no representatives, no ranks."""
    load(store, EXAMPLE)
    load(store, write_jsonl(tmp_path / "other.jsonl", GOOD))
    drop(store, "other")
    drop(store, "hub")
    assert list(store.oxigraph) == []


def test_a_load_cut_short_is_undone_when_the_store_opens(tmp_path: Path) -> None:
    with Store(tmp_path / "store") as store:
        load(store, write_jsonl(tmp_path / "kept.jsonl", GOOD))
        expected = store_dataset(store)
        load(store, EXAMPLE)
        store.mark_loading(ox.NamedNode(store.minter.graph("hub")))  # as if the process died mid-load
    with Store(tmp_path / "store") as reopened:
        assert_same_dataset(store_dataset(reopened), expected)


def test_missing_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(CitekgError, match="no such file"):
        load(store, tmp_path / "absent.jsonl")


def test_graph_names_come_from_file_names() -> None:
    assert graph_name_for(Path("dir/hub.jsonl.gz")) == "hub"
    assert graph_name_for(Path("s2-citations.json")) == "s2-citations"


def test_no_replace_refuses_to_touch_a_loaded_graph(store: Store) -> None:
    load(store, EXAMPLE)
    before = store_dataset(store)
    with pytest.raises(CitekgError, match="is loaded already; replace it with --replace"):
        load(store, EXAMPLE, replace=False)
    assert_same_dataset(store_dataset(store), before)
