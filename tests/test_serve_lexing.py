"""What kg serve reads from a request's SPARQL before it runs it: the services it would call, whether
it names its own dataset, and the protocol's using-graph-uri written in as USING clauses. Each rewrite
is checked by running it on Oxigraph."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.serve.lexing import names_dataset, services, with_using
from kg.serve.problems import BadRequest

EVIL = "http://127.0.0.1:9/sparql"


@pytest.mark.parametrize(
    ("query", "found"),
    [
        (f"SELECT * {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}", [EVIL]),
        (f"select * {{ service silent <{EVIL}> {{ ?s ?p ?o }} }}", [EVIL]),
        ("PREFIX e: <http://127.0.0.1:9/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }", [EVIL]),
        ("BASE <http://127.0.0.1:9/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }", [EVIL]),
        ("SELECT * { SERVICE ?where { ?s ?p ?o } }", [None]),
        ("SELECT * { SERVICE unknown:x { ?s ?p ?o } }", [None]),
        (f"SELECT * {{ {{ SELECT * {{ SERVICE<{EVIL}>{{?s ?p ?o}} }} }} }}", [EVIL]),
        (f"SELECT * {{ SERVICESILENT<{EVIL}> {{ ?s ?p ?o }} }}", [EVIL]),
        ("PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:sparql { ?s ?p ?o } }", [EVIL]),
        ("PREFIX e: <http://127.0.0.1:9/> SELECT * { SERVICEe:sparql{ ?s ?p ?o } }", [EVIL]),
        ("PREFIX e: <http://127.0.0.1:9/> SELECT * { servicesilente:sparql { ?s ?p ?o } }", [EVIL]),
        ("SELECT * { SERVICE <http\\u003A//127.0.0.1:9/sparql> { ?s ?p ?o } }", [EVIL]),
        ("PREFIX serviceX: <http://example.org/> SELECT * { serviceX:s ?p ?o }", []),
        ("PREFIX serviceX: <http://example.org/> SELECT * { GRAPH serviceX:g { ?s ?p ?o } }", []),
        (f'SELECT * {{ ?s ?p "SERVICE <{EVIL}> {{}}" }}', []),
        (f"SELECT * {{ ?s ?p '''\nSERVICE <{EVIL}> {{}}''' }}", []),
        (f"SELECT * {{ ?s ?p ?o }} # SERVICE <{EVIL}> {{}}", []),
        ("PREFIX service: <http://example.org/> SELECT * { ?s service:p ?o }", []),
        (f"SELECT * {{ <{EVIL}#SERVICE> ?p ?o }}", []),
        ("SELECT * { ?s ?p ?o FILTER (?o<2&&?o>1) }", []),
    ],
)
def test_every_service_call_is_found_and_nothing_else(query: str, found: list[str | None]) -> None:
    assert services(query, {}) == found


def test_a_query_that_names_its_dataset_is_told_apart() -> None:
    assert names_dataset("SELECT * FROM <http://example.org/g> { ?s ?p ?o }")
    assert names_dataset("ask from named <http://example.org/g> { GRAPH ?g { ?s ?p ?o } }")
    assert not names_dataset('SELECT * { ?s ?p "FROM <http://example.org/g>" }')


G1, G2, G3 = (ox.NamedNode(f"http://example.org/g{i}") for i in (1, 2, 3))
P = ox.NamedNode("http://example.org/p")


def dataset() -> ox.Store:
    """Three graphs, one triple each."""
    store = ox.Store()
    for graph in (G1, G2, G3):
        store.add(ox.Quad(ox.NamedNode(graph.value + "#s"), P, ox.Literal(graph.value), graph))
    return store


def copied(store: ox.Store) -> set[str]:
    target = ox.NamedNode("http://example.org/copy")
    return {q.object.value for q in store.quads_for_pattern(None, P, None, target)}


@pytest.mark.parametrize(
    ("update", "default", "named", "expected"),
    [
        (
            "INSERT { GRAPH <http://example.org/copy> { ?s <http://example.org/p> ?o } } WHERE { ?s ?p ?o }",
            [G1.value, G2.value],
            [],
            {G1.value, G2.value},
        ),
        (
            "INSERT { GRAPH <http://example.org/copy> { ?s <http://example.org/p> ?o } }\n"
            "WHERE { GRAPH ?g { ?s ?p ?o } }",
            [],
            [G3.value],
            {G3.value},
        ),
    ],
)
def test_using_graph_uri_becomes_the_dataset_of_each_operation(
    update: str, default: list[str], named: list[str], expected: set[str]
) -> None:
    store = dataset()
    store.update(with_using(update, default, named))
    assert copied(store) == expected


def test_delete_where_gets_the_protocol_dataset_too() -> None:
    store = dataset()
    store.update(with_using("DELETE WHERE { ?s ?p ?o }", [G1.value], []))
    # the pattern matched in g1 only, and DELETE WHERE deletes from the default graph: nothing there
    assert len(store) == 3
    rewritten = with_using("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", [], [G2.value])
    store.update(rewritten)
    assert {q.graph_name for q in store} == {G1, G3}


@pytest.mark.parametrize(
    "update",
    [
        "WITH <http://example.org/g1> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } USING <http://example.org/g1> WHERE { ?s ?p ?o }",
    ],
)
def test_an_update_that_names_its_dataset_refuses_the_protocol_one(update: str) -> None:
    with pytest.raises(BadRequest, match="names its own dataset"):
        with_using(update, ["http://example.org/g2"], [])
