from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kg.errors import CitekgError
from kg.exporter import FORMATS, context, export
from kg.loader import load
from kg.store import Store
from kg.vocab import XSD

from .conftest import DATA, ROOT, assert_same_dataset, graphs_of, rdflib_dataset, store_dataset
from .readers import SYNTAXES, rapper_or_serdi, riot

RDFLIB_FORMAT = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
}
HUB_GRAPH = "https://w3id.org/citekg/data/graph/examples/hub.jsonl"
DATASETS = {"nquads", "trig", "jsonld"}
DEFAULT_TRIPLE = "<http://example.org/added> <http://example.org/by> <http://example.org/update>"


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
    """One graph, by the name its file gave it; the dataset formats keep its name."""
    data = exported(example_store, fmt, "examples/hub.jsonl")
    read = graphs_of(rdflib_dataset(data, RDFLIB_FORMAT[fmt]))
    expected = graphs_of(store_dataset(example_store))[HUB_GRAPH]
    assert list(read) == ([HUB_GRAPH] if fmt in DATASETS else [""])
    assert isomorphic(next(iter(read.values())), expected)


def test_the_consensus_graph_exports_by_its_short_name(example_store: Store) -> None:
    read = graphs_of(rdflib_dataset(exported(example_store, "nquads", "consensus"), "nquads"))
    consensus = example_store.consensus_graph.value
    assert list(read) == [consensus]
    assert isomorphic(read[consensus], graphs_of(store_dataset(example_store))[consensus])


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_holds_the_default_graph(fmt: str, tmp_path: Path) -> None:
    """A triple that SPARQL Update put in the default graph leaves in every format (it used to leave
    in N-Quads and TriG only). Jena RIOT validates, rapper and serdi read every format but JSON-LD
    (Debian's Jena has no JSON-P provider for its JSON-LD reader); pyld and jsonld.js read that."""
    store = Store(None)
    load(store, ROOT / "examples" / "hub.jsonl")
    store.update(f"INSERT DATA {{ {DEFAULT_TRIPLE} }}")
    data = exported(store, fmt)
    read = rdflib_dataset(data, RDFLIB_FORMAT[fmt])
    added = (
        URIRef("http://example.org/added"),
        URIRef("http://example.org/by"),
        URIRef("http://example.org/update"),
    )
    if fmt in DATASETS:
        assert_same_dataset(read, store_dataset(store))
        assert added in graphs_of(read)[""]
    else:
        assert added in graphs_of(read)[""] and len(graphs_of(read)) == 1
    if fmt in SYNTAXES:
        riot(data, fmt, tmp_path)
        for reader in ("rapper", "serdi"):
            assert DEFAULT_TRIPLE in rapper_or_serdi(reader, SYNTAXES[fmt], data)


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


JSONLD_JS = (
    "const jsonld = require('jsonld'); let text = ''; process.stdin.on('data', d => text += d);"
    " process.stdin.on('end', async () => { const loader = url => { throw new Error('fetch ' + url); };"
    " process.stdout.write(await jsonld.toRDF(JSON.parse(text), {format: 'application/n-quads',"
    " documentLoader: loader})); });"
)


@pytest.fixture(scope="session")
def jsonld_js() -> Path:
    """jsonld.js from npm, installed once into the user's cache (node and npm come with the machine)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("CI machines have node and npm")
        pytest.skip("node is not installed")
    folder = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "citekg-tests" / "jsonld-js"
    if not (folder / "node_modules" / "jsonld").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--prefix", str(folder), "jsonld@9"], check=True)
    return folder


def exact_quads(nquads: str | bytes) -> set[ox.Quad]:
    """Quads as written, lexical forms included (pyoxigraph's parser keeps them; rdflib's normalises)."""
    return set(ox.parse(nquads.encode() if isinstance(nquads, str) else nquads, format=ox.RdfFormat.N_QUADS))


def test_pyld_and_jsonld_js_read_the_jsonld_export_exactly(jsonld_js: Path) -> None:
    """Both JSON-LD processors turn the JSON-LD export into the very quads of the N-Quads export,
    lexical forms included: confidences and shares are xsd:decimal in the form the store writes (as
    xsd:double they came back as "9.0E-1" beside the dump's "0.9"), and OpenCitations' RDF with its
    literals as written ("...06.000Z")."""
    store = Store(None)
    load(store, ROOT / "examples" / "hub.jsonl")
    load(store, DATA / "oc-meta.nq")
    load(store, DATA / "retraction-watch.csv")  # notices: their dates, DOIs, reasons, natures
    expected = exact_quads(exported(store, "nquads"))
    assert ox.Literal("2021-02-03T04:05:06.000Z", datatype=XSD["dateTime"]) in {q.object for q in expected}
    assert any(
        q.object.datatype.value.endswith("#decimal") for q in expected if isinstance(q.object, ox.Literal)
    )
    document = json.loads(exported(store, "jsonld"))

    def offline(url: str, options: dict) -> None:
        raise AssertionError(f"pyld tried to fetch {url}")

    by_pyld = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": offline})
    assert exact_quads(by_pyld) == expected
    by_js = subprocess.run(
        ["node", "-e", JSONLD_JS],
        input=json.dumps(document).encode(),
        capture_output=True,
        check=True,
        env={**os.environ, "NODE_PATH": str(jsonld_js / "node_modules")},
    )
    assert exact_quads(by_js.stdout) == expected
