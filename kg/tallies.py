"""Per-annotator tallies, kept in the consensus graph: who labelled what, and how two annotators' roles
compare, are read rather than counted.

Counting them from the annotations reads every annotation of the store (30 s and 58 s for the saved
queries ``annotators`` and ``annotator-confusion`` at 10^6 citations). So the consensus graph keeps::

    <annotator> ckg:annotationCount 812 ; ckg:roleAnnotationCount 800 ;
        ckg:polarityAnnotationCount 640 ; ckg:judgedCitationCount 790 .
    <cell> a ckg:AgreementCell ; ckg:firstAnnotator <a> ; ckg:secondAnnotator <b> ;
        ckg:firstRole ckg:role-method ; ckg:secondRole ckg:role-background ; ckg:citationCount 12 .

A cell counts the citations both annotators gave a role, by the pair of roles (the smallest role of an
annotator that gave a citation several), the first annotator's IRI before the second's.

What one citation adds to the tallies depends only on its own annotations (``contribution``), so every
write adds its difference: a load adds the contribution of each of its citations with the loaded graph
less the contribution without it (all of it for a citation new to the store, read from the file's
spool), a replace or a drop subtracts the same before it removes the graph (``of_graph``), and
``apply`` writes the sums. ``rebuild`` counts everything again with aggregate queries over the
annotations, another reading of the same definitions: the tests compare the two.

(Each cited paper's behaviour, which ``hub-typology`` reads, is kept by ``kg/typology.py``: counted
again per touched paper from its edges rather than by differences, as its dominant role is not a sum.)
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from itertools import combinations
from pathlib import Path

import pyoxigraph as ox

from kg.backend import WritableBackend, batched, named, select, solutions
from kg.nquads import literal, quad
from kg.vocab import CKG, OA, POLARITY_BY_IRI, PROV, RDF, ROLE_BY_IRI, XSD

Key = tuple[str, ...]  # (count, annotator) or ("cell", first, second, first role, second role)
Tally = Counter[Key]

COUNTS = {
    "annotations": CKG["annotationCount"],
    "roles": CKG["roleAnnotationCount"],
    "polarities": CKG["polarityAnnotationCount"],
    "citations": CKG["judgedCitationCount"],
}
CELL = CKG["AgreementCell"]
_CELL_FIELDS = (CKG["firstAnnotator"], CKG["secondAnnotator"], CKG["firstRole"], CKG["secondRole"])
_CITATIONS = CKG["citationCount"]


def contribution(annotations: Iterable[tuple[str, str, str]]) -> Tally:
    """What one citation adds to the tallies, from its (annotation, annotator, body) rows (a body of
    ``""`` for an annotation with none).

    >>> from kg.vocab import Role
    >>> method, background = Role.METHOD.iri.value, Role.BACKGROUND.iri.value
    >>> rows = [("x", "a", method), ("y", "b", method), ("y", "b", ""), ("z", "b", background)]
    >>> tally = contribution(rows)
    >>> tally["annotations", "b"], tally["roles", "b"], tally["citations", "b"], tally["polarities", "b"]
    (2, 2, 1, 0)
    >>> [key[3:] == (method, min(method, background)) for key in tally if key[0] == "cell"]
    [True]
    """
    tally: Tally = Counter()
    contribute(tally, annotations)
    return tally


def contribute(tally: Tally, annotations: Iterable[tuple[str, str, str]]) -> None:
    """Add what one citation adds to the tallies to ``tally`` (``contribution``), in place: a load
    into an empty store does this for every citation it makes."""
    rows = list(annotations)
    if len(rows) == 1:  # most citations: one annotation with one label
        _, annotator, body = rows[0]
        tally["annotations", annotator] += 1
        tally["citations", annotator] += 1
        if body in ROLE_BY_IRI:
            tally["roles", annotator] += 1
        elif body in POLARITY_BY_IRI:
            tally["polarities", annotator] += 1
        return
    bodies: dict[tuple[str, str], list[str]] = {}  # (annotation, annotator): its bodies
    for annotation, annotator, body in rows:
        bodies.setdefault((annotation, annotator), []).append(body)
    smallest_role: dict[str, str] = {}
    judged: set[str] = set()
    for (_, annotator), said in bodies.items():
        judged.add(annotator)
        tally["annotations", annotator] += 1
        roles = [body for body in said if body in ROLE_BY_IRI]
        if roles:
            tally["roles", annotator] += 1
            role = min(roles)
            if role < smallest_role.get(annotator, role + "\uffff"):
                smallest_role[annotator] = role
        if any(body in POLARITY_BY_IRI for body in said):
            tally["polarities", annotator] += 1
    for annotator in judged:
        tally["citations", annotator] += 1
    if len(smallest_role) > 1:
        for first, second in combinations(sorted(smallest_role), 2):
            tally["cell", first, second, smallest_role[first], smallest_role[second]] += 1


def of_graph(
    store: WritableBackend, graph: ox.NamedNode, citations: Iterable[ox.NamedNode], *, removing: bool = False
) -> Tally:
    """What a graph's annotations add to the tallies of these citations: their contribution with every
    graph less their contribution without this one, a batch of citations a query; or, ``removing``
    it, what its removal takes away (the same, negative)."""
    sign = -1 if removing else 1
    tally: Tally = Counter()
    pattern = (
        f"GRAPH ?graph {{ ?annotation {OA['hasTarget']} ?citation ; {PROV['wasAttributedTo']} ?annotator "
        f"OPTIONAL {{ ?annotation {OA['hasBody']} ?body }} }}"
    )
    for batch in batched(citations):
        rows: dict[str, list[tuple[str, str, str, bool]]] = {}
        for row in solutions(store, "?citation", batch, pattern):
            body = row["body"]
            rows.setdefault(named(row["citation"]).value, []).append(
                (
                    named(row["annotation"]).value,
                    named(row["annotator"]).value,
                    body.value if isinstance(body, ox.NamedNode) else "",
                    row["graph"] == graph,
                )
            )
        for found in rows.values():
            with_graph = contribution((a, who, body) for a, who, body, _ in found)
            without = contribution((a, who, body) for a, who, body, ours in found if not ours)
            tally.update(
                {key: sign * (with_graph[key] - without[key]) for key in with_graph.keys() | without.keys()}
            )
    return tally


def save(tally: Tally, path: Path) -> None:
    """Keep a tally in a load's scratch folder (it is computed before the store changes)."""
    path.write_text(json.dumps([[*key, count] for key, count in tally.items() if count]), encoding="utf-8")


