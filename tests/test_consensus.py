from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import queries
from kg.consensus import Judgement, decide, rebuild
from kg.loader import drop, load
from kg.store import Store
from kg.vocab import DCTERMS, FABIO, PRISM, PROV, RDFS, Polarity, Role

from .conftest import EXAMPLE, assert_same_dataset, store_dataset, without_consensus_time, write_jsonl

M, H = False, True


@pytest.mark.parametrize(
    ("judgements", "expected"),
    [
        ([], None),
        ([(Role.BACKGROUND, 0.9, M)], (Role.BACKGROUND, 1.0, M)),
        # A human outranks any number of confident models.
        (
            [(Role.BACKGROUND, 1.0, M), (Role.BACKGROUND, 1.0, M), (Role.METHOD, 0.1, H)],
            (Role.METHOD, 1.0, H),
        ),
        # Within one kind, the highest summed confidence wins.
        (
            [(Role.METHOD, 0.5, M), (Role.BACKGROUND, 0.3, M), (Role.BACKGROUND, 0.3, M)],
            (Role.BACKGROUND, 0.6 / 1.1, M),
        ),
        # Ties go by precedence: method, comparison, extension, motivation, future_work, background.
        ([(Role.BACKGROUND, 0.5, M), (Role.FUTURE_WORK, 0.5, M)], (Role.FUTURE_WORK, 0.5, M)),
        ([(Role.MOTIVATION, 0.5, H), (Role.EXTENSION, 0.5, H)], (Role.EXTENSION, 0.5, H)),
        ([(Role.COMPARISON, 0.5, M), (Role.METHOD, 0.5, M)], (Role.METHOD, 0.5, M)),
        # Sums that are equal up to float rounding are a tie.
        (
            [(Role.BACKGROUND, 0.1, M), (Role.BACKGROUND, 0.2, M), (Role.COMPARISON, 0.3, M)],
            (Role.COMPARISON, 0.5, M),
        ),
        # Two humans disagreeing: summed confidence, then precedence.
        (
            [(Role.BACKGROUND, 1.0, H), (Role.METHOD, 1.0, H), (Role.BACKGROUND, 0.5, H)],
            (Role.BACKGROUND, 0.6, H),
        ),
    ],
)
def test_primary_role(
    judgements: list[tuple[Role, float, bool]], expected: tuple[Role, float, bool] | None
) -> None:
    verdict = decide([Judgement(*j) for j in judgements], Role)
    if expected is None:
        assert verdict is None
    else:
        assert (verdict.label, verdict.human) == (expected[0], expected[2])
        assert verdict.support == pytest.approx(expected[1])


def test_polarity_is_decided_independently_with_its_own_precedence() -> None:
    judgements = [
        Judgement(Role.METHOD, 1.0, H),
        Judgement(Polarity.NEUTRAL, 0.5, M),
        Judgement(Polarity.NEGATIVE, 0.5, M),
        Judgement(Polarity.POSITIVE, 0.5, M),
    ]
    assert decide(judgements, Polarity).label is Polarity.NEGATIVE
    assert decide(judgements[:1] + judgements[2:], Polarity).label is Polarity.NEGATIVE
    assert (
        decide([Judgement(Polarity.NEUTRAL, 0.5, M), Judgement(Polarity.POSITIVE, 0.5, M)], Polarity).label
        is Polarity.POSITIVE
    )


def test_rebuilding_gives_the_graph_every_load_maintained(store: Store, tmp_path: Path) -> None:
    load(store, EXAMPLE)
    load(
        store,
        write_jsonl(
            tmp_path / "more.jsonl",
            '{"type":"annotation","citing":"doi:10.5555/example.citer01","cited":"arxiv:2402.13929",'
            '"role":"method","annotator":{"id":"reviewer:bo","kind":"human"}}',
        ),
    )
    maintained = store_dataset(store)
    rebuild(store)
    consensus = store.consensus_graph
    rebuilt, said = store_dataset(store), store.quads(consensus, consensus)
    assert {q.predicate for q in said} >= {PROV["wasDerivedFrom"], PROV["generatedAtTime"], RDFS["seeAlso"]}
    # the time it was computed is the one thing that differs
    assert_same_dataset(without_consensus_time(rebuilt, store), without_consensus_time(maintained, store))


