from __future__ import annotations

import re

import pytest

from kg import queries
from kg.errors import QueryError, UnknownPaper
from kg.queries import Param, SavedQuery, bound_sparql, catalogue, parse_header, run_query
from kg.store import Store

ECHO = SavedQuery(
    "echo",
    "Echo",
    "",
    (Param("text", "string", required=True), Param("iri", "iri")),
    "SELECT ?text ?iri WHERE { }",
)

HOSTILE = [
    '" } ; DROP ALL ; SELECT * WHERE { "',
    "' } #",
    'x" . ?s ?p ?o . FILTER("1',
    "line\nbreak } UNION { ?s ?p ?o }",
    "\\u0022 } \\\\",
    "> <http://evil/> {",
    "a" * 10_000,
]


def test_every_saved_query_has_a_title_and_declares_what_it_binds() -> None:
    assert {"paper", "paper-ids", "hub-distribution", "hub-representatives", "hub-citing", "stats"} <= set(
        catalogue()
    )
    for query in catalogue().values():
        assert query.title
        for param in query.params:
            assert re.search(rf"\?{param.name}\b", query.sparql), f"{query.name} never uses ?{param.name}"


def test_header_parsing() -> None:
    query = parse_header(
        "q",
        "# title: T\n# description: first\n#   second\n"
        "# param paper (paper, required): The paper.\n"
        "# param sort (enum[a|b], default a): Order.\nSELECT * WHERE { }\n",
    )
    assert (query.title, query.description) == ("T", "first second")
    assert query.params == (
        Param("paper", "paper", True, None, "The paper."),
        Param("sort", "enum[a|b]", False, "a", "Order."),
    )
    assert query.params[1].choices == ["a", "b"]
    assert query.signature() == "paper=<paper> [sort=<enum[a|b]>]"
    with pytest.raises(QueryError, match=r"q\.rq:1: unknown parameter type 'colour'"):
        parse_header("q", "# param x (colour): X\n# title: T\nSELECT * WHERE {}")
    with pytest.raises(QueryError, match="has no title"):
        parse_header("q", "# description: D\nSELECT * WHERE {}")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_a_value(store: Store, text: str) -> None:
    solutions = list(store.query(bound_sparql(store, ECHO, {"text": text})))
    assert len(solutions) == 1
    assert solutions[0]["text"].value == text
    assert solutions[0]["iri"] is None


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_values_for_typed_parameters_are_refused(example_store: Store, text: str) -> None:
    for params in (
        {"paper": text},
        {"paper": "arxiv:2402.13929", "role": text},
        {"paper": "arxiv:2402.13929", "sort": text},
        {"paper": "arxiv:2402.13929", "from_year": text},
    ):
        with pytest.raises((QueryError, UnknownPaper)):
            run_query(example_store, "hub-citing", params)
    with pytest.raises(QueryError):
        bound_sparql(example_store, ECHO, {"text": "x", "iri": text})


def test_an_injected_doi_finds_nothing_an_honest_one_would_not(example_store: Store) -> None:
    honest = run_query(example_store, "hub-citing", {"paper": "arxiv:2402.13929"}).total
    with pytest.raises(UnknownPaper):
        run_query(example_store, "hub-citing", {"paper": 'doi:10.1/x"}UNION{?citing?p?o}#'})
    assert honest == 24


def test_parameter_errors_show_the_signature(example_store: Store) -> None:
    with pytest.raises(QueryError, match=r"missing parameter paper; it takes paper=<paper> \[role=<role>\]"):
        run_query(example_store, "hub-citing", {})
    with pytest.raises(QueryError, match="unknown parameter colour"):
        run_query(example_store, "hub-citing", {"paper": "arxiv:2402.13929", "colour": "red"})
    with pytest.raises(QueryError, match=r"parameter to_year \(year\)"):
        run_query(example_store, "hub-citing", {"paper": "arxiv:2402.13929", "to_year": "99"})
    with pytest.raises(QueryError, match="no saved query named 'nope'"):
        run_query(example_store, "nope")


def test_rows_are_typed_and_paged(example_store: Store) -> None:
    result = run_query(example_store, "hub-citing", {"paper": "arxiv:2402.13929"}, offset=20, limit=10)
    assert result.columns == ["citing", "title", "year", "summary", "primary_role", "primary_polarity"]
    assert (result.total, len(result.rows), result.truncated) == (24, 4, False)
    assert isinstance(result.rows[0]["year"], int)
    assert run_query(example_store, "hub-citing", {"paper": "arxiv:2402.13929"}, limit=5).truncated


def test_stats(example_store: Store) -> None:
    from kg.stats import store_stats as stats

    numbers = stats(example_store)
    assert (numbers.papers, numbers.citations, numbers.annotations) == (26, 34, 33)
    assert numbers.graphs == [
        "https://w3id.org/citekg/data/consensus",
        "https://w3id.org/citekg/data/graph/hub",
    ]


def test_to_python() -> None:
    import pyoxigraph as ox

    assert queries.to_python(
        ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    )
    assert (
        queries.to_python(ox.Literal("2024", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")))
        == 2024
    )
    assert queries.to_python(None) is None
