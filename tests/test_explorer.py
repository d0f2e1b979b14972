"""kg.explorer: the explorer's materialised rows give what the saved query hub-citing reads from the
graph, after every kind of change, and a rebuild gives the rows the changes kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg import explorer, queries
from kg.consensus import rebuild
from kg.hub import citing
from kg.loader import drop, load
from kg.store import Store

from .conftest import EXAMPLE, TEST_BASE, write_jsonl
from .test_identity import CITE_BY_ARXIV, CITE_BY_DOI, HUB_BOTH, OTHER_BY_DOI

HUB = "arxiv:2402.13929"
FILTERS: list[dict[str, object]] = [
    {},
    {"role": "background"},
    {"role": "method"},
    {"polarity": "positive"},
    {"polarity": "negative", "role": "comparison"},
    {"from_year": 2021},
    {"to_year": 2022, "role": "background"},
]


def by_saved_query(store: Store, paper: str, sort: str, **filters: object) -> list[tuple[object, ...]]:
    result = queries.run_query(store, "hub-citing", {"paper": paper, "sort": sort, **filters})
    return [
        (
            row["citing"],
            row["title"],
            row["year"],
            row["summary"],
            row["primary_role"],
            row["primary_polarity"],
        )
        for row in result.rows
    ]


def by_explorer(store: Store, paper: str, sort: str, **filters: object) -> list[tuple[object, ...]]:
    from kg.vocab import Polarity, Role

    total, rows = citing(store, paper, sort=sort, page_size=10_000, **filters)  # type: ignore[arg-type]
    assert total == len(rows)
    return [
        (
            row.iri,
            row.title,
            row.year,
            row.summary,
            Role(row.role).iri.value if row.role else None,
            Polarity(row.polarity).iri.value if row.polarity else None,
        )
        for row in rows
    ]


def assert_as_the_saved_query(store: Store, paper: str = HUB) -> None:
    for sort in explorer.SORTS:
        for filters in FILTERS:
            expected = by_saved_query(store, paper, sort, **filters)
            assert by_explorer(store, paper, sort, **filters) == expected, (sort, filters)


def entries(store: Store) -> set[str]:
    return {
        f"{q.subject} {q.object}"
        for q in store.quads_for_pattern(None, explorer.ENTRY, None, store.consensus_graph)
    }


def test_rows_stay_those_of_the_saved_query_through_every_change(tmp_path: Path) -> None:
    store = Store(None, base=TEST_BASE)
    load(store, EXAMPLE)  # into an empty store: rows written from the file's own spools
    assert_as_the_saved_query(store)
    disagreeing = [  # another source's year and title for citing papers of the example, and a review
        json.dumps({"type": "paper", "id": "doi:10.5555/example.citer01", "title": "aardvark", "year": 1999}),
        json.dumps(
            {
                "type": "annotation",
                "citing": "doi:10.5555/example.citer02",
                "cited": HUB,
                "role": "comparison",
                "polarity": "negative",
                "annotator": {"id": "ed", "kind": "human"},
            }
        ),
    ]
    second = load(store, write_jsonl(tmp_path / "second.jsonl", *disagreeing)).graph
    assert_as_the_saved_query(store)
    merging = write_jsonl(tmp_path / "merging.jsonl", CITE_BY_ARXIV, CITE_BY_DOI, OTHER_BY_DOI, HUB_BOTH)
    load(store, merging)  # papers merged: citations renamed
    assert_as_the_saved_query(store)
    load(store, write_jsonl(tmp_path / "second.jsonl", disagreeing[1]), second)  # replaced
    assert_as_the_saved_query(store)
    drop(store, second)
    assert_as_the_saved_query(store)
    kept = entries(store)
    rebuild(store)
    assert entries(store) == kept


def test_unclassified_lists_the_citations_without_a_role_or_polarity(example_store: Store) -> None:
    total, rows = citing(example_store, HUB, role="unclassified", page_size=100)
    everything = citing(example_store, HUB, page_size=100)[1]
    assert total == len(rows) == sum(1 for row in everything if row.role is None) > 0
    assert all(row.role is None for row in rows)
    total, rows = citing(example_store, HUB, polarity="unclassified", page_size=100)
    assert total == sum(1 for row in everything if row.polarity is None)


def test_a_title_with_tabs_and_line_breaks_keeps_its_row_whole(store: Store, tmp_path: Path) -> None:
    records = [
        json.dumps({"type": "paper", "id": "doi:10.5555/t", "title": "Tabs\tand\nbreaks", "year": 2020}),
        json.dumps({"type": "citation", "citing": "doi:10.5555/t", "cited": "doi:10.5555/hub"}),
    ]
    load(store, write_jsonl(tmp_path / "t.jsonl", *records))
    (row,) = citing(store, "doi:10.5555/hub")[1]
    assert (row.title, row.year) == ("Tabs\tand\nbreaks", 2020)  # the title is the row's last field


def test_an_unknown_sort_is_an_error(example_store: Store) -> None:
    from kg.errors import CitekgError

    with pytest.raises(CitekgError, match="unknown sort"):
        citing(example_store, HUB, sort="colour")
