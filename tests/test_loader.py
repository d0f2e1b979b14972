from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from kg import loader
from kg.errors import CitekgError, InvalidInput, RecordError
from kg.iris import Minter
from kg.loader import drop, graph_name_for, load
from kg.store import Store
from kg.vocab import CITO, RDF

from .conftest import (
    DATA,
    EXAMPLE,
    ROOT,
    TEST_BASE,
    assert_same_dataset,
    store_dataset,
    without_consensus_time,
    write_jsonl,
)

GOOD = '{"type":"citation","citing":"doi:10.1/a","cited":"doi:10.1/b"}'
BAD = '{"type":"citation","citing":"doi:10.1/a","cited":"nonsense"}'


def test_loads_the_example_into_its_own_graph(disk_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the graph is named by the file's path relative to the working directory
    report = load(disk_store, EXAMPLE)
    assert dict(report.counts) == {"paper": 26, "citation": 24, "annotation": 33}
    assert report.graph == "https://w3id.org/citekg/data/graph/examples/hub.jsonl"
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
    hub = load(store, EXAMPLE).graph
    other = load(store, write_jsonl(tmp_path / "other.jsonl", GOOD)).graph
    assert other.startswith(f"{TEST_BASE}graph/")
    drop(store, hub)
    assert [g.value for g in store.source_graphs()] == [other]
    assert (
        len(list(store.oxigraph.quads_for_pattern(None, CITO["hasCitedEntity"], None, store.consensus_graph)))
        == 1
    )
    with pytest.raises(CitekgError, match="no loaded source graph"):
        drop(store, hub)


def test_dropping_everything_leaves_an_empty_store(store: Store, tmp_path: Path) -> None:
    """Nothing derived outlives its sources: no consensus, no representatives, no ranks."""
    hub = load(store, EXAMPLE).graph
    other = load(store, write_jsonl(tmp_path / "other.jsonl", GOOD)).graph
    drop(store, other)
    drop(store, hub)
    assert list(store.oxigraph) == []


DIES_IN_A_CHANGE = """
import os, sys
import pyoxigraph as ox
from kg.store import Store
store = Store(sys.argv[1])
with store.change(ox.NamedNode(store.minter.graph("doomed"))):
    for graph in store.graphs():
        store.remove_graph(graph)
    store.add("<http://example.org/a> <http://example.org/b> <http://example.org/c> <http://example.org/g> .")
    os._exit(9)  # the process dies in the middle of the change
"""


def test_a_change_cut_short_is_put_back_when_the_store_opens(tmp_path: Path) -> None:
    """The store puts its snapshot back as it was, recomputing nothing (the load times included)."""
    path = tmp_path / "store"
    with Store(path) as store:
        load(store, write_jsonl(tmp_path / "kept.jsonl", GOOD))
        load(store, EXAMPLE)
        expected = set(store.oxigraph)
        generation = store.generation
    died = subprocess.run([sys.executable, "-c", DIES_IN_A_CHANGE, str(path)], capture_output=True)
    assert died.returncode == 9, died.stderr
    assert (path / "undo").is_dir()
    with Store(path) as reopened:
        assert set(reopened.oxigraph) == expected
        assert not (path / "undo").exists() and not (path / "undone").exists()
        assert reopened.generation is not None and generation is not None
        assert reopened.generation > generation  # caches of what the store held are stale


def fail_while_reading(store: Store) -> None:
    """Fail half way through a change, with an iterator over the database open in this frame."""
    reading = store.oxigraph.quads_for_pattern(None, None, None)
    next(reading)
    for graph in store.graphs():
        store.remove_graph(graph)
    raise RuntimeError("halfway")


def test_a_change_that_fails_is_undone_at_once_and_the_store_goes_on(tmp_path: Path) -> None:
    with Store(tmp_path / "store") as store:
        load(store, EXAMPLE)
        expected = set(store.oxigraph)
        with pytest.raises(RuntimeError, match="halfway"), store.change(ox.NamedNode("http://example.org/g")):
            fail_while_reading(store)
        assert set(store.oxigraph) == expected
        assert not (tmp_path / "store" / "undo").exists()
        load(store, write_jsonl(tmp_path / "kept.jsonl", GOOD))
        assert len(store.source_graphs()) == 2


def test_a_change_inside_a_change_is_refused(disk_store: Store) -> None:
    """One snapshot a store: a second change while one runs would replace it."""
    load(disk_store, EXAMPLE)
    expected = set(disk_store.oxigraph)
    with (
        pytest.raises(CitekgError, match="under way already"),
        disk_store.change(ox.NamedNode("http://a.org/g")),
    ):
        disk_store.remove_graph(disk_store.source_graphs()[0])
        with disk_store.change(ox.NamedNode("http://a.org/h")):
            pass
    assert set(disk_store.oxigraph) == expected


def test_missing_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(CitekgError, match="no such file"):
        load(store, tmp_path / "absent.jsonl")


def citations_in(store: Store, graph: ox.NamedNode) -> int:
    return len(list(store.oxigraph.quads_for_pattern(None, RDF["type"], CITO["Citation"], graph)))


def test_graph_names_come_from_file_paths(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's graph is named by its path, so files that share a name, or a name less its extensions,
    never replace each other; only loading the same path again does."""
    work = tmp_path / "work"
    for folder in ("x", "y"):
        (work / folder).mkdir(parents=True)
    shutil.copy(DATA / "index-coci.csv", work / "x" / "data.csv")  # 3 citations
    shutil.copy(DATA / "index-current.csv", work / "y" / "data.csv")  # 4 others
    write_jsonl(work / "x" / "data.jsonl", GOOD)  # the same stem as x/data.csv
    monkeypatch.chdir(work)
    assert graph_name_for(Path("dir/hub.jsonl.gz")) == "dir/hub.jsonl.gz"
    assert graph_name_for(work / "x" / "data.csv") == graph_name_for(Path("x/data.csv")) == "x/data.csv"

    reports = [load(store, path) for path in (Path("x/data.csv"), Path("y/data.csv"), Path("x/data.jsonl"))]
    assert [r.graph for r in reports] == [
        f"{TEST_BASE}graph/x/data.csv",
        f"{TEST_BASE}graph/y/data.csv",
        f"{TEST_BASE}graph/x/data.jsonl",
    ]
    assert not any(r.replaced for r in reports)
    assert [g.value for g in store.source_graphs()] == sorted(r.graph for r in reports)
    counts = [r.counts["citation"] for r in reports]
    assert counts == [3, 4, 1]
    assert [citations_in(store, ox.NamedNode(r.graph)) for r in reports] == counts  # every file kept all
    in_consensus = citations_in(store, store.consensus_graph)
    assert in_consensus == sum(counts)  # the three files name no citation in common

    before = len(store.oxigraph)
    again = load(store, work / "y" / "data.csv")  # the same path, given absolute: the same graph
    assert again.graph == reports[1].graph and again.replaced and again.counts == reports[1].counts
    assert len(store.source_graphs()) == 3
    assert citations_in(store, store.consensus_graph) == in_consensus
    assert len(store.oxigraph) == before

    outside = tmp_path / "elsewhere" / "data.csv"
    outside.parent.mkdir()
    shutil.copy(DATA / "index-coci.csv", outside)
    absolute = outside.as_posix().lstrip("/")
    assert graph_name_for(outside) == graph_name_for(Path("../elsewhere/data.csv")) == absolute
    assert load(store, outside).graph == f"{TEST_BASE}graph/{absolute}"
    assert len(store.source_graphs()) == 4


def test_the_name_consensus_is_the_consensus_graph(store: Store) -> None:
    assert Minter(TEST_BASE).graph("consensus") == f"{TEST_BASE}consensus" == store.consensus_graph.value
    assert Minter(TEST_BASE).graph("https://example.com/g") == "https://example.com/g"  # an IRI is kept


def test_no_replace_refuses_to_touch_a_loaded_graph(store: Store) -> None:
    load(store, EXAMPLE)
    before = store_dataset(store)
    with pytest.raises(CitekgError, match="is loaded already; replace it with --replace"):
        load(store, EXAMPLE, replace=False)
    assert_same_dataset(store_dataset(store), before)


def test_no_file_loads_into_the_consensus_graph_or_outside_the_base(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path names a graph under the base whatever it looks like: a file called `consensus` does not
    replace the consensus graph, and `doi:x/a.jsonl` is a path, not an IRI."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLE, tmp_path / "consensus")
    (tmp_path / "doi:x").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "doi:x" / "a.jsonl")
    assert load(store, "consensus").graph == TEST_BASE + "graph/consensus"
    assert load(store, "doi:x/a.jsonl").graph == TEST_BASE + "graph/doi%3Ax/a.jsonl"
    with pytest.raises(CitekgError, match="a graph citekg derives itself"):
        load(store, "consensus", graph="consensus")
    assert {g.value for g in store.graphs()} == {
        TEST_BASE + "consensus",
        TEST_BASE + "graph/consensus",
        TEST_BASE + "graph/doi%3Ax/a.jsonl",
    }


def test_a_graph_is_dropped_by_the_path_its_file_was_loaded_from(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    inside, outside = tmp_path / "in" / "hub.jsonl", tmp_path.parent / f"{tmp_path.name}-hub.jsonl"
    inside.parent.mkdir()
    for path in (inside, outside):
        shutil.copy(EXAMPLE, path)
        load(store, path)
    try:
        assert drop(store, "./in/hub.jsonl").value == TEST_BASE + "graph/in/hub.jsonl"
        assert drop(store, str(outside)).value == store.minter.source_graph(str(outside).lstrip("/"))
        assert store.source_graphs() == []
    finally:
        outside.unlink()


class Recorder:
    """A progress display that writes down what a load tells it."""

    def __init__(self, interrupt_at: str | None = None) -> None:
        self.phases: list[tuple[str, int | None]] = []
        self.done: dict[str, int] = {}
        self.interrupt_at = interrupt_at

    def phase(self, name: str, total: int | None = None) -> None:
        if name == self.interrupt_at:
            raise KeyboardInterrupt
        self.phases.append((name, total))
        self.done[name] = 0

    def advance(self, done: int) -> None:
        self.done[self.phases[-1][0]] += done


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_load_tells_its_progress_in_bytes_through_every_phase(
    store: Store, tmp_path: Path, gzipped: bool
) -> None:
    """Reading counts the file's bytes (compressed, for .gz) and the bulk load the scratch quads' bytes,
    so that one display can show a total and an ETA from the first phase to the last."""
    source = tmp_path / ("hub.jsonl.gz" if gzipped else "hub.jsonl")
    data = EXAMPLE.read_bytes()
    source.write_bytes(gzip.compress(data) if gzipped else data)
    recorder = Recorder()
    load(store, source, progress=recorder)
    names = [name for name, _ in recorder.phases]
    assert names[0] == "map" and "bulk load" in names and names[-2:] == ["finish", "optimize"]
    totals = dict(recorder.phases)
    assert totals["map"] == source.stat().st_size == recorder.done["map"]
    assert totals["bulk load"] is not None and recorder.done["bulk load"] == totals["bulk load"] > 0


def test_without_a_display_the_engine_reads_the_scratch_quads_by_their_path(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting bytes means reading through a Python file object, slower than the engine's own reads:
    a load nobody watches does not count."""
    counted: list[bool] = []
    bulk_load = Store.bulk_load_nquads

    def spy(self: Store, path: Path, on_read: object = None) -> None:
        counted.append(on_read is not None)
        bulk_load(self, path, on_read)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "bulk_load_nquads", spy)
    load(store, EXAMPLE)
    assert counted and not any(counted)
    load(store, EXAMPLE, progress=Recorder())
    assert counted[-1]


@pytest.mark.parametrize("short_of_disk", [False, True])
def test_each_scratch_file_is_freed_once_the_engine_has_it(
    disk_store: Store, monkeypatch: pytest.MonkeyPatch, short_of_disk: bool
) -> None:
    """At 10^7 citations the scratch N-Quads (39 GB) and the store they make did not fit on the disk
    side by side: on a disk that is short the quads are gzipped, and a file the store holds is not kept
    for the next one's bulk load. Either way the store ends the same."""
    present: list[list[str]] = []
    bulk_load = Store.bulk_load_nquads

    def spy(self: Store, path: Path, on_read: object = None) -> None:
        present.append(sorted(file.name for file in path.parent.glob("*.nq*")))
        bulk_load(self, path, on_read)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "bulk_load_nquads", spy)
    monkeypatch.setattr(loader, "ROOM_FOR_PLAIN_QUADS", 10**15 if short_of_disk else 0)
    load(disk_store, EXAMPLE)
    suffix = ".nq.gz" if short_of_disk else ".nq"
    assert present == [[f"derived{suffix}", f"quads{suffix}"], [f"derived{suffix}"]]
    expected = Store(None)
    monkeypatch.setattr(loader, "ROOM_FOR_PLAIN_QUADS", 10**15 if not short_of_disk else 0)
    load(expected, EXAMPLE)
    timeless = [store_dataset(loaded) for loaded in (disk_store, expected)]
    for dataset in timeless:  # (when each graph was made)
        dataset.remove((None, URIRef("http://www.w3.org/ns/prov#generatedAtTime"), None, None))
    assert_same_dataset(*timeless)


