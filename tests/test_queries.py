from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from kg import hub, queries
from kg.errors import QueryError, QueryTimeout, UnknownPaper
from kg.loader import graph_name_for
from kg.queries import Param, SavedQuery, bound_sparql, catalogue, parse_header, run_query
from kg.store import Store
from kg.vocab import CITO

from .conftest import EXAMPLE

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
        example_store.minter.graph(graph_name_for(EXAMPLE)),  # the example's own graph
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


def test_the_catalogue_in_queries_readme_is_current() -> None:
    from kg.queries import catalogue_markdown

    from .conftest import ROOT

    assert (ROOT / "queries" / "README.md").read_text(encoding="utf-8") == catalogue_markdown() + "\n"


def test_every_saved_query_is_run_by_some_test() -> None:
    from .conftest import ROOT

    tests = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").glob("test_*.py"))
    tests += "".join(path.read_text(encoding="utf-8") for path in (ROOT / "kg").rglob("*.py"))
    untested = [name for name in catalogue() if f'"{name}"' not in tests]
    assert not untested, f"saved queries that no test or library code runs: {untested}"


HUB = "arxiv:2402.13929"


def test_citations_per_year(example_store: Store) -> None:
    rows = run_query(example_store, "citations-per-year", {"paper": HUB}).rows
    assert rows == [
        {"year": 2024, "citations": 8},
        {"year": 2025, "citations": 8},
        {"year": 2026, "citations": 8},
    ]


def test_references(example_store: Store) -> None:
    rows = run_query(example_store, "references", {"paper": "doi:10.5555/example.citer01"}).rows
    assert [(row["title"], row["year"]) for row in rows] == [
        ("An Example Benchmark for Few-Step Generators", 2023),
        ("SDXL-Lightning: Progressive Adversarial Diffusion Distillation", 2024),
    ]


def test_role_over_time_adds_up_to_the_role_summary(example_store: Store) -> None:
    from kg.hub import summary
    from kg.vocab import ROLE_BY_IRI

    rows = run_query(example_store, "role-over-time", {"paper": HUB}).rows
    by_role: dict[str, int] = {}
    for row in rows:
        role = ROLE_BY_IRI[row["role"]].value
        by_role[role] = by_role.get(role, 0) + row["citations"]
    assert by_role == {s.label: s.count for s in summary(example_store, HUB).roles}
    assert [row["year"] for row in rows] == sorted(row["year"] for row in rows)


def test_contexts_for_one_role(example_store: Store) -> None:
    rows = run_query(example_store, "contexts", {"paper": HUB, "role": "extension"}).rows
    assert [row["context"] for row in rows] == ["We build on the approach of [19] for image editing."]
    assert len(run_query(example_store, "contexts", {"paper": HUB}).rows) == 24


def test_co_citation(example_store: Store) -> None:
    rows = run_query(example_store, "co-citation", {"paper": HUB}).rows
    assert rows == [{"other": "https://w3id.org/citekg/data/paper/doi/10.5555/example.bench", "together": 10}]


def test_self_citations(store: Store) -> None:
    from kg.loader import load

    from .conftest import DATA

    load(store, DATA / "index-coci.csv")
    rows = run_query(store, "self-citations", {"paper": "doi:10.5555/coci.(c)"}).rows
    assert rows == [{"citations": 1, "author_self_citations": 1, "journal_self_citations": 1}]
    rows = run_query(store, "self-citations", {"paper": "doi:10.5555/coci.b"}).rows
    assert rows == [{"citations": 2, "author_self_citations": 0, "journal_self_citations": 0}]


def test_hub_typology_agrees_with_the_hub_summaries(example_store: Store) -> None:
    from kg.hub import summary
    from kg.vocab import ROLE_BY_IRI

    rows = run_query(example_store, "hub-typology").rows
    assert [row["citing_papers"] for row in rows] == sorted(
        (row["citing_papers"] for row in rows), reverse=True
    )
    for row in rows[:2]:
        hub = summary(example_store, row["paper"])
        assert (row["citing_papers"], row["annotated"], row["behavior"]) == (
            hub.citing_papers,
            hub.annotated,
            hub.behavior,
        )
        assert ROLE_BY_IRI[row["dominant_role"]].value == hub.roles[0].label
        assert row["top_share"] == round(hub.roles[0].share, 4)
    methods = run_query(example_store, "hub-typology", {"role": "method"}).rows
    assert [row["paper"] for row in methods] == [
        "https://w3id.org/citekg/data/paper/doi/10.5555/example.bench"
    ]
    contested = run_query(example_store, "hub-typology", {"min_negative_share": 0.05}).rows
    assert [row["negative_share"] for row in contested] == [round(2 / 24, 4)]
    assert run_query(example_store, "hub-typology", {"min_citing": 11}).total == 1
    assert (
        run_query(example_store, "hub-typology", {"dominant_share": 0.9, "role": "method"}).rows[0][
            "behavior"
        ]
        == "mixed"
    )


