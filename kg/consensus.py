"""The consensus graph: one ``cito:Citation`` per citing-cited pair, with its primary role and polarity.

CiTO allows one ``cito:hasCitationCharacterization`` per citation, but several annotators may judge
one citation differently. Their judgements stay as separate ``oa:Annotation`` resources in the graphs
of their sources; this graph holds the single characterization citekg derives from them:

- Role: human annotations outrank model annotations; among the annotations of the winning kind, the
  role with the highest summed confidence wins (a missing confidence counts as 1.0); remaining ties go
  by the precedence of ``vocab.Role``. Polarity likewise, independently, by ``vocab.Polarity``.
- ``ckg:roleSupport`` is the winning role's share of that summed confidence: how sure the annotators
  were, used to rank representative citing papers.

Beside each citation the graph holds the direct CiTO edges between the two works: ``cito:cites``, the
role's property (``cito:usesMethodIn``, ...) and the polarity's (``cito:agreesWith``,
``cito:disagreesWith``, and for a neutral citation ``ckg:citesWithoutStance``, a plain sub-property of
``cito:cites``: neutrality is no citation function, so no CiTO function stands for it). A hub's role
and polarity distribution is then
a count of edges into the paper, which the store answers from one index range without touching each
citation.

It is derived data kept in step by every write, not a cache: a load computes the consensus of the
citations new to the store from the file itself (``write_new``, after an external sort), and
recomputes from the store those it shares with other sources (``refresh``), as a drop does for the
citations it removes. ``rebuild`` recomputes everything and gives the same graph.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import IO, Generic, NamedTuple, TypeVar

import pyoxigraph as ox

from kg import explorer, representatives, tallies, typology
from kg.backend import WritableBackend, batched, named, select, solutions
from kg.derivation import DERIVATION
from kg.mapping import A, CitationRef, decimal, year_literal
from kg.nquads import iri, literal, quad
from kg.representatives import Ranked
from kg.spool import sorted_lines
from kg.vocab import (
    CITO,
    CKG,
    DCTERMS,
    FABIO,
    OA,
    POLARITY_BY_IRI,
    POLARITY_EDGE,
    PRISM,
    PROV,
    RDF,
    RDFS,
    ROLE_BY_IRI,
    VOID,
    XSD,
    Polarity,
    Role,
)

Label = TypeVar("Label", Role, Polarity)

_DECIMAL = XSD["decimal"]
_PRECEDENCE: dict[Role | Polarity, int] = {
    **{r: i for i, r in enumerate(Role)},
    **{p: i for i, p in enumerate(Polarity)},
}


@dataclass(frozen=True)
class Judgement:
    label: Role | Polarity
    confidence: float
    human: bool


@dataclass(frozen=True)
class Verdict(Generic[Label]):
    label: Label
    support: float
    human: bool


def decide(judgements: Iterable[Judgement], labels: type[Label]) -> Verdict[Label] | None:
    """The primary label of one citation from its annotators' judgements (rules in the module doc).

    >>> decide([Judgement(Role.BACKGROUND, 0.9, False), Judgement(Role.METHOD, 0.6, True)], Role)
    Verdict(label=<Role.METHOD: 'method'>, support=1.0, human=True)
    >>> decide([Judgement(Role.BACKGROUND, 0.5, False), Judgement(Role.METHOD, 0.5, False)], Role).label
    <Role.METHOD: 'method'>
    """
    judged = [j for j in judgements if type(j.label) is labels]
    if not judged:
        return None
    human = any(j.human for j in judged)
    totals: dict[Label, float] = defaultdict(float)
    for judgement in judged:
        if judgement.human == human:
            totals[judgement.label] += judgement.confidence  # type: ignore[index]
    winner = min(totals, key=lambda label: (-round(totals[label], 9), _PRECEDENCE[label]))
    total = sum(totals.values())
    return Verdict(winner, totals[winner] / total if total else 1.0, human)


def consensus_quads(
    citation: str,
    citing: str,
    cited: str,
    role: Verdict[Role] | None,
    polarity: Verdict[Polarity] | None,
    graph: ox.NamedNode,
) -> Iterator[str]:
    """The consensus graph's quads for one citation, given its verdicts (``decide``)."""
    c, g, s, o = iri(citation), str(graph), iri(citing), iri(cited)
    yield quad(c, A, _TERM["Citation"], g)
    yield quad(c, _TERM["hasCitingEntity"], s, g)
    yield quad(c, _TERM["hasCitedEntity"], o, g)
    yield quad(s, _TERM["cites"], o, g)
    if role:
        edge = _TERM[role.label]
        yield quad(c, _TERM["hasCitationCharacterization"], edge, g)
        yield quad(c, _TERM["primaryRole"], _LABEL_IRI[role.label], g)
        yield quad(c, _TERM["roleSupport"], literal(decimal(role.support, 6), _DECIMAL), g)
        yield quad(c, _TERM["decidedByHuman"], _TRUE if role.human else _FALSE, g)
        yield quad(s, edge, o, g)
    if polarity:
        yield quad(c, _TERM["primaryPolarity"], _LABEL_IRI[polarity.label], g)
        yield quad(s, _TERM[polarity.label], o, g)