def test_a_first_load_states_the_years_and_titles_a_rebuild_states(store: Store, tmp_path: Path) -> None:
    records = [  # one paper described twice (years and titles disagree), one by its date only
        {"type": "paper", "id": "doi:10.1/a", "title": "Zebra", "year": 2001},
        {"type": "paper", "id": "doi:10.1/a", "title": "Aardvark", "year": 1999},
        {"type": "paper", "id": "doi:10.1/b", "title": "Date only", "date": "2010-05-04"},
        {"type": "citation", "citing": "doi:10.1/b", "cited": "doi:10.1/a"},
    ]
    load(store, write_jsonl(tmp_path / "first.jsonl", *map(json.dumps, records)))
    maintained = store_dataset(store)
    said = store.quads_for_pattern(None, DCTERMS["title"], None, store.consensus_graph)
    titles = {str(q.object) for q in said if q.subject != store.consensus_graph}
    assert titles == {'"Aardvark"', '"Date only"'}
    rebuild(store)
    assert_same_dataset(
        without_consensus_time(store_dataset(store), store), without_consensus_time(maintained, store)
    )


def test_annotations_from_two_sources_meet_in_one_consensus(store: Store, tmp_path: Path) -> None:
    annotation = (
        '{"type":"annotation","citing":"doi:10.1/a","cited":"doi:10.1/b","role":"%s","annotator":{"id":"%s"}}'
    )
    load(store, write_jsonl(tmp_path / "one.jsonl", annotation % ("background", "m1")))
    load(
        store,
        write_jsonl(tmp_path / "two.jsonl", annotation % ("method", "m2"), annotation % ("method", "m3")),
    )
    rows = list(store.query("SELECT ?role WHERE { GRAPH ?g { ?c ckg:primaryRole ?role } }"))
    assert [row["role"].value for row in rows] == [Role.METHOD.iri.value]


def _years(store: Store, graph: ox.NamedNode) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for quad in store.quads_for_pattern(None, FABIO["hasPublicationYear"], None, graph):
        found.setdefault(quad.subject.value.rsplit("/", 1)[-1], []).append(quad.object.value)
    return found


def _paper(doi: str, **fields: object) -> str:
    return json.dumps({"type": "paper", "id": f"doi:10.5555/{doi}", **fields})


CITES = json.dumps({"type": "citation", "citing": "doi:10.5555/a", "cited": "doi:10.5555/hub"})


def test_one_source_graph_states_one_year_and_one_date_per_paper(store: Store, tmp_path: Path) -> None:
    """FaBiO's hasPublicationYear and PRISM's publicationDate are functional: two records of one
    paper (in either order) leave the earliest of each."""
    for order in (1, -1):
        records = [_paper("a", year=2021, date="2021-03-01"), _paper("a", year=2019, date="2019-11-30")]
        graph = ox.NamedNode(load(store, write_jsonl(tmp_path / "a.jsonl", *records[::order])).graph)
        assert _years(store, graph) == {"a": ["2019"]}
        dates = [q.object.value for q in store.quads_for_pattern(None, PRISM["publicationDate"], None, graph)]
        assert dates == ["2019-11-30"]


def test_the_year_queries_read_is_stated_once_in_the_consensus(store: Store, tmp_path: Path) -> None:
    """Two sources disagree on a citing paper's year: the consensus states the earliest, once, and a
    citation counts in one year; dropping that source brings the other's year."""
    load(store, write_jsonl(tmp_path / "one.jsonl", _paper("a", year=2020), _paper("hub"), CITES))
    other = load(store, write_jsonl(tmp_path / "two.jsonl", _paper("a", year=2018))).graph
    assert _years(store, store.consensus_graph) == {"a": ["2018"]}
    per_year = queries.run_query(store, "citations-per-year", {"paper": "doi:10.5555/hub"}).rows
    assert per_year == [{"year": 2018, "citations": 1}]
    drop(store, other)
    assert _years(store, store.consensus_graph) == {"a": ["2020"]}
    maintained = _years(store, store.consensus_graph)
    rebuild(store)
    assert _years(store, store.consensus_graph) == maintained
