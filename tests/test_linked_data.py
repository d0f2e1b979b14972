"""The dataset's VoID description tells the truth: every vocabulary the store writes is listed, each
source graph's class partitions count the instances it holds, and each source says its licence."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.linked_data import void
from kg.loader import load
from kg.store import Store
from kg.vocab import CITO, DCTERMS, FABIO, OA, RDF, VOID

from .conftest import DATA, EXAMPLE

# One file of each format kg load reads, from our own test data.
SOURCES = [
    EXAMPLE,
    DATA / "index-current.csv",
    DATA / "index-coci.csv",
    DATA / "meta-dump.csv",
    DATA / "oc-meta.nq",
    DATA / "s2-citations.jsonl",
    DATA / "openalex-works.jsonl",
    DATA / "crossref-work.json",
    DATA / "scicite.jsonl",
    DATA / "aclarc.jsonl",
]


@pytest.fixture(scope="module")
def everything() -> Store:
    store = Store(None)
    for path in SOURCES:
        load(store, path, skip_invalid=True)  # some of our files hold a bad row on purpose
    return store


def namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def test_every_vocabulary_written_is_listed(everything: Store) -> None:
    listed = {t.object.value for t in void(everything) if t.predicate == VOID["vocabulary"]}
    used = set()
    own_graphs = (everything.consensus_graph, ox.NamedNode(everything.minter.aliases_graph))
    for graph in (*everything.source_graphs(), *own_graphs):
        for quad in everything.quads(graph):
            used.add(namespace(quad.predicate.value))
            if quad.predicate == RDF["type"] and isinstance(quad.object, ox.NamedNode):
                used.add(namespace(quad.object.value))
    used.discard(str(RDF))
    assert used - listed == set()


def test_each_graphs_class_partitions_count_its_instances(everything: Store) -> None:
    for graph in everything.source_graphs():
        partitions = {
            q.subject: q.object for q in everything.quads_for_pattern(None, VOID["class"], None, graph)
        }
        assert len(partitions) == 3, graph
        for partition, cls in partitions.items():
            stated = next(everything.quads_for_pattern(partition, VOID["entities"], None, graph)).object
            instances = {q.subject for q in everything.quads_for_pattern(None, RDF["type"], cls, graph)}
            assert int(stated.value) == len(instances), (graph.value, cls.value)
    assert {c for c in partitions.values()} == {FABIO["Expression"], CITO["Citation"], OA["Annotation"]}


@pytest.mark.parametrize(
    ("name", "licence"),
    [
        ("index-current.csv", "https://creativecommons.org/publicdomain/zero/1.0/"),
        ("openalex-works.jsonl", "https://creativecommons.org/publicdomain/zero/1.0/"),
        ("s2-citations.jsonl", "https://opendatacommons.org/licenses/by/1.0/"),
        ("crossref-work.json", "https://www.crossref.org/documentation/retrieve-metadata/rest-api/"),
    ],
)
def test_each_source_says_its_licence(everything: Store, name: str, licence: str) -> None:
    graph = next(g for g in everything.source_graphs() if g.value.endswith(name))
    stated = [q.object.value for q in everything.quads_for_pattern(graph, DCTERMS["license"], None, graph)]
    assert len(stated) == 1 and stated[0].startswith(licence)
    if name.startswith("s2-"):  # ODC-BY: the attribution Semantic Scholar asks for goes along
        cited = next(everything.quads_for_pattern(graph, DCTERMS["bibliographicCitation"], None, graph))
        assert "Semantic Scholar Open Data Platform" in cited.object.value