def read(path: Path) -> Tally:
    """A tally ``save`` kept; none if there is no file."""
    if not path.exists():
        return Counter()
    return Counter({tuple(row[:-1]): row[-1] for row in json.loads(path.read_text(encoding="utf-8"))})


def apply(store: WritableBackend, tally: Mapping[Key, int]) -> None:
    """Add differences to the counts the consensus graph holds (a count that falls to 0 goes), a batch
    of keys at a time."""
    for batch in batched((key, count) for key, count in tally.items() if count):
        _apply(store, dict(batch))


def _apply(store: WritableBackend, changed: dict[Key, int]) -> None:
    graph = store.consensus_graph
    targets = {key: _subject_and_property(key, store.minter.agreement_cell) for key in changed}
    held: dict[tuple[ox.NamedNode, ox.NamedNode], ox.Literal] = {}
    pairs = " ".join(f"({subject} {prop})" for subject, prop in set(targets.values()))
    # each count by subject and property, an exact seek (binding the subjects alone, with the properties
    # inside the GRAPH group, read 20x longer at 2x10^5 citations)
    asked = f"VALUES (?subject ?property) {{ {pairs} }} GRAPH {graph} {{ ?subject ?property ?count }}"
    found = select(store, f"SELECT * WHERE {{ {asked} }}")
    for row in found:
        held[named(row["subject"]), named(row["property"])] = _count(row["count"])
    stale: list[ox.Quad] = []
    fresh: list[str] = []
    for key, difference in changed.items():
        subject, prop = targets[key]
        before = held.get((subject, prop))
        count = (int(before.value) if before else 0) + difference
        if count < 0:
            raise RuntimeError(f"the tally {key} would fall below 0: the consensus graph is out of step")
        if before is not None:
            stale.append(ox.Quad(subject, prop, before, graph))
        if count:
            fresh.append(quad(subject, prop, literal(str(count), XSD["integer"]), graph))
        if key[0] == "cell" and not (before and count):  # a cell appears or goes
            said = [(RDF["type"], CELL), *zip(_CELL_FIELDS, map(ox.NamedNode, key[1:]), strict=True)]
            if count:
                fresh.extend(quad(subject, field, value, graph) for field, value in said)
            else:
                stale.extend(ox.Quad(subject, field, value, graph) for field, value in said)
    store.remove(stale)
    if fresh:
        store.add("".join(fresh))


