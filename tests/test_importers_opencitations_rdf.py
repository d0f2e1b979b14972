from __future__ import annotations

import gzip
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.errors import RecordError
from kg.exporter import export
from kg.hub import summary
from kg.importers import detect
from kg.importers.opencitations_rdf import META_BR, read_rdf
from kg.loader import drop, load
from kg.records import Citation, Paper, Raw
from kg.stats import store_stats
from kg.store import Store
from kg.vocab import VOID, XSD

from .conftest import DATA, SHARED_DATA
from .readers import rapper_or_serdi

OC = SHARED_DATA / "opencitations"


def test_citations_are_derived_and_every_triple_kept() -> None:
    items = list(read_rdf(DATA / "oc-citations.nt"))
    assert not [i for i in items if isinstance(i, RecordError)]
    raw = [t for _, r in items if isinstance(r, Raw) for t in r.triples]
    assert len(raw) == 9
    citations = sorted((r for _, r in items if isinstance(r, Citation)), key=lambda c: str(c.citing))
    assert [(str(c.citing), str(c.cited), c.date, c.timespan, c.author_self_citation) for c in citations] == [
        ("doi:10.5555/rdf.a", "doi:10.5555/rdf.b(x)", "2018-06", None, True),
        ("doi:10.5555/rdf.c", "doi:10.5555/rdf.b(x)", None, "P1Y0M", False),
    ]
    assert detect(DATA / "oc-citations.nt").name == "opencitations-rdf"


def test_meta_resources_become_papers_and_agents_do_not() -> None:
    papers = [r for _, r in read_rdf(DATA / "oc-meta.nq") if isinstance(r, Paper)]
    assert [([str(i) for i in p.all_ids], p.title, p.date) for p in papers] == [
        (["doi:10.5555/rdf.b(x)", "omid:br/0601"], "A Meta title", "2018-06-29")
    ]


def test_a_hub_over_opencitations_rdf(store: Store) -> None:
    load(store, DATA / "oc-citations.nt")
    load(store, DATA / "oc-meta.nq")
    hub = summary(store, "omid:br/0601")
    assert (hub.paper.title, hub.citing_papers) == ("A Meta title", 2)
    assert store_stats(store).papers == 3  # their br node is not counted again


def as_published(store: Store, source: str, path: Path) -> dict[ox.NamedNode, set[ox.Triple]]:
    """The file's triples by the part of ``source`` that must keep them (``Minter.part_graph``)."""
    kept: dict[ox.NamedNode, set[ox.Triple]] = {}
    for quad in ox.parse(path=str(path)):
        named = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
        kept.setdefault(ox.NamedNode(store.minter.part_graph(source, named)), set()).add(quad.triple)
    return kept


@pytest.mark.parametrize("name", ["oc-citations.nt", "oc-meta.nq"])
def test_every_triple_is_kept_as_written_in_a_graph_per_graph_of_the_file(store: Store, name: str) -> None:
    """Lexical forms included ("P1Y0M" stays so; the engine alone keeps "P1Y"), and the file's own
    graphs apart (compared term by term with pyoxigraph's parser, which keeps lexical forms)."""
    report = load(store, DATA / name)
    expected = as_published(store, report.graph, DATA / name)
    assert sorted(store.parts(ox.NamedNode(report.graph)), key=str) == sorted(expected, key=str)
    for part, triples in expected.items():
        assert {quad.triple for quad in store.quads(part)} == triples
        said = set(store.quads_for_pattern(None, None, None, ox.NamedNode(report.graph)))
        assert ox.Quad(ox.NamedNode(report.graph), VOID["subset"], part, ox.NamedNode(report.graph)) in said
    assert store.source_graphs() == [ox.NamedNode(report.graph)]  # its parts are not sources