@pytest.mark.parametrize("counted", [False, True])
def test_the_store_bulk_loads_gzipped_quads_as_plain_ones(tmp_path: Path, counted: bool) -> None:
    quads = (DATA / "oc-meta.nq").read_bytes()
    plain, zipped = tmp_path / "quads.nq", tmp_path / "quads.nq.gz"
    plain.write_bytes(quads)
    zipped.write_bytes(gzip.compress(quads))
    read: list[int] = []
    stores = [Store(None), Store(None)]
    stores[0].bulk_load_nquads(plain)
    stores[1].bulk_load_nquads(zipped, read.append if counted else None)
    assert len(stores[1].oxigraph) > 0
    assert_same_dataset(store_dataset(stores[1]), store_dataset(stores[0]))
    assert sum(read) == (zipped.stat().st_size if counted else 0)  # the bytes on the disk


@pytest.mark.parametrize("phase", ["map", "bulk load", "merge papers", "representatives"])
def test_ctrl_c_in_any_phase_leaves_the_store_as_it_was(disk_store: Store, phase: str) -> None:
    load(disk_store, EXAMPLE)
    before = without_consensus_time(store_dataset(disk_store), disk_store)
    with pytest.raises(KeyboardInterrupt):
        load(disk_store, DATA / "s2-citations.jsonl", progress=Recorder(interrupt_at=phase))
    assert_same_dataset(without_consensus_time(store_dataset(disk_store), disk_store), before)


