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

The store's own counts, which ``kg stats`` and ``kg serve``'s VoID description give, are kept there too,
as the store's VoID class partitions (counting them took 0.9 s at 10^6 citations, ten times that at
10^7)::

    <base>void void:classPartition <base>void#Expression .
    <base>void#Expression void:class fabio:Expression ; void:entities 50012 .

A graph adds to them what it types that no other graph does (``of_entities``): the papers citekg
identified (under the base), the citations of the consensus and the annotations.

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
from collections.abc import Iterable, Mapping
from itertools import combinations
from pathlib import Path

import pyoxigraph as ox

from kg.backend import WritableBackend, batched, named, select, solutions
from kg.iris import Minter
from kg.nquads import literal, quad
from kg.vocab import CITO, CKG, FABIO, OA, POLARITY_BY_IRI, PROV, RDF, ROLE_BY_IRI, VOID, XSD

# (count, annotator), ("cell", first, second, first role, second role) or ("store", kind)
Key = tuple[str, ...]
Tally = Counter[Key]

COUNTS = {
    "annotations": CKG["annotationCount"],
    "roles": CKG["roleAnnotationCount"],
    "polarities": CKG["polarityAnnotationCount"],
    "citations": CKG["judgedCitationCount"],
}
STORE_CLASSES = {
    "papers": FABIO["Expression"],
    "citations": CITO["Citation"],
    "annotations": OA["Annotation"],
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


def of_entities(store: WritableBackend, graph: ox.NamedNode, *, removing: bool = False) -> Tally:
    """What a source graph adds to the store's counts: the papers under the base and the annotations
    that it (with its parts) types and no other graph does, and the citations it minted that no other
    source graph states (the consensus holds one per citation any source states); or, ``removing`` it,
    what its removal takes away. A graph alone in the store adds all the store holds, counted by one
    query rather than a seek per instance. (Run once papers are merged: a merge is recounted.)"""
    sign = -1 if removing else 1
    if not [other for other in store.source_graphs() if other != graph]:
        return Counter({key: sign * count for key, count in _store_counts(store).items()})
    ours = [graph, *store.parts(graph)]
    counted = {"papers": store.minter.base, "citations": store.minter.base + "citation/", "annotations": ""}
    tally: Tally = Counter()
    for kind, cls in STORE_CLASSES.items():
        typing_graphs = ours[:1] if kind == "citations" else ours  # (citekg mints in the graph itself)
        for position, typing in enumerate(typing_graphs):
            instances = (named(q.subject) for q in store.quads_for_pattern(None, RDF["type"], cls, typing))
            found = (x for x in instances if x.value.startswith(counted[kind]))
            for batch in batched(found):
                typed_in: dict[ox.NamedNode, set[ox.NamedNode]] = {}
                for row in solutions(store, "?x", batch, f"GRAPH ?g {{ ?x {RDF['type']} {cls} }}"):
                    typed_in.setdefault(named(row["x"]), set()).add(named(row["g"]))
                for graphs in typed_in.values():
                    graphs.discard(store.consensus_graph)
                    # counted in the first of our graphs that types it, if no other graph does
                    if graphs <= set(ours) and min(map(ours.index, graphs)) == position:
                        tally["store", kind] += sign
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
    targets = {key: _subject_and_property(key, store.minter) for key in changed}
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
        if key[0] in ("cell", "store") and not (before and count):  # a cell or a partition appears or goes
            said = _described(key, subject, store.minter)
            if count:
                fresh.extend(quad(*triple, graph) for triple in said)
            else:
                stale.extend(ox.Quad(*triple, graph) for triple in said)
    store.remove(stale)
    if fresh:
        store.add("".join(fresh))


def _subject_and_property(key: Key, minter: Minter) -> tuple[ox.NamedNode, ox.NamedNode]:
    """What a count is said of, and by which property."""
    if key[0] == "cell":
        return ox.NamedNode(minter.agreement_cell(*key[1:])), _CITATIONS
    if key[0] == "store":
        return ox.NamedNode(minter.class_partition(STORE_CLASSES[key[1]].value)), VOID["entities"]
    return ox.NamedNode(key[1]), COUNTS[key[0]]


Triple = tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode]


def _described(key: Key, subject: ox.NamedNode, minter: Minter) -> list[Triple]:
    """What is said of a cell or a class partition beside its count, and goes with it."""
    if key[0] == "store":
        dataset = ox.NamedNode(minter.dataset)
        return [(dataset, VOID["classPartition"], subject), (subject, VOID["class"], STORE_CLASSES[key[1]])]
    fields = zip(_CELL_FIELDS, map(ox.NamedNode, key[1:]), strict=True)
    return [(subject, RDF["type"], CELL), *((subject, field, value) for field, value in fields)]


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


_STORE = """
SELECT ?papers ?citations ?annotations WHERE {{
  {{ SELECT (COUNT(DISTINCT ?paper) AS ?papers) WHERE {{
      ?paper a {papers} FILTER(STRSTARTS(STR(?paper), {base})) }} }}
  {{ SELECT (COUNT(?citation) AS ?citations) WHERE {{ GRAPH {consensus} {{ ?citation a {citations} }} }} }}
  {{ SELECT (COUNT(DISTINCT ?annotation) AS ?annotations) WHERE {{ ?annotation a {annotations} }} }}
}}
"""


def _store_counts(store: WritableBackend) -> Tally:
    """The store's papers, citations and annotations, counted."""
    counting = _STORE.format(
        base=ox.Literal(store.minter.base), consensus=store.consensus_graph, **STORE_CLASSES
    )
    row = next(select(store, counting))
    return Counter({("store", kind): int(_count(row[kind]).value) for kind in STORE_CLASSES})


def recount_store(store: WritableBackend) -> None:
    """Count the store's papers, citations and annotations again, replacing the counts held."""
    graph, dataset = store.consensus_graph, ox.NamedNode(store.minter.dataset)
    stale: list[ox.Quad] = []
    for found in store.quads_for_pattern(dataset, VOID["classPartition"], None, graph):
        stale.extend([found, *store.quads_for_pattern(named(found.object), None, None, graph)])
    store.remove(stale)
    apply(store, _store_counts(store))


def rebuild(store: WritableBackend) -> None:
    """Count every tally again from the annotations of every graph, and the store's counts from all it
    holds, replacing those held."""
    graph = store.consensus_graph
    stale = [q for prop in COUNTS.values() for q in store.quads_for_pattern(None, prop, None, graph)]
    for found in store.quads_for_pattern(None, RDF["type"], CELL, graph):
        stale.extend(store.quads_for_pattern(named(found.subject), None, None, graph))
    store.remove(stale)
    recount_store(store)
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
