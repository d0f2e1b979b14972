from __future__ import annotations

import pytest

from kg.errors import UnknownPaper
from kg.hub import citing, headline, summary
from kg.store import Store
from kg.vocab import Role

CITER = "https://w3id.org/citekg/data/paper/doi/10.5555/example.citer{:02d}"


def test_hub_summary_of_the_example(example_store: Store) -> None:
    hub = summary(example_store, "arxiv:2402.13929")
    assert hub.paper.title == "SDXL-Lightning: Progressive Adversarial Diffusion Distillation"
    assert hub.paper.ids == {"doi": ["10.48550/arxiv.2402.13929"], "arxiv": ["2402.13929"]}
    assert (hub.citing_papers, hub.annotated, hub.unclassified) == (24, 20, 4)
    assert hub.behavior == "mixed"
    assert hub.headline == "Mixed citation behavior. Most common role is background (50%)."
    assert [(s.label, s.count, s.share) for s in hub.roles] == [
        ("background", 10, 0.5),
        ("method", 5, 0.25),
        ("comparison", 3, 0.15),
        ("extension", 1, 0.05),
        ("motivation", 1, 0.05),
    ]
    assert [(s.label, s.count, s.share) for s in hub.polarities] == [
        ("neutral", 12, 0.6),
        ("positive", 6, 0.3),
        ("negative", 2, 0.1),
    ]


def test_representatives_take_the_best_of_each_role_in_distribution_order(example_store: Store) -> None:
    hub = summary(example_store, "doi:10.48550/arXiv.2402.13929")
    assert [(r.iri, r.role) for r in hub.representatives] == [
        (CITER.format(8), "background"),  # decided by the human reviewer
        (CITER.format(14), "method"),  # human-decided, and newer than citer 15
        (CITER.format(17), "comparison"),  # the newest of three equally supported
        (CITER.format(19), "extension"),
        (CITER.format(20), "motivation"),
    ]
    assert all(r.summary for r in hub.representatives)
    three = summary(example_store, "arxiv:2402.13929", representatives=3).representatives
    assert [r.role for r in three] == ["background", "method", "comparison"]
    eight = summary(example_store, "arxiv:2402.13929", representatives=8).representatives
    assert len(eight) == 8 and len({r.iri for r in eight}) == 8


def test_a_dominant_hub(example_store: Store) -> None:
    hub = summary(example_store, "doi:10.5555/example.bench")
    assert hub.behavior == "dominant"
    assert hub.headline == "Dominant citation role: method (80%)."
    assert summary(example_store, "doi:10.5555/example.bench", dominant_share=0.81).behavior == "mixed"


def test_a_paper_nobody_annotated(example_store: Store) -> None:
    hub = summary(example_store, "doi:10.5555/example.citer01")
    assert (hub.citing_papers, hub.behavior, hub.headline) == (0, "none", "No citation-role annotations yet.")
    assert hub.roles == [] and hub.representatives == []


@pytest.mark.parametrize(
    ("counts", "annotated", "expected"),
    [
        ([(Role.METHOD, 3), (Role.BACKGROUND, 2)], 5, "Dominant citation role: method (60%)."),
        (
            [(Role.METHOD, 5), (Role.BACKGROUND, 3)],
            8,
            "Dominant citation role: method (63%).",
        ),  # 62.5 rounds up
        (
            [(Role.FUTURE_WORK, 1), (Role.BACKGROUND, 1)],
            2,
            "Mixed citation behavior. Most common role is future work (50%).",
        ),
        (
            [(Role.BACKGROUND, 1), (Role.METHOD, 1), (Role.COMPARISON, 1)],
            3,
            "Mixed citation behavior. Most common role is background (33%).",
        ),
        ([], 0, "No citation-role annotations yet."),
    ],
)
def test_headline(counts: list[tuple[Role, int]], annotated: int, expected: str) -> None:
    assert headline(counts, annotated)[1] == expected


def test_explorer_filters_sorts_and_pages(example_store: Store) -> None:
    total, rows = citing(example_store, "arxiv:2402.13929", page_size=100)
    assert total == 24 == len(rows)
    assert [r.year for r in rows] == sorted((r.year for r in rows), reverse=True)
    assert citing(example_store, "arxiv:2402.13929", role="background")[0] == 10
    assert citing(example_store, "arxiv:2402.13929", role="uses")[0] == 5  # a source label for method
    negative = citing(example_store, "arxiv:2402.13929", polarity="negative")[1]
    assert {r.iri for r in negative} == {CITER.format(16), CITER.format(18)}
    total, rows = citing(example_store, "arxiv:2402.13929", from_year=2025, to_year=2025, page_size=100)
    assert total == 8 and {r.year for r in rows} == {2025}
    assert (
        citing(example_store, "arxiv:2402.13929", role="method", polarity="positive", from_year=2026)[0] == 2
    )
    by_title = citing(example_store, "arxiv:2402.13929", sort="title", page_size=100)[1]
    assert [r.title for r in by_title] == sorted(r.title for r in by_title)
    oldest = citing(example_store, "arxiv:2402.13929", sort="year-asc", page_size=1)[1][0]
    assert oldest.year == 2024
    total, page_two = citing(example_store, "arxiv:2402.13929", page=2, page_size=20)
    assert total == 24 and len(page_two) == 4
    assert citing(example_store, "arxiv:2402.13929", page=9)[1] == []


def test_unknown_paper(example_store: Store) -> None:
    with pytest.raises(UnknownPaper, match=r"no paper in the store has the id doi:10\.9999/none"):
        summary(example_store, "doi:10.9999/NONE")
    with pytest.raises(UnknownPaper):
        citing(example_store, "arxiv:1234.56789")