TIES = "doi:10.5555/ties.hub"  # tests/data/ties.jsonl: equal counts and years, loaded out of order
TOTAL_ORDERS = {
    "co-citation": ({"paper": TIES}, lambda row: (-row["together"], row["other"])),
    "coupling": ({"paper": "doi:10.5555/ties.c3"}, lambda row: (-row["shared_references"], row["other"])),
    "hub-typology": ({}, lambda row: (-row["citing_papers"], row["paper"])),
    "contexts": ({"paper": TIES}, lambda row: (row["citing"], row["context"])),
    "hub-citing": ({"paper": TIES}, lambda row: (-(row["year"] or -1), row["citing"])),
}


@pytest.mark.parametrize("name", sorted(TOTAL_ORDERS))
def test_ties_are_ordered_by_iri(store: Store, name: str) -> None:
    """The queries sort ties by a key computed from the IRI (fast on Oxigraph): the order is still the
    IRI's, and there are ties to order."""
    from kg.loader import load

    from .conftest import DATA

    load(store, DATA / "ties.jsonl")
    params, key = TOTAL_ORDERS[name]
    rows = run_query(store, name, params).rows
    assert len({key(row)[0] for row in rows}) < len(rows)
    assert rows == sorted(rows, key=key)


def test_bibliographic_coupling(example_store: Store) -> None:
    rows = run_query(example_store, "coupling", {"paper": "doi:10.5555/example.citer01"}).rows
    assert [row["shared_references"] for row in rows] == [2] * 9 + [1] * 14
    assert rows[0]["other"].endswith("example.citer02")


def test_annotators_and_their_agreement(example_store: Store) -> None:
    from kg.agreement import agreements

    rows = {row["name"]: row for row in run_query(example_store, "annotators").rows}
    assert (rows["citerole-llm@1"]["kind"], rows["citerole-llm@1"]["annotations"]) == ("model", 30)
    assert (
        rows["reviewer:ada"]["kind"],
        rows["reviewer:ada"]["with_roles"],
        rows["reviewer:ada"]["with_polarities"],
    ) == ("human", 3, 0)
    confusion = run_query(example_store, "annotator-confusion").rows
    assert sum(row["citations"] for row in confusion) == 3  # the three citations the reviewer overruled
    (pair,) = agreements(example_store)
    assert (pair.citations, pair.agreement) == (3, 0.0)
    assert pair.kappa == pytest.approx(-0.8)


def test_a_query_past_its_time_limit_is_a_clear_error(example_store: Store) -> None:
    import time

    from kg.queries import within

    with pytest.raises(QueryTimeout, match=r"ran past its time limit of 0\.05 s"):
        within(0.05, lambda: time.sleep(1))
    assert within(5, lambda: 42) == 42
    with pytest.raises(UnknownPaper):
        run_query(example_store, "hub-citing", {"paper": "doi:10.9/none"}, timeout=5)
    assert run_query(example_store, "hub-citing", {"paper": "arxiv:2402.13929"}, timeout=30).total == 24


def test_citing_venues(store: Store, tmp_path) -> None:
    from kg.loader import load

    from .conftest import write_jsonl

    load(
        store,
        write_jsonl(
            tmp_path / "venues.jsonl",
            '{"type":"paper","id":"doi:10.1/a","venue":"Journal A"}',
            '{"type":"paper","id":"doi:10.1/b","venue":"Journal A"}',
            '{"type":"paper","id":"doi:10.1/c","venue":"Journal B"}',
            *[f'{{"type":"citation","citing":"doi:10.1/{x}","cited":"doi:10.1/hub"}}' for x in "abcd"],
        ),
    )
    rows = run_query(store, "citing-venues", {"paper": "doi:10.1/hub"}).rows
    assert rows == [{"venue": "Journal A", "citing_papers": 2}, {"venue": "Journal B", "citing_papers": 1}]