# the terms consensus_quads writes, as N-Triples text once (it writes some 15 quads a citation)
_TERM: dict[str | Role | Polarity, str] = {
    **{name: str(CITO[name]) for name in ("Citation", "hasCitingEntity", "hasCitedEntity", "cites")},
    "hasCitationCharacterization": str(CITO["hasCitationCharacterization"]),
    **{name: str(CKG[name]) for name in ("primaryRole", "roleSupport", "decidedByHuman", "primaryPolarity")},
    **{role: str(role.cito) for role in Role},
    **{polarity: str(edge) for polarity, edge in POLARITY_EDGE.items()},
}
_LABEL_IRI: dict[Role | Polarity, str] = {label: str(label.iri) for label in (*Role, *Polarity)}
_TRUE, _FALSE = literal("true", XSD["boolean"]), literal("false", XSD["boolean"])


# --- citations new to the store: from the loaded file itself ------------------------------------------


class JudgementRow(NamedTuple):
    """A spool line of the judgements of a citation new to the store: a bare row for a citation, one
    row per label for an annotation (``label`` empty for an annotation with none)."""

    citation: str
    citing: str
    cited: str
    annotation: str = ""
    annotator: str = ""
    label: str = ""
    confidence: str = ""
    human: str = "0"

    def line(self) -> str:
        return "\t".join(self) + "\n"

    @classmethod
    def parse(cls, line: str) -> JudgementRow:
        return cls(*line.rstrip("\n").split("\t"))


def judgement_rows(
    citation: CitationRef,
    annotation: str = "",
    annotator: str = "",
    labels: Iterable[Role | Polarity] = (),
    confidence: float | None = None,
    human: bool = False,
) -> str:
    """Spool lines for one record: a bare row for a citation, one row per label for an annotation."""
    head = JudgementRow(citation.iri, citation.citing, citation.cited, annotation, annotator)
    rows = [
        head._replace(
            label=label.iri.value,
            confidence="" if confidence is None else repr(confidence),
            human=str(int(human)),
        )
        for label in labels
    ]
    return "".join(row.line() for row in rows) or head.line()


