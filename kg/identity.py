"""One node per paper, whatever the order of loading.

A paper's IRI is minted from the best of all the ids the store knows for it (``ids.best_id``). When a
load tells the store that two nodes share an id, or gives a node a better id than the one it was named
by, this module renames the nodes to the one IRI the whole cluster deserves, in every graph, and
renames the citations whose IRIs are minted from those papers. So loading A then B and B then A end
in the same graph. Every IRI renamed stays published: the aliases graph says it ``owl:sameAs`` the
IRI that names the paper (or citation) now, and ``kg serve`` redirects it there.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import unquote

import pyoxigraph as ox

from kg.backend import WritableBackend, batched, named, select
from kg.ids import PaperId
from kg.nquads import quad
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


class Renamed(NamedTuple):
    """What ``canonicalise`` renamed: how many paper nodes (merged or better named), and the citations
    minted from them."""

    papers: int
    citations: list[ox.NamedNode]


NOTHING_RENAMED = Renamed(0, [])


def canonicalise(store: WritableBackend, graph: ox.NamedNode) -> Renamed:
    """Merge and rename the papers of ``graph`` and the citations minted from them."""
    renames: dict[str, str] = {}
    for found in store.quads_for_pattern(None, RDF["type"], FABIO["Expression"], graph):
        node = named(found.subject)
        if node.value in renames or len(_identifiers(store, node)) < 2:
            continue
        nodes, identifiers = _cluster(store, node)
        canonical = store.minter.paper(min(map(_parse_identifier, identifiers), key=lambda i: i.rank))
        renames.update((other, canonical) for other in nodes if other != canonical)
    if not renames:
        return NOTHING_RENAMED
    _rename(store, renames)
    papers = sorted(set(renames.values()))
    _remint_authors(store, papers)
    return Renamed(len(renames), _rename_citations(store, papers))


def _identifiers(store: WritableBackend, node: ox.NamedNode) -> set[str]:
    """citekg's identifiers of a node (a source's own RDF may attach identifiers of its own)."""
    ours = store.minter.base + "id/"
    found = store.quads_for_pattern(node, DATACITE["hasIdentifier"], None)
    identifiers = (q.object.value for q in found if isinstance(q.object, ox.NamedNode))
    return {identifier for identifier in identifiers if identifier.startswith(ours)}


def _cluster(store: WritableBackend, start: ox.NamedNode) -> tuple[set[str], set[str]]:
    """Every node reachable from ``start`` through shared identifiers, and all their identifiers."""
    nodes, todo = {start.value}, [start.value]
    identifiers: set[str] = set()
    while todo:
        for identifier in _identifiers(store, ox.NamedNode(todo.pop())) - identifiers:
            identifiers.add(identifier)
            for found in store.quads_for_pattern(None, DATACITE["hasIdentifier"], ox.NamedNode(identifier)):
                node = named(found.subject).value
                if node not in nodes:
                    nodes.add(node)
                    todo.append(node)
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
        store.add("".join(quad(ox.NamedNode(old), same_as, ox.NamedNode(new), aliases) for old, new in batch))


_AUTHORS_OF = """
SELECT ?paper ?g ?role ?agent ?name ?next WHERE {{
  VALUES ?paper {{ {papers} }}
  GRAPH ?g {{
    ?paper pro:isDocumentContextFor ?role . ?role pro:isHeldBy ?agent .
    OPTIONAL {{ ?role oco:hasNext ?next }}
    OPTIONAL {{ ?agent foaf:name ?name }}
  }}
}}
"""


def _remint_authors(store: WritableBackend, papers: list[str]) -> None:
    """Mint again the author roles and the ORCID-less authors of renamed papers, whose IRIs come from
    the paper's IRI, so that they too do not depend on the order of loading. A role's place in its
    list is found by following oco:hasNext from the role no other points to."""
    minter, renames = store.minter, dict[str, str]()
    for batch in batched(papers):
        lists: dict[tuple[str, str], dict[str, tuple[str, str, str | None]]] = {}
        for row in select(store, _AUTHORS_OF.format(papers=" ".join(str(ox.NamedNode(p)) for p in batch))):
            key = (row["paper"].value, row["g"].value)
            following = row["next"].value if row["next"] is not None else None
            name = row["name"].value if row["name"] is not None else ""
            lists.setdefault(key, {})[row["role"].value] = (row["agent"].value, name, following)
        for (paper, graph), roles in lists.items():
            pointed = {following for _, _, following in roles.values()}
            role = next((r for r in sorted(roles) if r not in pointed), None)
            position = 0
            while role is not None and role in roles and position < len(roles):
                agent, name, following = roles[role]
                renames[role] = minter.role(graph, paper, position)
                if not agent.startswith(minter.base + "agent/orcid/"):
                    renames[agent] = minter.author(paper, position, name)
                role, position = following, position + 1
    _rename(store, {old: new for old, new in renames.items() if old != new})


def _rename_citations(store: WritableBackend, papers: list[str]) -> list[ox.NamedNode]:
    renames: dict[str, str] = {}
    for batch in batched(papers):
        values = " ".join(str(ox.NamedNode(paper)) for paper in batch)
        for row in select(store, _CITATIONS_OF.format(papers=values)):
            expected = store.minter.citation(row["citing"].value, row["cited"].value)
            if row["citation"].value != expected:
                renames[row["citation"].value] = expected
    _rename(store, renames)
    return [ox.NamedNode(iri) for iri in sorted(set(renames.values()))]