def test_the_export_gives_back_the_lexical_forms_to_an_independent_reader(store: Store) -> None:
    """serdi (Debian's serd) reads the N-Quads export; each of the file's literals is there as written,
    in the part that keeps its graph."""
    report = load(store, DATA / "oc-meta.nq")
    out = io.BytesIO()
    export(store, out, "nquads")
    read = set(ox.parse(rapper_or_serdi("serdi", "nquads", out.getvalue()).encode(), ox.RdfFormat.N_QUADS))
    for part, triples in as_published(store, report.graph, DATA / "oc-meta.nq").items():
        assert {ox.Quad(t.subject, t.predicate, t.object, part) for t in triples} <= read
    written = ox.Literal("2021-02-03T04:05:06.000Z", datatype=XSD["dateTime"])
    assert written in {quad.object for quad in read}


def test_a_source_is_replaced_and_dropped_with_its_parts(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "oc.nq"
    path.write_bytes((DATA / "oc-meta.nq").read_bytes())
    source = ox.NamedNode(load(store, path).graph)
    assert len(store.parts(source)) == 4
    path.write_bytes(b"".join(line + b"\n" for line in (DATA / "oc-meta.nq").read_bytes().splitlines()[:4]))
    load(store, path)
    assert [part.value for part in store.parts(source)] == [store.minter.part_graph(source.value, META_BR)]
    drop(store, str(path))
    assert store.graphs() == [store.consensus_graph]


def test_a_syntax_error_names_the_line(tmp_path) -> None:
    bad = tmp_path / "bad.nt"
    bad.write_text((DATA / "oc-citations.nt").read_text() + "<https://w3id.org/oc/x> <broken .\n")
    errors = [i for i in read_rdf(bad) if isinstance(i, RecordError)]
    assert errors and errors[0].line == 10 and errors[0].field == "rdf"


shared = pytest.mark.skipif(not OC.exists(), reason="../shared/data is not here")


@shared
def test_shared_index_rdf_loads_as_published(store: Store) -> None:
    path = OC / "opencitations__index" / "citations_data.ttl"
    report = load(store, path)
    theirs = Graph().parse(path, format="nt")
    from rdflib import RDF, URIRef

    cito = URIRef("http://purl.org/spar/cito/Citation")
    assert report.counts["citation"] == len(set(theirs.subjects(RDF.type, cito))) == 6
    assert summary(store, "doi:10.1002/jrs.5302").citing_papers == 1


@shared
def test_shared_meta_subset_loads_its_resources(store: Store) -> None:
    path = OC / "opencitations__oc_api" / "output32.nq.gz"
    with gzip.open(path) as quads:
        expressions = {
            q.subject
            for q in ox.parse(quads, ox.RdfFormat.N_QUADS)
            if q.predicate.value.endswith("22-rdf-syntax-ns#type") and q.object.value.endswith("/Expression")
        }
    report = load(store, path)
    assert report.counts["paper"] == len(expressions) == 23


@shared
@pytest.mark.parametrize(
    "sample",
    [
        "opencitations__index/citations_prov.ttl",
        "opencitations__oc_meta/real_data_with_prov.nq",
        "opencitations__oc_meta/se.json",
    ],
)
def test_shared_provenance_files_load_as_they_are(store: Store, sample: str) -> None:
    report = load(store, OC / sample)
    graph = ox.NamedNode(report.graph)
    assert next(store.oxigraph.quads_for_pattern(None, None, None, graph), None) is not None
    assert not report.skipped


def test_a_native_record_that_names_an_opencitations_iri_is_still_native(tmp_path: Path) -> None:
    """Found by hypothesis: a title mentioning https://w3id.org/oc/... made the file look like
    OpenCitations JSON-LD."""
    path = tmp_path / "native.jsonl"
    path.write_text(
        '{"type": "paper", "id": "doi:10.5555/x", "title": "On https://w3id.org/oc/meta/br/1"}\n',
        encoding="utf-8",
    )
    assert detect(path).name == "native"