def write_new(judgements: Path, out: IO[str], graph: ox.NamedNode, ranked: IO[str]) -> tallies.Tally:
    """Write the consensus of every citation in a judgement spool, sorted in bounded memory, and a line
    per citation to ``ranked`` for ranking representative citing papers; return what their
    annotations add to the annotator tallies."""
    tally: tallies.Tally = Counter()
    rows = map(JudgementRow.parse, sorted_lines(judgements))
    for citation, group in groupby(rows, key=attrgetter("citation")):
        found: dict[tuple[str, str], Judgement] = {}
        rows_of_citation = list(group)
        first = rows_of_citation[0]
        for row in rows_of_citation:
            label = ROLE_BY_IRI.get(row.label) or POLARITY_BY_IRI.get(row.label)
            if label is not None:
                found[(row.annotation, row.label)] = Judgement(
                    label, float(row.confidence or 1.0), row.human == "1"
                )
        if first.annotation or len(rows_of_citation) > 1:  # (a bare citation row adds nothing)
            tallies.contribute(
                tally, ((r.annotation, r.annotator, r.label) for r in rows_of_citation if r.annotation)
            )
        role, polarity = decide(found.values(), Role), decide(found.values(), Polarity)
        out.writelines(consensus_quads(citation, first.citing, first.cited, role, polarity, graph))
        ranked.write(
            Ranked(
                first.citing,
                first.cited,
                citation,
                role.label.iri.value if role else "",
                *_strength(role),
                polarity.label.iri.value if polarity else "",
            ).line()
        )
    return tally


def _strength(role: Verdict[Role] | None) -> tuple[bool, float]:
    return (role.human, round(role.support, 6)) if role else (False, 0.0)


# --- citations shared with other sources: from the store ----------------------------------------------


def refresh(store: WritableBackend, citations: Iterable[ox.NamedNode]) -> None:
    """Recompute the consensus of these citations from the source graphs (any no source holds
    disappear), a batch at a time: a handful of queries per batch rather than per citation, as over
    HTTP each query is a round trip. Only what changed is written: a replace refreshes every citation
    its file shares with its previous version, most of them as they were."""
    graph = store.consensus_graph
    for batch in batched(citations):
        unique = sorted(set(batch), key=str)
        stale = set(_stale(store, unique, graph))
        fresh = set(ox.parse("".join(_recomputed(store, unique, graph)), format=ox.RdfFormat.N_QUADS))
        store.remove(list(stale - fresh))
        added = fresh - stale
        if added:
            store.add("".join(f"{found} .\n" for found in added))


def _stale(store: WritableBackend, citations: list[ox.NamedNode], graph: ox.NamedNode) -> list[ox.Quad]:
    """What the consensus graph says of these citations, and the direct edges between their works; but
    a kept citation's rank and key, which ``representatives.update`` compares with what it ranks by now
    (and removes if it is kept no more)."""
    ranking = (representatives.RANK, representatives.KEY)
    stale = [
        ox.Quad(row["citation"], row["p"], row["o"], graph)
        for row in solutions(store, "?citation", citations, f"GRAPH {graph} {{ ?citation ?p ?o }}")
        if row["p"] not in ranking
    ]
    citing = {q.subject: q.object for q in stale if q.predicate == CITO["hasCitingEntity"]}
    cited = {q.subject: named(q.object) for q in stale if q.predicate == CITO["hasCitedEntity"]}
    entries = [q for q in stale if q.predicate == explorer.ENTRY and q.subject in cited]
    stale.extend(
        ox.Quad(cited[q.subject], explorer.ENTRY, q.object, graph) for q in entries
    )  # the hub's copy
    pairs = sorted({(citing[c], cited[c]) for c in citing.keys() & cited.keys()}, key=str)
    if pairs:
        rows = " ".join(f"({a} {b})" for a, b in pairs)
        edges = select(
            store, f"SELECT ?a ?p ?b WHERE {{ VALUES (?a ?b) {{ {rows} }} GRAPH {graph} {{ ?a ?p ?b }} }}"
        )
        stale.extend(ox.Quad(row["a"], row["p"], row["b"], graph) for row in edges)
    return stale


