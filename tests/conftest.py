"""Shared fixtures: stores (empty, and loaded with the example data) and paths to test data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.loader import load
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = ROOT / "examples" / "hub.jsonl"
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_BASE = "http://example.org/kg/"


@pytest.fixture
def store() -> Iterator[Store]:
    """An empty in-memory store minting under the test base."""
    yield Store(None, base=TEST_BASE)


@pytest.fixture
def disk_store(tmp_path: Path) -> Iterator[Store]:
    """An empty store on disk."""
    with Store(tmp_path / "store") as opened:
        yield opened


@pytest.fixture(scope="module")
def example_store() -> Store:
    """A store holding the example data (read-only use: it is shared by a module's tests)."""
    loaded = Store(None)
    load(loaded, EXAMPLE)
    return loaded


def write_jsonl(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def rdflib_dataset(data: bytes | str, fmt: str) -> Dataset:
    """Parse RDF with rdflib, as an independent reader of what citekg writes."""
    dataset = Dataset()
    dataset.parse(data=data, format=fmt)
    return dataset


def store_dataset(store: Store) -> Dataset:
    """The store's quads, read back through rdflib."""
    return rdflib_dataset(store.oxigraph.dump(format=ox.RdfFormat.N_QUADS), "nquads")


def graphs_of(dataset: Dataset) -> dict[str, Graph]:
    """A dataset's non-empty graphs by name (the default graph as "")."""
    found = {}
    for graph in dataset.graphs():
        if len(graph):
            name = "" if graph.identifier == DATASET_DEFAULT_GRAPH_ID else str(graph.identifier)
            found[name] = graph
    return found


def without_consensus_time(dataset: Dataset, store: Store) -> Dataset:
    """The dataset less the time the consensus graph was computed: a recovery or a rebuild computes it
    again, and says when."""
    consensus = URIRef(store.consensus_graph.value)
    dataset.remove((consensus, URIRef("http://www.w3.org/ns/prov#generatedAtTime"), None, None))
    return dataset


def assert_same_dataset(actual: Dataset, expected: Dataset) -> None:
    """Same graph names, and each graph isomorphic to its namesake."""
    actual_graphs, expected_graphs = graphs_of(actual), graphs_of(expected)
    assert sorted(actual_graphs) == sorted(expected_graphs)
    for name, graph in expected_graphs.items():
        assert isomorphic(actual_graphs[name], graph), f"graph <{name}> differs"
