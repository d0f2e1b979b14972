from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.errors import RecordError
from kg.hub import summary
from kg.importers import detect
from kg.importers.opencitations_rdf import read_rdf
from kg.loader import load
from kg.records import Citation, Paper, Raw
from kg.stats import store_stats
from kg.store import Store

from .conftest import DATA, SHARED_DATA

OC = SHARED_DATA / "opencitations"


def test_citations_are_derived_and_every_triple_kept() -> None:
    items = list(read_rdf(DATA / "oc-citations.nt"))
    assert not [i for i in items if isinstance(i, RecordError)]
    raw = [t for _, r in items if isinstance(r, Raw) for t in r.triples]
    assert len(raw) == 9
    citations = sorted((r for _, r in items if isinstance(r, Citation)), key=lambda c: str(c.citing))
    assert [(str(c.citing), str(c.cited), c.date, c.timespan, c.author_self_citation) for c in citations] == [
        ("doi:10.5555/rdf.a", "doi:10.5555/rdf.b(x)", "2018-06", None, True),
        ("doi:10.5555/rdf.c", "doi:10.5555/rdf.b(x)", None, "P1Y", False),
    ]
    assert detect(DATA / "oc-citations.nt").name == "opencitations-rdf"


def test_meta_resources_become_papers_and_agents_do_not() -> None:
    papers = [r for _, r in read_rdf(DATA / "oc-meta.nq") if isinstance(r, Paper)]
    assert [([str(i) for i in p.all_ids], p.title, p.date) for p in papers] == [
        (["doi:10.5555/rdf.b(x)", "omid:br/0601"], "A Meta title", "2018-06-29")
    ]


def test_a_hub_over_opencitations_rdf(store: Store) -> None:
    load(store, DATA / "oc-citations.nt")
    meta = load(store, DATA / "oc-meta.nq")
    hub = summary(store, "omid:br/0601")
    assert (hub.paper.title, hub.citing_papers) == ("A Meta title", 2)
    assert store_stats(store).papers == 3  # their br node is not counted again
    graph = ox.NamedNode(meta.graph)
    kept = {
        (q.subject, q.predicate, q.object) for q in store.oxigraph.quads_for_pattern(None, None, None, graph)
    }
    published = {(q.subject, q.predicate, q.object) for q in ox.parse(path=str(DATA / "oc-meta.nq"))}
    assert published <= kept


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