def test_polarity_over_time_adds_up_to_the_polarity_summary(example_store: Store) -> None:
    from kg.hub import summary
    from kg.vocab import POLARITY_BY_IRI

    totals: dict[str, int] = {}
    for row in run_query(example_store, "polarity-over-time", {"paper": HUB}).rows:
        label = POLARITY_BY_IRI[row["polarity"]].value
        totals[label] = totals.get(label, 0) + row["citations"]
    assert totals == {s.label: s.count for s in summary(example_store, HUB).polarities}


@pytest.fixture(scope="module")
def retracted_store() -> Store:
    """The example with Retraction Watch rows: its benchmark paper retracted on 2025-03-01, an
    uncited paper under an expression of concern, a corrected one."""
    from kg.loader import load

    from .conftest import DATA

    loaded = Store(None)
    load(loaded, EXAMPLE)
    load(loaded, DATA / "retraction-watch.csv")
    return loaded


BENCH = "https://w3id.org/citekg/data/paper/doi/10.5555/example.bench"


def test_who_cites_contested_work_after_the_notice(retracted_store: Store) -> None:
    everyone = run_query(retracted_store, "citing-after-notice").rows
    assert {row["paper"] for row in everyone} == {BENCH}  # the other noticed papers are not cited
    assert {row["notice_date"] for row in everyone} == {"2025-03-01"}
    citing = run_query(retracted_store, "hub-citing", {"paper": "doi:10.5555/example.bench"}).rows
    later = sorted(row["citing"] for row in citing if row["year"] and row["year"] > 2025)
    assert [row["citing"] for row in everyone] == later and len(later) == 3
    roles = {row["citing"]: (row["primary_role"], row["primary_polarity"]) for row in citing}
    assert all((row["role"], row["polarity"]) == roles[row["citing"]] for row in everyone)
    assert run_query(retracted_store, "citing-after-notice", {"paper": HUB}).rows == []


def test_the_most_cited_retracted_papers_and_citations_after_notice_per_year(retracted_store: Store) -> None:
    rows = run_query(retracted_store, "retracted-most-cited").rows
    assert [(r["paper"], r["retracted"], r["citing_papers"], r["citing_after"]) for r in rows] == [
        (BENCH, "2025-03-01", 10, 3)
    ]
    assert run_query(retracted_store, "retracted-most-cited", {"min_citing": 11}).rows == []
    per_year = run_query(retracted_store, "citations-after-notice").rows
    assert per_year == [{"year": 2026, "citations": 3, "contested_papers": 1}]


def test_hub_typology_calls_retracted_work_contested(retracted_store: Store) -> None:
    rows = {row["paper"]: row for row in run_query(retracted_store, "hub-typology").rows}
    assert rows[BENCH]["behavior"] == "contested"
    assert rows[BENCH]["dominant_role"].endswith("role-method")  # its roles are still given
    assert {row["behavior"] for paper, row in rows.items() if paper != BENCH} <= {"mixed", "dominant", "none"}


def test_hub_distribution_counts_every_edge_the_hub_reads_and_only_those(store: Store) -> None:
    """The query names its relations (Virtuoso scans a graph for an open predicate): one missing here
    would drop a role from every hub summary, silently."""
    paper = ox.NamedNode("https://example.org/paper/cited")
    read = {hub.CITES, *hub.ROLE_BY_EDGE, *hub.POLARITY_BY_EDGE}
    edges = [*read, CITO["hasCitedEntity"].value, "https://example.org/other"]
    citing = [ox.NamedNode(f"https://example.org/citing/{n}") for n in range(len(edges))]
    store.add(
        "".join(
            f"{ox.Quad(paper_citing, ox.NamedNode(edge), paper, store.consensus_graph)} .\n"
            for paper_citing, edge in zip(citing, edges, strict=True)
        )
    )
    rows = run_query(store, "hub-distribution", {"paper": paper}).rows
    assert {row["relation"] for row in rows} == read
    assert all(row["citations"] == 1 for row in rows)
