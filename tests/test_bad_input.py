"""The bad-input corpus (tests/data/bad, plus the two inputs too large to keep as files): each file is
refused with an error naming it, the line and the field, and leaves the store as it was; the few that
are legal load."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import CitekgError, InvalidInput
from kg.loader import load
from kg.store import Store

from .conftest import DATA, EXAMPLE, TEST_BASE

BAD = DATA / "bad"

# file: (line, or JSON path in a document; field) the error must name
REFUSED = {
    "native-truncated.jsonl": (3, "json"),
    "native-invalid-utf8.jsonl": (2, "encoding"),
    "native-wrong-type.jsonl": (2, "year"),
    "native-null-id.jsonl": (2, "id"),
    "native-bad-id.jsonl": (2, "cited"),
    "native-unknown-role.jsonl": (2, "role"),
    "native-confidence.jsonl": (2, "confidence"),
    "native-future-year.jsonl": (2, "year"),
    "native-bad-date.jsonl": (2, "date"),
    "native-cites-itself.jsonl": (2, "cited"),
    "native-unknown-type.jsonl": (2, "type"),
    "native-missing-field.jsonl": (2, "cited"),
    "index-missing-column.csv": (2, "row"),
    "index-extra-column.csv": (2, "row"),
    "index-bad-date.csv": (2, "creation"),
    "index-bad-timespan.csv": (2, "timespan"),
    "index-truncated.csv": (3, "row"),
    "index-stray-carriage-return.csv": (3, "row"),  # found by bench/fuzz_importers.py
    "scicite-unknown-label.jsonl": (1, "label"),
    "scicite-wrong-type.jsonl": (1, "label_confidence"),
    "s2-wrong-type.jsonl": (1, "isinfluential"),
    "rdf-truncated.nt": (2, "rdf"),
    "crossref-wrong-shape.json": ("message", "record"),  # a JSON path for a document; found by fuzzing
    "meta-bad-date.csv": (2, "pub_date"),
    "openalex-wrong-type.jsonl": (2, "year"),
    "s2api-bad-id.json": ("[1]", "id"),
    "aclarc-unknown-intent.jsonl": (1, "intent"),
}


@pytest.fixture
def stored(tmp_path: Path) -> Iterator[Store]:
    """A store on disk that already holds the example: what a refused file must not disturb."""
    store = Store(tmp_path / "store", base=TEST_BASE)
    load(store, EXAMPLE)
    yield store
    store.close()


def snapshot(store: Store) -> set[ox.Quad]:
    """The store's quads (citekg writes no blank nodes, so equal sets are isomorphic graphs)."""
    return set(store.oxigraph)


def assert_refused(store: Store, path: Path, line: int | str, field: str) -> None:
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        load(store, path)
    lines = str(refused.value).splitlines()
    assert any(
        re.match(rf"{re.escape(str(path))}:{re.escape(str(line))}: {re.escape(field)}: \S", text)
        for text in lines
    ), lines
    assert snapshot(store) == before


def test_the_corpus_covers_every_file() -> None:
    assert {p.name for p in BAD.iterdir()} == set(REFUSED) | {"native-duplicates.jsonl", "native-bom.jsonl"}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_bad_file_is_refused_by_file_line_and_field_and_changes_nothing(stored: Store, name: str) -> None:
    assert_refused(stored, BAD / name, *REFUSED[name])


def test_a_line_of_100_mib_is_refused_without_filling_memory(stored: Store, tmp_path: Path) -> None:
    huge = tmp_path / "huge.jsonl"
    with huge.open("w", encoding="utf-8") as out:
        out.write('{"type":"paper","id":"doi:10.5555/ok","title":"fine"}\n')
        out.write(
            json.dumps({"type": "paper", "id": "doi:10.5555/huge", "title": "x" * (100 * 2**20)}) + "\n"
        )
    assert_refused(stored, huge, 2, "title")


def test_deeply_nested_json_is_refused(stored: Store, tmp_path: Path) -> None:
    deep = tmp_path / "deep.jsonl"
    nested = "[" * 100_000 + "]" * 100_000
    deep.write_text(
        f'{{"type":"citation","citing":"doi:10.5555/a","cited":"doi:10.5555/b","contexts":{nested}}}\n'
    )
    assert_refused(stored, deep, 1, "json")
    bare = tmp_path / "bare.jsonl"
    bare.write_text(nested + "\n")
    before = snapshot(stored)
    with pytest.raises(CitekgError, match="not a format citekg reads"):
        load(stored, bare)
    assert snapshot(stored) == before


def test_a_bom_is_read_past_and_duplicates_load_once(stored: Store) -> None:
    def count(graph: str) -> int:
        found = stored.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?c cito:hasCitingEntity ?x }} }}"
        )
        return int(next(iter(found))["n"].value)

    before = count("data:consensus")
    assert load(stored, BAD / "native-bom.jsonl").counts["citation"] == 1
    assert load(stored, BAD / "native-duplicates.jsonl").counts["citation"] == 2  # two records read
    duplicates = load(stored, BAD / "native-duplicates.jsonl").graph
    assert count(f"<{duplicates}>") == 1  # one fact
    assert count("data:consensus") == before + 1  # the one citation both files name
