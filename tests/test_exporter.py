from __future__ import annotations

import io
import json

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.errors import CitekgError
from kg.exporter import FORMATS, context, export
from kg.loader import load
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


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40).filter(
    str.strip
)


@st.composite
def native_files(draw: st.DrawFn) -> list[dict]:
    """Small native files: papers with any text, citations among them, annotations on some."""
    papers = draw(st.integers(2, 6))
    rows: list[dict] = []
    for index in range(papers):
        row = {"type": "paper", "id": f"doi:10.5555/rt.{index}", "title": draw(TEXT)}
        if draw(st.booleans()):
            row |= {"summary": draw(TEXT), "year": draw(st.integers(1900, 2030))}
        rows.append(row)
    pairs = draw(st.sets(st.tuples(st.integers(0, papers - 1), st.integers(0, papers - 1)), max_size=8))
    for citing, cited in sorted(pair for pair in pairs if pair[0] != pair[1]):
        ends = {"citing": f"doi:10.5555/rt.{citing}", "cited": f"doi:10.5555/rt.{cited}"}
        rows.append({"type": "citation", **ends, "contexts": [draw(TEXT)]})
        if draw(st.booleans()):
            role = draw(st.sampled_from(["method", "background", "comparison"]))
            rows.append({"type": "annotation", **ends, "role": role, "confidence": draw(st.floats(0, 1))})
    return rows


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=native_files())
def test_anything_loaded_exports_and_reads_back_isomorphic(
    rows: list[dict], tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = tmp_path_factory.mktemp("rt") / "rt.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    store = Store(None)
    load(store, source)
    for fmt in ("nquads", "trig", "jsonld"):
        assert_same_dataset(rdflib_dataset(exported(store, fmt), RDFLIB_FORMAT[fmt]), store_dataset(store))
    back = Store(None)
    back.oxigraph.load(exported(store, "trig"), ox.RdfFormat.TRIG)
    assert set(back.oxigraph) == set(store.oxigraph)
