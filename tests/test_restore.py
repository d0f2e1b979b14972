"""kg restore: a citekg dump, N-Quads or TriG, gzipped or not, rebuilds the store it came from."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg import hub
from kg.cli import app
from kg.errors import CitekgError
from kg.exporter import FORMATS, export
from kg.loader import load
from kg.restore import restore
from kg.stats import sources, store_stats
from kg.store import Store

from .conftest import DATA, EXAMPLE, assert_same_dataset, store_dataset

PAPER = "arxiv:2402.13929"
BASE = "http://example.org/restored/"


@pytest.fixture
def original(tmp_path: Path) -> Iterator[Store]:
    """A store with three sources (one OpenCitations RDF, kept as written in parts of its graph),
    their consensus and representatives, and a triple in the default graph, under a base of its own."""
    store = Store(tmp_path / "original", base=BASE)
    load(store, EXAMPLE)
    load(store, DATA / "s2-citations.jsonl")
    load(store, DATA / "oc-meta.nq")
    store.update("INSERT DATA { <http://example.org/a> <http://example.org/b> 'in the default graph' }")
    yield store
    store.close()


def dumped(store: Store, fmt: str, path: Path) -> Path:
    out = io.BytesIO()
    export(store, out, fmt)
    path.write_bytes(gzip.compress(out.getvalue()) if path.name.endswith(".gz") else out.getvalue())
    return path


def exported_quads(store: Store) -> set[ox.Quad]:
    """The N-Quads export, term by term (pyoxigraph's parser keeps lexical forms; rdflib's may not)."""
    out = io.BytesIO()
    export(store, out, "nquads")
    return set(ox.parse(out.getvalue(), ox.RdfFormat.N_QUADS))


@pytest.mark.parametrize("name", ["dump.nq", "dump.trig", "dump.nq.gz", "dump.trig.gz"])
def test_a_dump_restores_the_store_it_came_from(original: Store, tmp_path: Path, name: str) -> None:
    dump = dumped(original, "nquads" if ".nq" in name else "trig", tmp_path / name)
    with Store(tmp_path / "restored") as again:
        report = restore(again, dump)
        assert report.base == BASE == again.minter.base
        assert_same_dataset(store_dataset(again), store_dataset(original))  # graph by graph
        assert store_stats(again) == store_stats(original) == report.stats
        assert hub.summary(again, PAPER).to_json() == hub.summary(original, PAPER).to_json()
        assert sources(again) == sources(original)
        assert exported_quads(again) == exported_quads(original)  # lexical forms included
        load(again, DATA / "scicite.jsonl")  # and it goes on as a store, minting under the dump's base
        assert all(graph.value.startswith(BASE) for graph in again.graphs())
    with Store(tmp_path / "restored") as reopened:  # the base is remembered
        assert reopened.minter.base == BASE


def test_a_restore_goes_into_an_empty_store_only(original: Store, tmp_path: Path) -> None:
    dump = dumped(original, "nquads", tmp_path / "dump.nq")
    with Store(tmp_path / "busy") as busy:
        load(busy, EXAMPLE)
        before = set(busy.oxigraph)
        with pytest.raises(CitekgError, match="not empty"):
            restore(busy, dump)
        assert set(busy.oxigraph) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((DATA / "oc-meta.nq").read_bytes(), "not a citekg dump"),  # OpenCitations' RDF: data, not a dump
        (b"<http://example.org/a> <http://example.org/b> .\n", "not a readable dump"),
    ],
)
def test_what_is_not_a_dump_is_refused_and_leaves_the_store_empty(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "other.nq").write_bytes(content)
    with Store(tmp_path / "store") as store:
        with pytest.raises(CitekgError, match=message):
            restore(store, tmp_path / "other.nq")
        assert store.is_empty()


def test_a_restore_cut_short_is_emptied_when_the_store_opens(original: Store, tmp_path: Path) -> None:
    dump = dumped(original, "nquads", tmp_path / "dump.nq")
    with Store(tmp_path / "cut") as store:
        store.mark_restoring()
        store.oxigraph.bulk_load(path=str(dump), format=FORMATS["nquads"])
        store.oxigraph.flush()  # as if the process died here, before the restore was marked done
    with Store(tmp_path / "cut") as reopened:
        assert reopened.is_empty()
        assert restore(reopened, dump).stats == store_stats(original)


def test_kg_restore_says_what_it_restored(original: Store, tmp_path: Path) -> None:
    dump = dumped(original, "trig", tmp_path / "dump.trig")
    runner = CliRunner()
    done = runner.invoke(app, ["--store", str(tmp_path / "new"), "restore", str(dump)])
    stats = store_stats(original)
    assert done.exit_code == 0, done.output
    assert f"{stats.papers} papers, {stats.citations} citations" in done.output and BASE in done.output
    again = runner.invoke(app, ["--store", str(tmp_path / "new"), "restore", str(dump)])
    assert again.exit_code == 1 and "not empty" in again.output
