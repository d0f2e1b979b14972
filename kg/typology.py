"""Each cited paper's citation behaviour, kept in the consensus graph: the saved query ``hub-typology``
reads it rather than counting every edge of the graph.

Counting the consensus edges into every paper when asked is an aggregate over the whole graph: 2.6 s
at 10^6 citations on the embedded store (grouping a million edges by paper costs Oxigraph ~1 us each),
and on Virtuoso its join of role counts took 0.9-1.3 s at 10^5. So each cited paper carries::

    <paper> ckg:citingPaperCount 120 ; ckg:annotatedCitingPaperCount 80 ;
        ckg:dominantRole ckg:role-method ; ckg:dominantRoleShare 0.625 ; ckg:negativeShare 0.0333 .

counted from its consensus edges (``cito:cites``, the six role edges, ``cito:disagreesWith``): the
dominant role is the primary role most citing papers give it, ties by role precedence (``Role``'s
order), and the shares are rounded to four decimal places, half up. A paper nothing annotates has no
dominant role and a share of 0.

Like the representatives, this is derived data kept in step by every write: a load into an empty
store counts it from the file itself (``write_new``, an external sort, bounded memory); any other
change counts again the papers whose citations it touched, from their edges (``refresh``, one
grouped query per batch of papers, so a hub's cost is its own edges, not the store's).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kg.backend import WritableBackend, batched, named, select
from kg.nquads import iri, literal, quad
from kg.representatives import Ranked
from kg.spool import sorted_lines
from kg.vocab import CITO, CKG, POLARITY_BY_IRI, ROLE_BY_IRI, XSD, Polarity, Role

CITING, ANNOTATED = CKG["citingPaperCount"], CKG["annotatedCitingPaperCount"]
DOMINANT, DOMINANT_SHARE, NEGATIVE_SHARE = CKG["dominantRole"], CKG["dominantRoleShare"], CKG["negativeShare"]
PROPERTIES = (CITING, ANNOTATED, DOMINANT, DOMINANT_SHARE, NEGATIVE_SHARE)
CITES, DISAGREES = CITO["cites"], CITO["disagreesWith"]
ROLE_BY_EDGE = {role.cito.value: role for role in Role}
_PRECEDENCE = {role: len(Role) - index for index, role in enumerate(Role)}  # method wins ties
_EDGES = ", ".join(str(edge) for edge in (CITES, DISAGREES, *(role.cito for role in Role)))


def share(part: int, whole: int) -> Decimal:
    """``part / whole`` rounded to four decimal places, half up (as SPARQL's ROUND rounds).

    >>> share(1, 3), share(2, 3), share(1, 8), share(0, 5)
    (Decimal('0.3333'), Decimal('0.6667'), Decimal('0.125'), Decimal('0'))
    """
    exact = Decimal(10_000 * part) / Decimal(whole)
    return (exact.quantize(Decimal(1), rounding=ROUND_HALF_UP) / 10_000).normalize()


Value = int | Decimal | ox.NamedNode  # a count, a share, the dominant role


def behaviour(edges: Mapping[str, int]) -> dict[ox.NamedNode, Value]:
    """A paper's behaviour (property: value), from the number of citing papers on each consensus edge
    into it (edge IRI: count); nothing for a paper no one cites."""
    citing = edges.get(CITES.value, 0)
    if not citing:
        return {}
    roles = {ROLE_BY_EDGE[edge]: n for edge, n in edges.items() if edge in ROLE_BY_EDGE and n}
    annotated = sum(roles.values())
    top = max(roles, key=lambda role: (roles[role], _PRECEDENCE[role]), default=None)
    found: dict[ox.NamedNode, Value] = {CITING: citing, ANNOTATED: annotated}
    if top is not None:
        found[DOMINANT] = top.iri
    found[DOMINANT_SHARE] = share(roles[top], annotated) if top is not None else Decimal(0)
    found[NEGATIVE_SHARE] = share(edges.get(DISAGREES.value, 0), citing)
    return found


def behaviour_quads(paper: str, edges: Mapping[str, int], graph: ox.NamedNode) -> Iterator[str]:
    """The quads that state a paper's behaviour (``behaviour``)."""
    for prop, value in behaviour(edges).items():
        yield quad(iri(paper), prop, _term(value), graph)


def _term(value: Value) -> str | ox.NamedNode:
    if isinstance(value, ox.NamedNode):
        return value
    if isinstance(value, int):
        return literal(str(value), XSD["integer"])
    text = format(value, "f")  # with a point: Virtuoso reads "1"^^xsd:decimal back as an integer
    return literal(text if "." in text else text + ".0", XSD["decimal"])


def _value(term: ox.NamedNode | ox.Literal) -> Value:
    """A stated value as ``behaviour`` gives it (stores write decimals back in forms of their own)."""
    if isinstance(term, ox.NamedNode):
        return term
    return int(term.value) if term.datatype == XSD["integer"] else Decimal(term.value)


# --- a load into an empty store: from the file's own spool ---------------------------------------------


def write_new(ranked: Path, out: IO[str], graph: ox.NamedNode, scratch: Path) -> None:
    """Write the behaviour of every paper cited in a ranked spool (``representatives.Ranked`` lines, in any
    order), counted after sorting its citations on disk by cited then citing paper: a citing
    paper's edges into a paper are counted once, however many citations state them."""
    by_cited = scratch / "typology.tsv"
    with by_cited.open("w", encoding="utf-8") as lines, ranked.open(encoding="utf-8") as citations:
        for row in map(Ranked.parse, citations):
            edges = [CITES.value]
            if row.role:
                edges.append(ROLE_BY_IRI[row.role].cito.value)
            if row.polarity and POLARITY_BY_IRI[row.polarity] is Polarity.NEGATIVE:
                edges.append(DISAGREES.value)
            lines.write(f"{row.cited}\t{row.citing}\t{' '.join(edges)}\n")
    rows = (line.rstrip("\n").split("\t") for line in sorted_lines(by_cited))
    for cited, group in groupby(rows, key=lambda row: row[0]):
        counts: Counter[str] = Counter()
        for _, stated in groupby(group, key=lambda row: row[1]):  # one citing paper's citations
            counts.update({edge for row in stated for edge in row[2].split(" ")})
        out.writelines(behaviour_quads(cited, counts, graph))


# --- any other change: from the store ------------------------------------------------------------------


def refresh(store: WritableBackend, papers: Iterable[ox.NamedNode]) -> None:
    """Count again the behaviour of these papers from their consensus edges, a batch at a time (one
    query to read what is stated, one to count, over HTTP as on the embedded store), and write only
    what changed: a replace by the same or a slightly changed file leaves most papers as they were."""
    graph = store.consensus_graph
    stated_pattern = " UNION ".join(  # (bound predicates: a paper's open ones include its explorer rows)
        f"{{ ?paper {prop} ?value BIND({prop} AS ?property) }}" for prop in PROPERTIES
    )
    for batch in batched(papers):
        values = " ".join(map(str, sorted(set(batch), key=str)))
        # (paper, property): the values stated, with their quads (a merge of papers may leave two)
        stated: dict[tuple[str, ox.NamedNode], list[tuple[Value, ox.Quad]]] = {}
        for row in select(
            store,
            f"SELECT ?paper ?property ?value WHERE {{ VALUES ?paper {{ {values} }} "
            f"GRAPH {graph} {{ {stated_pattern} }} }}",
        ):
            paper, prop, value = named(row["paper"]), named(row["property"]), row["value"]
            if isinstance(value, ox.NamedNode | ox.Literal):
                stated.setdefault((paper.value, prop), []).append(
                    (_value(value), ox.Quad(paper, prop, value, graph))
                )
        counted = select(
            store,
            f"SELECT ?paper ?edge (COUNT(?citing) AS ?n) WHERE {{ VALUES ?paper {{ {values} }} "
            f"GRAPH {graph} {{ ?citing ?edge ?paper }} FILTER(?edge IN ({_EDGES})) }} GROUP BY ?paper ?edge",
        )
        edges: dict[str, dict[str, int]] = {}
        for row in counted:
            edges.setdefault(named(row["paper"]).value, {})[named(row["edge"]).value] = int(row["n"].value)
        fresh = {
            (paper, prop): value
            for paper, counts in edges.items()
            for prop, value in behaviour(counts).items()
        }
        # compared as values ("1.0" is 1): only what differs is removed or written
        store.remove(
            [found for key, said in stated.items() for value, found in said if fresh.get(key) != value]
        )
        added = "".join(
            quad(iri(paper), prop, _term(value), graph)
            for (paper, prop), value in fresh.items()
            if value not in (old for old, _ in stated.get((paper, prop), []))
        )
        if added:
            store.add(added)
