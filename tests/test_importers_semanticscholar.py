from __future__ import annotations

import json

import pytest

from kg.errors import RecordError
from kg.hub import summary
from kg.importers import detect
from kg.importers.semanticscholar import read_bulk
from kg.loader import load
from kg.records import Annotation, Citation, Unplaced
from kg.store import Store

from .conftest import DATA, SHARED_DATA

SAMPLE = SHARED_DATA / "s2-datasets" / "citations-sample.jsonl"


def test_bulk_rows_become_citations_and_intent_annotations() -> None:
    items = list(read_bulk(DATA / "s2-citations.jsonl"))
    assert not [i for i in items if isinstance(i, RecordError)]
    records = [record for _, record in items]
    assert sum(isinstance(r, Unplaced) for r in records) == 1
    citations = [r for r in records if isinstance(r, Citation)]
    assert [(str(c.citing), str(c.cited), c.influential, c.contexts) for c in citations] == [
        ("corpusid:101", "corpusid:202", False, []),
        ("corpusid:303", "corpusid:202", True, ["As in [2], we use it."]),
        ("corpusid:404", "corpusid:202", False, ["Compare [3]."]),
    ]
    annotations = [r for r in records if isinstance(r, Annotation)]
    assert [(str(a.citing), a.role.value, a.annotator.id, a.annotator.kind.value) for a in annotations] == [
        ("corpusid:303", "method", "semantic-scholar", "model"),
        ("corpusid:303", "background", "semantic-scholar", "model"),
        ("corpusid:404", "comparison", "semantic-scholar", "model"),
    ]
    assert detect(DATA / "s2-citations.jsonl").name == "s2-citations"


def test_a_hub_from_bulk_citations_shows_the_roles_of_the_intents(store: Store) -> None:
    report = load(store, DATA / "s2-citations.jsonl")
    assert report.unplaced == 1 and "1 rows named a work without an id citekg knows" in report.summary()
    hub = summary(store, "corpusid:202")
    assert (hub.citing_papers, hub.annotated, hub.unclassified) == (3, 2, 1)
    assert [(s.label, s.count) for s in hub.roles] == [
        ("method", 1),
        ("comparison", 1),
    ]  # method wins the tie
    assert hub.headline == "Mixed citation behavior. Most common role is method (50%)."


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/data is not here")
def test_shared_bulk_sample_loads_with_its_counts(store: Store) -> None:
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    placed = [row for row in rows if row["citedcorpusid"] is not None]
    intents = sum(
        len({i for group in row["intents"] or [] for i in (group if isinstance(group, list) else [group])})
        for row in placed
    )
    report = load(store, SAMPLE)
    assert report.counts["citation"] == len(placed)
    assert report.counts["annotation"] == intents
    assert report.unplaced == len(rows) - len(placed) > 0
    assert not report.skipped
