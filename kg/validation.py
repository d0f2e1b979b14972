"""A store checked against citekg's SHACL shapes (``ontology/shapes.ttl``), by pySHACL.

The shapes describe citekg's own graphs: the records each source graph holds, the consensus, the
aliases and the default graph. What a source published and citekg keeps as it is (the parts of a source
graph, ``Minter.part_graph``: OpenCitations' RDF) follows its publisher's rules, not citekg's (an
OpenCitations bibliographic resource has no ``datacite:hasIdentifier`` of citekg's kind, say), so it is
left out. pySHACL validates an rdflib graph in memory: the graphs checked are read whole, which suits
stores of a few million triples; beyond that, check a graph at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import SH

from kg.backend import Backend
from kg.errors import InvalidArgument
from kg.iris import is_part
from kg.resources import folder


@dataclass(frozen=True)
class Validation:
    """What pySHACL found: whether the graphs conform, how many triples it read, and its report."""

    conforms: bool
    triples: int
    violations: int
    report: str


@cache
def shapes() -> Graph:
    return Graph().parse(folder("ontology") / "shapes.ttl")


def checked_graphs(store: Backend, graph: str | None = None) -> list[ox.NamedNode | ox.DefaultGraph]:
    """citekg's graphs (every graph but the parts that keep sources' own RDF), or the one named."""
    if graph is None:
        return [g for g in store.exported_graphs() if not (isinstance(g, ox.NamedNode) and is_part(g.value))]
    named = ox.NamedNode(store.minter.graph(graph))
    if named not in store.graphs():
        raise InvalidArgument(f"the store has no graph <{named.value}>")
    return [named]


def validate(store: Backend, graph: str | None = None) -> Validation:
    """Validate the union of citekg's graphs (or one graph, by name or IRI) against the shapes."""
    from pyshacl import validate as shacl

    data = Graph()
    for named in checked_graphs(store, graph):
        triples = (quad.triple for quad in store.quads(named))
        data.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    conforms, results, text = shacl(data, shacl_graph=shapes())
    violations = len(set(results.subjects(predicate=SH.resultSeverity)))
    return Validation(bool(conforms), len(data), violations, str(text))
