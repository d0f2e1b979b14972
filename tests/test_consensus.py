from __future__ import annotations

from pathlib import Path

import pytest

from kg.consensus import Judgement, decide, rebuild
from kg.loader import load
from kg.store import Store
from kg.vocab import PROV, RDFS, Polarity, Role

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
