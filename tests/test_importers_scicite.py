from __future__ import annotations

import json

import pytest

from kg.errors import RecordError
from kg.hub import summary
from kg.importers import detect
from kg.importers.scicite import read_scicite
from kg.loader import load
from kg.records import Annotation, Unplaced
from kg.store import Store

from .conftest import DATA, SHARED_DATA

SAMPLE = SHARED_DATA / "scicite" / "scicite-train.jsonl"


def test_rows_become_gold_annotations() -> None:
    records = [record for _, record in read_scicite(DATA / "scicite.jsonl")]
    annotations = [r for r in records if isinstance(r, Annotation)]
    assert [
        (a.role.value, a.polarity and a.polarity.value, a.confidence, a.annotator.kind.value)
        for a in annotations
    ] == [("method", "positive", 0.9, "human"), ("comparison", "neutral", None, "human")]
    assert sum(isinstance(r, Unplaced) for r in records) == 1
    assert detect(DATA / "scicite.jsonl").name == "scicite"


def test_bad_rows_name_the_source_field() -> None:
    path = DATA / "scicite-bad.jsonl"
    assert [(e.line, e.field) for e in read_scicite(path) if isinstance(e, RecordError)] == [
        (1, "label"),
        (2, "label_confidence"),
        (3, "citingPaperId"),
        (4, "citingPaperId"),
    ]


def test_hub_from_scicite(store: Store) -> None:
    load(store, DATA / "scicite.jsonl")
    hub = summary(store, "s2:" + "b" * 40)
    assert [(s.label, s.count) for s in hub.roles] == [("method", 1), ("comparison", 1)]
    assert [(s.label, s.count) for s in hub.polarities] == [("positive", 1), ("neutral", 1)]


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/data is not here")
def test_shared_sample_loads_with_its_counts(store: Store) -> None:
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    placed = [row for row in rows if row["citedPaperId"] not in (None, "None")]
    report = load(store, SAMPLE)
    assert report.counts["citation"] == report.counts["annotation"] == len(placed)
    assert report.unplaced == len(rows) - len(placed)
