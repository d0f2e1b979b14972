"""The consensus graph: one ``cito:Citation`` per citing-cited pair, with its primary role and polarity.

CiTO allows one ``cito:hasCitationCharacterization`` per citation, but several annotators may judge
one citation differently. Their judgements stay as separate ``oa:Annotation`` resources in the graphs
of their sources; this graph holds the single characterization citekg derives from them:

- Role: human annotations outrank model annotations; among the annotations of the winning kind, the
  role with the highest summed confidence wins (a missing confidence counts as 1.0); remaining ties go
  by the precedence of ``vocab.Role``. Polarity likewise, independently, by ``vocab.Polarity``.
- ``ckg:roleSupport`` is the winning role's share of that summed confidence: how sure the annotators
  were, used to rank representative citing papers.

It is derived data kept in step by every write (each load refreshes the citations it touched, a drop
the citations it removed), not a cache: ``rebuild`` recomputes it from scratch and gives the same graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import pyoxigraph as ox

from kg.mapping import A, literal
from kg.store import Store
from kg.vocab import CITO, CKG, POLARITY_BY_IRI, ROLE_BY_IRI, XSD, Polarity, Role

_BATCH = 1000
_CITATIONS = """
SELECT DISTINCT ?citation ?citing ?cited WHERE {{
  VALUES ?citation {{ {values} }}
  ?citation cito:hasCitingEntity ?citing ; cito:hasCitedEntity ?cited .
}}
"""
_JUDGEMENTS = """
SELECT DISTINCT ?citation ?annotation ?body ?confidence ?human WHERE {{
  VALUES ?citation {{ {values} }}
  ?annotation oa:hasTarget ?citation ; oa:hasBody ?body .
  OPTIONAL {{ ?annotation ckg:confidence ?confidence }}
  OPTIONAL {{ ?annotation prov:wasAttributedTo/a prov:Person . BIND(true AS ?human) }}
}}
"""
_CLEAR = """
DELETE {{ GRAPH {graph} {{ ?citation ?p ?o }} }}
WHERE {{ VALUES ?citation {{ {values} }} GRAPH {graph} {{ ?citation ?p ?o }} }}
"""


@dataclass(frozen=True)
class Judgement:
    label: Role | Polarity
    confidence: float
    human: bool


Label = TypeVar("Label", Role, Polarity)


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
    judged = [j for j in judgements if isinstance(j.label, labels)]
    if not judged:
        return None
    human = any(j.human for j in judged)
    totals: dict[Label, float] = defaultdict(float)
    for judgement in judged:
        if judgement.human == human:
            totals[judgement.label] += judgement.confidence  # type: ignore[index]
    precedence = list(labels)
    winner = min(totals, key=lambda label: (-round(totals[label], 9), precedence.index(label)))
    total = sum(totals.values())
    return Verdict(winner, totals[winner] / total if total else 1.0, human)


def refresh(store: Store, citations: Iterable[ox.NamedNode]) -> None:
    """Recompute the consensus of these citations (any that no source holds any more disappear)."""
    graph = store.consensus_graph
    for batch in _batches(citations):
        values = " ".join(map(str, batch))
        store.oxigraph.update(_CLEAR.format(graph=graph, values=values))
        pairs = {
            row["citation"].value: (row["citing"].value, row["cited"].value)
            for row in store.query(_CITATIONS.format(values=values))
        }
        judgements: dict[str, dict[tuple[str, str], Judgement]] = defaultdict(dict)
        for row in store.query(_JUDGEMENTS.format(values=values)):
            label = ROLE_BY_IRI.get(row["body"].value) or POLARITY_BY_IRI.get(row["body"].value)
            if label is None:
                continue
            confidence = float(row["confidence"].value) if row["confidence"] is not None else 1.0
            key = (row["annotation"].value, row["body"].value)
            judgements[row["citation"].value][key] = Judgement(label, confidence, row["human"] is not None)
        text = "".join(
            line
            for citation, (citing, cited) in pairs.items()
            for line in _consensus_quads(citation, citing, cited, judgements[citation].values(), graph)
        )
        if text:
            store.oxigraph.load(text, format=ox.RdfFormat.N_QUADS)


def rebuild(store: Store) -> None:
    """Recompute the whole consensus graph from the source graphs."""
    store.oxigraph.remove_graph(store.consensus_graph)
    for graph in store.source_graphs():
        refresh(store, citations_in(store, graph))


def citations_in(store: Store, graph: ox.NamedNode) -> Iterator[ox.NamedNode]:
    """The citations a source graph holds, streamed from the store's index."""
    for quad in store.oxigraph.quads_for_pattern(None, ox.NamedNode(A[1:-1]), CITO["Citation"], graph):
        yield quad.subject


def _consensus_quads(
    citation: str, citing: str, cited: str, judgements: Iterable[Judgement], graph: ox.NamedNode
) -> Iterator[str]:
    c, g = f"<{citation}>", str(graph)
    yield f"{c} {A} {CITO['Citation']} {g} .\n"
    yield f"{c} {CITO['hasCitingEntity']} <{citing}> {g} .\n"
    yield f"{c} {CITO['hasCitedEntity']} <{cited}> {g} .\n"
    judgements = list(judgements)
    if role := decide(judgements, Role):
        yield f"{c} {CITO['hasCitationCharacterization']} {role.label.cito} {g} .\n"
        yield f"{c} {CKG['primaryRole']} {role.label.iri} {g} .\n"
        yield f"{c} {CKG['roleSupport']} {literal(repr(round(role.support, 6)), XSD['double'])} {g} .\n"
        yield f"{c} {CKG['decidedByHuman']} {literal(str(role.human).lower(), XSD['boolean'])} {g} .\n"
    if polarity := decide(judgements, Polarity):
        yield f"{c} {CKG['primaryPolarity']} {polarity.label.iri} {g} .\n"


def _batches(citations: Iterable[ox.NamedNode]) -> Iterator[list[ox.NamedNode]]:
    batch: list[ox.NamedNode] = []
    for citation in citations:
        batch.append(citation)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
