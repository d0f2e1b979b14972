from __future__ import annotations

import io
import json

import pytest
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.errors import CitekgError
from kg.exporter import FORMATS, context, export
from kg.store import Store

from .conftest import ROOT, assert_same_dataset, rdflib_dataset, store_dataset

RDFLIB_FORMAT = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
}
HUB_GRAPH = "https://w3id.org/citekg/data/graph/hub"


def exported(store: Store, fmt: str, graph: str | None = None) -> bytes:
    out = io.BytesIO()
    export(store, out, fmt, graph)
    return out.getvalue()


def union_of(store: Store) -> Graph:
    union = Graph()
    for graph in store_dataset(store).graphs():
        for triple in graph:
            union.add(triple)
    return union


@pytest.mark.parametrize("fmt", ["nquads", "trig", "jsonld"])
def test_formats_with_graphs_round_trip_the_dataset(example_store: Store, fmt: str) -> None:
    assert_same_dataset(
        rdflib_dataset(exported(example_store, fmt), RDFLIB_FORMAT[fmt]), store_dataset(example_store)
    )


@pytest.mark.parametrize("fmt", ["turtle", "ntriples"])
def test_formats_without_graphs_hold_the_union(example_store: Store, fmt: str) -> None:
    read = Graph().parse(data=exported(example_store, fmt), format=RDFLIB_FORMAT[fmt])
    assert isomorphic(read, union_of(example_store))


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_one_graph(example_store: Store, fmt: str) -> None:
    data = exported(example_store, fmt, "hub")
    read = rdflib_dataset(data, RDFLIB_FORMAT[fmt])
    triples = Graph()
    for graph in read.graphs():
        for triple in graph:
            triples.add(triple)
    expected = {str(g.identifier): g for g in store_dataset(example_store).graphs()}[HUB_GRAPH]
    assert isomorphic(triples, expected)


def test_jsonld_is_compact_in_the_published_context_and_reads_offline_with_pyld(example_store: Store) -> None:
    document = json.loads(exported(example_store, "jsonld"))
    published = json.loads((ROOT / "exports" / "context.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == published["@context"] == context()
    hub = next(g for g in document["@graph"] if g["@id"] == HUB_GRAPH)
    paper = next(
        n for n in hub["@graph"] if n["@id"].endswith("/paper/doi/10.5555/example.bench") and "title" in n
    )
    assert paper["title"] == "An Example Benchmark for Few-Step Generators"
    assert paper["publicationYear"] == "2023"

    def no_remote_documents(url: str, options: dict) -> None:
        raise AssertionError(f"pyld tried to fetch {url}")

    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": no_remote_documents})
    assert_same_dataset(rdflib_dataset(nquads, "nquads"), store_dataset(example_store))


def test_the_store_reads_its_exports_back(example_store: Store) -> None:
    import pyoxigraph as ox

    for fmt in ("nquads", "trig"):
        again = Store(None)
        again.oxigraph.load(exported(example_store, fmt), FORMATS[fmt])
        assert set(again.oxigraph) == set(example_store.oxigraph)
    again = Store(None)
    again.oxigraph.load(exported(example_store, "jsonld"), ox.RdfFormat.JSON_LD)
    assert set(again.oxigraph) == set(example_store.oxigraph)


def test_unknown_graph_or_format(example_store: Store) -> None:
    with pytest.raises(CitekgError, match="no graph"):
        exported(example_store, "turtle", "nope")
    with pytest.raises(CitekgError, match="unknown export format"):
        exported(example_store, "rdfxml")
