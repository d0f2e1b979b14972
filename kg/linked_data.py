"""Linked-data views of a store: the description of one resource, the VoID/DCAT description of the
dataset, and the ontology's documentation page.

``kg serve`` answers a dereferenced IRI with ``describe`` (a concise bounded description: every triple
about the resource in any graph, and those about the blank nodes they lead to), ``/.well-known/void``
and ``kg export --void`` with ``void``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from kg.backend import Backend
from kg.resources import folder
from kg.stats import store_stats
from kg.store import Store
from kg.vocab import (
    CITO,
    CKG,
    DATACITE,
    DCTERMS,
    FABIO,
    FOAF,
    LITERAL,
    OA,
    OCO,
    PRISM,
    PRO,
    PROV,
    SPDX,
    VOID,
    XSD,
)

DCAT = "http://www.w3.org/ns/dcat#"
_A = ox.NamedNode(str(RDF.type))
# Every vocabulary citekg writes (tests/test_linked_data.py reads a store of every format to check).
_VOCABULARIES = (
    CITO,
    FABIO,
    DATACITE,
    LITERAL,
    PRISM,
    PRO,
    OCO,
    PROV,
    OA,
    DCTERMS,
    FOAF,
    RDFS,
    VOID,
    OWL,
    SPDX,
    CKG,
)


def describe(store: Store, iri: str) -> list[ox.Triple]:
    """The concise bounded description of a resource over all graphs, each triple once."""
    seen: set[ox.Triple] = set()
    todo: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(iri)]
    while todo:
        subject = todo.pop()
        for quad in store.oxigraph.quads_for_pattern(subject, None, None, None):
            triple = ox.Triple(quad.subject, quad.predicate, quad.object)
            if triple not in seen:
                seen.add(triple)
                if isinstance(quad.object, ox.BlankNode):
                    todo.append(quad.object)
    return sorted(seen, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def void(store: Backend, *, endpoint: str | None = None, dump: str | None = None) -> list[ox.Triple]:
    """A VoID and DCAT description of the store: counts, the graphs, vocabularies and where to get it.

    The counts are those the store keeps (``kg.tallies``): papers, citations and annotations, read in
    a millisecond. It states no ``void:triples`` (optional in VoID): counting every quad took 9.2 s at
    10^6 citations (at 10^7, past a request's deadline), for anyone who asks."""
    base = store.minter.base
    dataset = ox.NamedNode(store.minter.dataset)
    stats = store_stats(store)
    triples = [
        ox.Triple(dataset, _A, VOID["Dataset"]),
        ox.Triple(dataset, _A, ox.NamedNode(DCAT + "Dataset")),
        ox.Triple(dataset, DCTERMS["title"], ox.Literal("citekg citation knowledge graph")),
        ox.Triple(dataset, VOID["uriSpace"], ox.Literal(base)),
        ox.Triple(dataset, VOID["entities"], _integer(stats.papers)),
    ]
    for vocabulary in _VOCABULARIES:
        triples.append(ox.Triple(dataset, VOID["vocabulary"], ox.NamedNode(str(vocabulary))))
    for cls, count in (
        (FABIO["Expression"], stats.papers),
        (CITO["Citation"], stats.citations),
        (OA["Annotation"], stats.annotations),
    ):
        partition = ox.NamedNode(store.minter.class_partition(cls.value))
        triples += [
            ox.Triple(dataset, VOID["classPartition"], partition),
            ox.Triple(partition, VOID["class"], cls),
            ox.Triple(partition, VOID["entities"], _integer(count)),
        ]
    for graph in store.graphs():
        triples.append(ox.Triple(dataset, VOID["subset"], graph))
    if endpoint:
        service = ox.NamedNode(endpoint)
        triples += [
            ox.Triple(dataset, VOID["sparqlEndpoint"], service),
            ox.Triple(dataset, ox.NamedNode(DCAT + "accessService"), service),
            ox.Triple(service, _A, ox.NamedNode(DCAT + "DataService")),
            ox.Triple(service, ox.NamedNode(DCAT + "endpointURL"), service),
        ]
    if dump:
        distribution = ox.NamedNode(store.minter.dataset + "#dump")
        triples += [
            ox.Triple(dataset, VOID["dataDump"], ox.NamedNode(dump)),
            ox.Triple(dataset, ox.NamedNode(DCAT + "distribution"), distribution),
            ox.Triple(distribution, _A, ox.NamedNode(DCAT + "Distribution")),
            ox.Triple(distribution, ox.NamedNode(DCAT + "downloadURL"), ox.NamedNode(dump)),
            ox.Triple(distribution, ox.NamedNode(DCAT + "mediaType"), ox.Literal("application/n-quads")),
        ]
    return triples


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD["integer"])


@cache
def ontology_turtle() -> bytes:
    return (folder("ontology") / "citekg.ttl").read_bytes()


@cache
def ontology_terms() -> dict[str, list[dict[str, Any]]]:
    """The ontology's own classes, properties and concepts with label and comment, for its HTML page."""
    graph = Graph().parse(data=ontology_turtle(), format="turtle")
    kinds = {
        "Classes": [OWL.Class, RDFS.Class],
        "Object properties": [OWL.ObjectProperty],
        "Datatype properties": [OWL.DatatypeProperty],
        "Concepts": [URIRef("http://www.w3.org/2004/02/skos/core#Concept")],
    }
    terms: dict[str, list[dict[str, Any]]] = {}
    for title, types in kinds.items():
        found = sorted(
            {
                s
                for t in types
                for s in graph.subjects(RDF.type, t)
                if isinstance(s, URIRef) and s.startswith(str(CKG))
            }
        )
        terms[title] = [_term(graph, subject) for subject in found]
    return terms


def _term(graph: Graph, subject: URIRef) -> dict[str, Any]:
    def values(predicate: URIRef) -> list[str]:
        return sorted(str(o) for o in graph.objects(subject, predicate))

    return {
        "iri": str(subject),
        "name": str(subject).removeprefix(str(CKG)),
        "label": next(iter(values(RDFS.label)), ""),
        "comment": next(iter(values(RDFS.comment)), ""),
        "domain": values(RDFS.domain),
        "range": values(RDFS.range),
        "related": [
            str(o)
            for p in (
                RDFS.subClassOf,
                RDFS.subPropertyOf,
                URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"),
            )
            for o in graph.objects(subject, p)
        ],
    }


@cache
def labels() -> dict[str, str]:
    """The English label of every term citekg writes: its own from the ontology, the reused ones
    (CiTO, FaBiO, PROV-O, ...) as their vocabularies give them (``ontology/labels.ttl``)."""
    found: dict[str, str] = {}
    for name in ("citekg.ttl", "labels.ttl"):
        for quad in ox.parse((folder("ontology") / name).read_bytes(), format=ox.RdfFormat.TURTLE):
            label, subject = quad.object, quad.subject
            is_label = quad.predicate.value == str(RDFS.label) and isinstance(subject, ox.NamedNode)
            if is_label and isinstance(label, ox.Literal) and label.language in (None, "en"):
                found.setdefault(subject.value, label.value)
    return found