def _recomputed(store: WritableBackend, citations: list[ox.NamedNode], graph: ox.NamedNode) -> list[str]:
    """The consensus quads of these citations, from the judgements of every source graph."""
    works: dict[ox.NamedNode, dict[str, ox.NamedNode]] = {}
    for row in solutions(
        store,
        "?citation",
        citations,
        f"GRAPH ?source {{ ?citation {CITO['hasCitingEntity']} ?citing ; {CITO['hasCitedEntity']} ?cited }} "
        f"FILTER(?source != {graph})",  # (what the consensus says of a citation is what is refreshed)
    ):
        works.setdefault(row["citation"], {"citing": row["citing"], "cited": row["cited"]})
    bodies: dict[ox.NamedNode, list[tuple[ox.NamedNode, ox.NamedNode]]] = {}
    for row in solutions(
        store, "?citation", list(works), f"?annotation {OA['hasTarget']} ?citation ; {OA['hasBody']} ?body"
    ):
        bodies.setdefault(row["citation"], []).append((row["annotation"], row["body"]))
    annotations = sorted({annotation for found in bodies.values() for annotation, _ in found}, key=str)
    confidence: dict[ox.NamedNode, float] = {}
    for row in solutions(store, "?annotation", annotations, f"?annotation {CKG['confidence']} ?confidence"):
        confidence.setdefault(row["annotation"], float(row["confidence"].value))
    person = f"?annotation {PROV['wasAttributedTo']} ?agent . ?agent {RDF['type']} {PROV['Person']}"
    humans = {row["annotation"] for row in solutions(store, "?annotation", annotations, person)}
    out: list[str] = []
    for citation, work in works.items():
        found: dict[tuple[str, str], Judgement] = {}
        for annotation, body in bodies.get(citation, []):
            label = ROLE_BY_IRI.get(body.value) or POLARITY_BY_IRI.get(body.value)
            if label is not None:
                judgement = Judgement(label, confidence.get(annotation, 1.0), annotation in humans)
                found[(annotation.value, body.value)] = judgement
        role, polarity = decide(found.values(), Role), decide(found.values(), Polarity)
        out.extend(
            consensus_quads(citation.value, work["citing"].value, work["cited"].value, role, polarity, graph)
        )
    return out


# --- one year and title per paper -----------------------------------------------------------------------

# The year and the title citekg shows for a paper, stated once in the consensus graph: the earliest year
# and the first title in code-point order that any source states. (Each property removed by a pattern
# of its own: with the two in a VALUES, Oxigraph read every year and title of the consensus graph,
# 0.14 s at 10^5 citations however few the papers.)
_DESCRIPTIONS = """
DELETE {{ GRAPH {consensus} {{ ?paper fabio:hasPublicationYear ?chosen }} }}
WHERE {{ {papers} GRAPH {consensus} {{ ?paper fabio:hasPublicationYear ?chosen }} }} ;
DELETE {{ GRAPH {consensus} {{ ?paper dcterms:title ?chosen }} }}
WHERE {{ {papers} GRAPH {consensus} {{ ?paper dcterms:title ?chosen }} }} ;
INSERT {{ GRAPH {consensus} {{ ?paper fabio:hasPublicationYear ?year }} }}
WHERE {{
  SELECT ?paper (STRDT(MIN(STR(?stated)), xsd:gYear) AS ?year) WHERE {{
    {papers} GRAPH ?g {{ ?paper fabio:hasPublicationYear ?stated }} FILTER(?g != {consensus})
  }} GROUP BY ?paper
}} ;
INSERT {{ GRAPH {consensus} {{ ?paper dcterms:title ?title }} }}
WHERE {{
  SELECT ?paper (MIN(STR(?stated)) AS ?title) WHERE {{
    {papers} GRAPH ?g {{ ?paper dcterms:title ?stated }} FILTER(?g != {consensus})
  }} GROUP BY ?paper
}}
"""
# Within one source graph, a paper keeps the earliest of the years and dates its records stated (two
# records of one paper, or two nodes merged into one, may each have stated one).
_ONE_EACH = """
DELETE {{ GRAPH {graph} {{ ?paper {property} ?later }} }}
WHERE {{ GRAPH {graph} {{ ?paper {property} ?later, ?earlier FILTER(STR(?earlier) < STR(?later)) }} }}
"""