def _subject_and_property(key: Key, cell_iri: Callable[..., str]) -> tuple[ox.NamedNode, ox.NamedNode]:
    """What a count is said of, and by which property."""
    if key[0] == "cell":
        return ox.NamedNode(cell_iri(*key[1:])), _CITATIONS
    return ox.NamedNode(key[1]), COUNTS[key[0]]


def _count(term: object) -> ox.Literal:
    if not isinstance(term, ox.Literal):
        raise TypeError(f"expected a count, got {term}")
    return term


_ANNOTATORS = f"""
SELECT ?annotator (COUNT(DISTINCT ?annotation) AS ?annotations) (COUNT(DISTINCT ?citation) AS ?citations)
       (COUNT(DISTINCT ?with_role) AS ?roles) (COUNT(DISTINCT ?with_polarity) AS ?polarities) WHERE {{
  ?annotation a {OA["Annotation"]} ; {OA["hasTarget"]} ?citation ; {PROV["wasAttributedTo"]} ?annotator .
  OPTIONAL {{ ?annotation {OA["hasBody"]} ?role . FILTER(STRSTARTS(STR(?role), STR({CKG["role-"]})))
             BIND(?annotation AS ?with_role) }}
  OPTIONAL {{ ?annotation {OA["hasBody"]} ?polarity .
             FILTER(STRSTARTS(STR(?polarity), STR({CKG["polarity-"]}))) BIND(?annotation AS ?with_polarity) }}
}} GROUP BY ?annotator
"""

_CONFUSION = f"""
SELECT ?first ?second ?first_role ?second_role (COUNT(?citation) AS ?citations) WHERE {{
  {{ SELECT ?citation ?first (MIN(?r1) AS ?first_role) WHERE {{
      ?a1 {OA["hasTarget"]} ?citation ; {OA["hasBody"]} ?r1 ; {PROV["wasAttributedTo"]} ?first .
      FILTER(STRSTARTS(STR(?r1), STR({CKG["role-"]})))
    }} GROUP BY ?citation ?first }}
  {{ SELECT ?citation ?second (MIN(?r2) AS ?second_role) WHERE {{
      ?a2 {OA["hasTarget"]} ?citation ; {OA["hasBody"]} ?r2 ; {PROV["wasAttributedTo"]} ?second .
      FILTER(STRSTARTS(STR(?r2), STR({CKG["role-"]})))
    }} GROUP BY ?citation ?second }}
  FILTER(STR(?first) < STR(?second))
}} GROUP BY ?first ?second ?first_role ?second_role
"""


def rebuild(store: WritableBackend) -> None:
    """Count every tally again from the annotations of every graph, replacing those held."""
    graph = store.consensus_graph
    stale = [q for prop in COUNTS.values() for q in store.quads_for_pattern(None, prop, None, graph)]
    for found in store.quads_for_pattern(None, RDF["type"], CELL, graph):
        stale.extend(store.quads_for_pattern(named(found.subject), None, None, graph))
    store.remove(stale)
    tally: Tally = Counter()
    for row in select(store, _ANNOTATORS):
        for name in COUNTS:
            tally[name, named(row["annotator"]).value] = int(_count(row[name]).value)
    for row in select(store, _CONFUSION):
        key = (
            "cell",
            *(named(row[column]).value for column in ("first", "second", "first_role", "second_role")),
        )
        tally[key] = int(_count(row["citations"]).value)
    apply(store, tally)