def _compacted_at(store: Store) -> int:
    """The database's size when it was last compacted, as the store's bookkeeping notes it."""
    assert store.path is not None
    return int(json.loads((store.path / "citekg.json").read_text())["optimized_bytes"])


def test_a_load_compacts_the_store_when_it_has_doubled_since_it_last_did(
    disk_store: Store, tmp_path: Path
) -> None:
    """The bulk loader leaves its files as loaded, which makes queries that read many rows slower
    until the database is compacted: a load compacts when the store has doubled since it last did."""
    load(disk_store, EXAMPLE)
    first = _compacted_at(disk_store)
    assert first > 0
    small = write_jsonl(tmp_path / "small.jsonl", GOOD)
    report = load(disk_store, small)
    assert _compacted_at(disk_store) == first  # not compacted: it grew by far less than twice
    assert "optimize" in report.seconds
    many = [
        f'{{"type":"citation","citing":"doi:10.1/citer.{n}","cited":"doi:10.1/cited.{n % 50}"}}'
        for n in range(1000)
    ]
    load(disk_store, write_jsonl(tmp_path / "many.jsonl", *many))
    grown = _compacted_at(disk_store)
    assert grown > 2 * first
    assert disk_store.path is not None
    assert grown == sum(path.stat().st_size for path in (disk_store.path / "oxigraph").glob("*.sst"))
    before = store_dataset(disk_store)
    disk_store.optimize()  # compacting again changes nothing that is stored
    assert_same_dataset(store_dataset(disk_store), before)
