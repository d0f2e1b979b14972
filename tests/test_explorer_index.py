"""kg.explorer_index: pages from the index beside the store are the pages of the rows themselves
(``explorer.page``) for every filter, order and offset, and stay so as the store changes."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import explorer, explorer_index
from kg.explorer import SORTS, UNCLASSIFIED
from kg.ids import parse_id
from kg.loader import drop, load
from kg.store import Store

from .conftest import TEST_BASE, write_jsonl

HUB = "doi:10.5555/index.hub"
ROLES = ["background", "method", "comparison", "extension", "motivation", "future_work", None]
POLARITIES = ["positive", "neutral", "negative", None]
FILTERS: list[dict[str, object]] = [
    {},
    {"role": "method"},
    {"role": UNCLASSIFIED},
    {"polarity": "negative"},
    {"polarity": UNCLASSIFIED, "role": "background"},
    {"from_year": 2005},
    {"to_year": 2001, "role": "comparison"},
    {"from_year": 1999, "to_year": 2003, "polarity": "positive"},
]


def hub_records(citing: int, seed: int) -> list[str]:
    """A hub's citing papers with years, titles, roles and polarities drawn at random, some missing,
    some titles equal but for case (ties broken by the citing paper's IRI)."""
    pick = random.Random(seed)
    lines = []
    for number in range(citing):
        paper: dict[str, object] = {"type": "paper", "id": f"doi:10.5555/index.{seed}.{number:04d}"}
        if pick.random() < 0.9:
            paper["year"] = pick.randint(1995, 2010)
        if pick.random() < 0.9:
            paper["title"] = (
                pick.choice(["Alpha", "alpha", "Beta", "gamma", "Δelta", "Zeta"]) + f" {number % 7}"
            )
        lines.append(json.dumps(paper))
        lines.append(json.dumps({"type": "citation", "citing": paper["id"], "cited": HUB}))
        role, polarity = pick.choice(ROLES), pick.choice(POLARITIES)
        if role or polarity:
            annotation = {
                "type": "annotation",
                "citing": paper["id"],
                "cited": HUB,
                "annotator": {"id": "m", "kind": "model"},
            }
            annotation |= {"role": role} if role else {}
            annotation |= {"polarity": polarity} if polarity else {}
            lines.append(json.dumps(annotation))
    return lines


def assert_pages_as_the_rows(store: Store, paper: ox.NamedNode) -> None:
    every = list(explorer.rows(store, paper))
    for sort in SORTS:
        for filters in FILTERS:
            expected = explorer.page(every, sort=sort, **filters)  # type: ignore[arg-type]
            for offset, limit in ((0, 20), (17, 20), (len(expected) - 3, 20), (0, 10_000), (10_000, 5)):
                offset = max(offset, 0)
                total, rows = explorer_index.page(
                    store,
                    paper,
                    sort=sort,
                    offset=offset,
                    limit=limit,
                    **filters,  # type: ignore[arg-type]
                )
                assert (total, rows) == (len(expected), expected[offset : offset + limit]), (sort, filters)


def kept_generation(store: Store, paper: ox.NamedNode) -> int | None:
    assert store.path is not None
    with sqlite3.connect(store.path / explorer_index.FILE) as index:
        found = index.execute("SELECT generation FROM hub WHERE iri = ?", (paper.value,)).fetchone()
    return None if found is None else int(found[0])


@pytest.fixture
def hub_store(tmp_path: Path) -> tuple[Store, ox.NamedNode]:
    store = Store(tmp_path / "store", base=TEST_BASE)
    load(store, write_jsonl(tmp_path / "hub.jsonl", *hub_records(240, seed=1)))
    paper = store.paper(parse_id(HUB))
    assert paper is not None
    return store, paper


def test_every_page_is_the_page_of_the_rows(hub_store: tuple[Store, ox.NamedNode]) -> None:
    store, paper = hub_store
    assert_pages_as_the_rows(store, paper)
    assert kept_generation(store, paper) == store.generation  # the pages came from the index


def test_a_change_to_the_store_is_seen_by_the_next_page(
    hub_store: tuple[Store, ox.NamedNode], tmp_path: Path
) -> None:
    store, paper = hub_store
    explorer_index.page(store, paper)
    before = store.generation
    renamed = [  # new titles and years for papers already in the hub, new citing papers, a new role
        json.dumps({"type": "paper", "id": "doi:10.5555/index.1.0003", "title": "A first"}),
        *hub_records(30, seed=2),
        json.dumps(
            {"type": "annotation", "citing": "doi:10.5555/index.1.0007", "cited": HUB, "role": "method",
             "polarity": "negative", "annotator": {"id": "ed", "kind": "human"}}
        ),
    ]  # fmt: skip
    second = load(store, write_jsonl(tmp_path / "second.jsonl", *renamed)).graph
    assert store.generation is not None and before is not None and store.generation > before
    assert_pages_as_the_rows(store, paper)
    titles = [row.title for row in explorer_index.page(store, paper, sort="title", limit=10_000)[1]]
    assert next(title for title in titles if title is not None) == "A first"  # the smallest title wins
    drop(store, second)
    assert_pages_as_the_rows(store, paper)


def test_a_write_outside_a_load_counts_as_a_change(hub_store: tuple[Store, ox.NamedNode]) -> None:
    store, paper = hub_store
    explorer_index.page(store, paper)
    before = store.generation
    store.update(
        "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> a <http://example.org/B> } }"
    )
    assert store.generation == (before or 0) + 1
    explorer_index.page(store, paper)
    assert kept_generation(store, paper) == store.generation


def test_no_index_during_a_change_or_without_a_folder(hub_store: tuple[Store, ox.NamedNode]) -> None:
    store, paper = hub_store
    with store.change(ox.NamedNode("http://example.org/g")):
        assert store.generation is None
        assert explorer_index.page(store, paper)[0] == 240
    assert kept_generation(store, paper) is None  # nothing was kept mid-change
    memory = Store(None, base=TEST_BASE)
    assert memory.generation is None
    assert explorer_index.page(memory, paper) == (0, [])


def test_the_index_file_may_go_at_any_time(hub_store: tuple[Store, ox.NamedNode]) -> None:
    store, paper = hub_store
    expected = explorer_index.page(store, paper, sort="year-asc", offset=5)
    assert store.path is not None
    for leftover in store.path.glob(explorer_index.FILE + "*"):
        leftover.unlink()
    assert explorer_index.page(store, paper, sort="year-asc", offset=5) == expected
    assert kept_generation(store, paper) == store.generation


def test_role_years_count_what_the_saved_query_counts(hub_store: tuple[Store, ox.NamedNode]) -> None:
    """The hub page's chart, from the index and from the rows in memory, against ``role-over-time``."""
    from kg.queries import run_query
    from kg.vocab import ROLE_BY_IRI

    store, paper = hub_store
    counted = sorted(
        (row["year"], ROLE_BY_IRI[row["role"]].value, row["citations"])
        for row in run_query(store, "role-over-time", {"paper": paper}).rows
    )
    assert explorer_index.role_years(store, paper) == counted and len(counted) > 10
    assert kept_generation(store, paper) == store.generation  # it came from the index
    assert store.path is not None
    in_memory = Store(None, base=TEST_BASE)  # no index: the rows are counted as they are read
    load(in_memory, store.path.parent / "hub.jsonl")
    assert explorer_index.role_years(in_memory, paper) == counted
