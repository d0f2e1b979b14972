"""One node per paper, whatever the order of loading.

A paper's IRI is minted from the best of all the ids the store knows for it (``ids.best_id``). When a
load tells the store that two nodes share an id, or gives a node a better id than the one it was named
by, this module renames the nodes to the one IRI the whole cluster deserves, in every graph, and
renames the citations whose IRIs are minted from those papers. So loading A then B and B then A end
in the same graph. Every IRI renamed stays published: the aliases graph says it ``owl:sameAs`` the
IRI that names the paper (or citation) now, and ``kg serve`` redirects it there.
"""

from __future__ import annotations

from urllib.parse import unquote

import pyoxigraph as ox

from kg.backend import WritableBackend, batched
from kg.ids import PaperId
from kg.vocab import DATACITE, FABIO, OWL, RDF

_RENAME = """
DELETE {{ GRAPH ?g {{ ?old ?p ?o }} }} INSERT {{ GRAPH ?g {{ ?new ?p ?o }} }}
WHERE {{ VALUES (?old ?new) {{ {rows} }} GRAPH ?g {{ ?old ?p ?o }} }} ;
DELETE {{ GRAPH ?g {{ ?s ?p ?old }} }} INSERT {{ GRAPH ?g {{ ?s ?p ?new }} }}
WHERE {{ VALUES (?old ?new) {{ {rows} }} GRAPH ?g {{ ?s ?p ?old }} }}
"""
_CITATIONS_OF = """
SELECT DISTINCT ?citation ?citing ?cited WHERE {{
  VALUES ?paper {{ {papers} }}
  {{ ?citation cito:hasCitingEntity ?paper }} UNION {{ ?citation cito:hasCitedEntity ?paper }}
  ?citation cito:hasCitingEntity ?citing ; cito:hasCitedEntity ?cited .
}}
"""


def canonicalise(store: WritableBackend, graph: ox.NamedNode) -> list[ox.NamedNode]:
    """Merge and rename the papers of ``graph``; return the citations that were renamed."""
    renames: dict[str, str] = {}
    for quad in store.quads_for_pattern(None, RDF["type"], FABIO["Expression"], graph):
        node = quad.subject
        if node.value in renames or len(_identifiers(store, node)) < 2:
            continue
        nodes, identifiers = _cluster(store, node)
        canonical = store.minter.paper(min(map(_parse_identifier, identifiers), key=lambda i: i.rank))
        renames.update((other, canonical) for other in nodes if other != canonical)
    if not renames:
        return []
    _rename(store, renames)
    return _rename_citations(store, sorted(set(renames.values())))


def _identifiers(store: WritableBackend, node: ox.NamedNode) -> set[str]:
    """citekg's identifiers of a node (a source's own RDF may attach identifiers of its own)."""
    ours = store.minter.base + "id/"
    found = store.quads_for_pattern(node, DATACITE["hasIdentifier"], None)
    return {q.object.value for q in found if q.object.value.startswith(ours)}


def _cluster(store: WritableBackend, start: ox.NamedNode) -> tuple[set[str], set[str]]:
    """Every node reachable from ``start`` through shared identifiers, and all their identifiers."""
    nodes, identifiers, todo = {start.value}, set(), [start.value]
    while todo:
        for identifier in _identifiers(store, ox.NamedNode(todo.pop())) - identifiers:
            identifiers.add(identifier)
            for quad in store.quads_for_pattern(None, DATACITE["hasIdentifier"], ox.NamedNode(identifier)):
                if quad.subject.value not in nodes:
                    nodes.add(quad.subject.value)
                    todo.append(quad.subject.value)
    return nodes, identifiers


def _parse_identifier(iri: str) -> PaperId:
    scheme, _, value = iri.rpartition("/id/")[2].partition("/")
    return PaperId(scheme, unquote(value))


def _rename(store: WritableBackend, renames: dict[str, str]) -> None:
    """Rename in every graph (older aliases of a renamed IRI follow it), then alias the old IRIs."""
    aliases, same_as = ox.NamedNode(store.minter.aliases_graph), OWL["sameAs"]
    for batch in batched(renames.items()):
        rows = " ".join(f"({ox.NamedNode(old)} {ox.NamedNode(new)})" for old, new in batch)
        store.update(_RENAME.format(rows=rows))
        store.add(
            "".join(
                f"{ox.NamedNode(old)} {same_as} {ox.NamedNode(new)} {aliases} .\n" for old, new in batch
            )
        )


def _rename_citations(store: WritableBackend, papers: list[str]) -> list[ox.NamedNode]:
    renames: dict[str, str] = {}
    for batch in batched(papers):
        values = " ".join(str(ox.NamedNode(paper)) for paper in batch)
        for row in store.query(_CITATIONS_OF.format(papers=values)):
            expected = store.minter.citation(row["citing"].value, row["cited"].value)
            if row["citation"].value != expected:
                renames[row["citation"].value] = expected
    _rename(store, renames)
    return [ox.NamedNode(iri) for iri in sorted(set(renames.values()))]