def one_value_each(store: WritableBackend, graph: ox.NamedNode) -> None:
    """Leave one publication year and one publication date per paper in a source graph (FaBiO and
    PRISM allow one): the earliest, in code-point order, whatever the order of its records."""
    store.update(
        " ;\n".join(
            _ONE_EACH.format(graph=graph, property=prop)
            for prop in (FABIO["hasPublicationYear"], PRISM["publicationDate"])
        )
    )


def refresh_descriptions(
    store: WritableBackend, graph: ox.NamedNode | None = None, papers: Iterable[ox.NamedNode] = ()
) -> None:
    """State in the consensus graph the one year and title citekg shows for each paper of a source
    graph (or each of ``papers``). Queries and the explorer read them there, so a paper whose sources
    disagree is counted in one year and sorted under one title."""
    consensus = store.consensus_graph
    if graph is not None:
        typed = f"GRAPH {graph} {{ ?paper a fabio:Expression }}"
        store.update(_DESCRIPTIONS.format(consensus=consensus, papers=typed))
    for batch in batched(papers):
        values = "VALUES ?paper { " + " ".join(str(paper) for paper in set(batch)) + " }"
        store.update(_DESCRIPTIONS.format(consensus=consensus, papers=values))


def write_descriptions(described: Path, out: IO[str], graph: ox.NamedNode) -> None:
    """The year and title of each paper a load into an empty store describes, from the load's own
    spool: what ``refresh_descriptions`` states once the file is in the store (the earliest year, the
    first title in code-point order), written beside the rest before the bulk load."""
    for paper in representatives.descriptions(sorted_lines(described)):
        if paper.year is not None:
            out.write(quad(iri(paper.paper), FABIO["hasPublicationYear"], year_literal(paper.year), graph))
        if paper.title:
            out.write(quad(iri(paper.paper), DCTERMS["title"], literal(paper.title), graph))


def rebuild(store: WritableBackend) -> None:
    """Recompute the whole consensus graph from the source graphs."""
    store.remove_graph(store.consensus_graph)
    for graph in store.source_graphs():
        refresh(store, citations_in(store, graph))
        refresh_descriptions(store, graph)
    explorer.rebuild(store)
    representatives.refresh(store, representatives.cited_papers(store))
    typology.refresh(store, representatives.cited_papers(store))
    tallies.rebuild(store)
    describe_itself(store)


def describe_itself(store: WritableBackend) -> None:
    """Say in the consensus graph what it was derived from and when (PROV-O), where its rule is
    documented (``ckg:primaryRole``) and by which derivation (``DERIVATION``), replacing what it said
    before: run after every change."""
    graph = store.consensus_graph
    store.remove(list(store.quads_for_pattern(graph, None, None, graph)))
    sources = store.source_graphs()
    if not sources:
        return  # no consensus without sources: a store emptied by drops is empty
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    said: list[tuple[ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (RDF["type"], PROV["Entity"]),
        (RDF["type"], VOID["Dataset"]),
        (DCTERMS["title"], ox.Literal("citekg consensus: one primary role and polarity per citation")),
        (PROV["generatedAtTime"], ox.Literal(now, datatype=XSD["dateTime"])),
        (RDFS["seeAlso"], CKG["primaryRole"]),
        (CKG["derivation"], ox.Literal(str(DERIVATION), datatype=XSD["integer"])),
        *((PROV["wasDerivedFrom"], source) for source in sources),
    ]
    store.add("".join(quad(graph, predicate, value, graph) for predicate, value in said))


def citations_in(store: WritableBackend, graph: ox.NamedNode) -> Iterator[ox.NamedNode]:
    """The citations citekg minted in a source graph (not those a source's own RDF describes), streamed
    from the store's index."""
    ours = store.minter.base + "citation/"
    for found in store.quads_for_pattern(None, RDF["type"], CITO["Citation"], graph):
        citation = named(found.subject)
        if citation.value.startswith(ours):
            yield citation
