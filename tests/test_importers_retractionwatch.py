"""The Retraction Watch CSV (tests/data/retraction-watch.csv: rows of our own in the real column layout,
with its quirks: M/D/YYYY H:MM dates, "unavailable" DOIs, PubMed id 0, +Reason; lists, quoted commas)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InvalidInput, RecordError
from kg.hub import summary
from kg.importers import detect
from kg.importers.retractionwatch import COLUMNS, read_retractions
from kg.loader import load
from kg.records import Notice, Paper, Unplaced
from kg.store import Store

from .conftest import DATA, EXAMPLE

CSV = DATA / "retraction-watch.csv"
RETRACTIONS = EXAMPLE.parent / "retractions.csv"


def test_detected_by_its_columns() -> None:
    assert detect(CSV).name == "retraction-watch"
    assert detect(RETRACTIONS).name == "retraction-watch"


def test_rows_become_papers_and_their_notices() -> None:
    records = [record for _, record in read_retractions(CSV)]
    papers = [r for r in records if isinstance(r, Paper)]
    notices = [r for r in records if isinstance(r, Notice)]
    assert [(p.id.scheme, p.id.value, p.date, p.venue) for p in papers] == [
        ("doi", "10.5555/example.bench", "2023-06-15", "Journal of Examples"),
        ("pmid", "29876543", "2018-06-01", "Sample Letters"),
        ("doi", "10.5555/sample.corrected", "2021-01-15", "Medical Examples"),
    ]
    assert papers[2].title == 'A Corrected "Quoted" Title'
    assert [(n.nature.value, n.date, n.doi, n.reasons, n.record) for n in notices] == [
        (
            "retraction",
            "2025-03-01",
            "10.5555/example.bench.retraction",
            ["Error in Data", "Concerns/Issues About Results"],
            "91001",
        ),
        ("expression_of_concern", "2019-11-30", None, ["Concerns/Issues About Data"], "91002"),
        ("correction", "2021-07-04", "10.5555/sample.correction", ["Error in Figure"], "91003"),
    ]
    assert {n.source for n in notices} == {"Retraction Watch"}
    assert sum(isinstance(r, Unplaced) for r in records) == 1  # the row whose paper has no id


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("RetractionDate", "31/2/2010 0:00", "not a date"),
        ("OriginalPaperDate", "yesterday", "not a date"),
        ("RetractionNature", "Retracted maybe", "unknown notice nature"),
        ("OriginalPaperDOI", "not a doi", "not a valid doi"),
    ],
)
def test_a_bad_cell_is_named_by_line_and_column(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    lines = CSV.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index(column)] = value
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([lines[0], ",".join(cells)]) + "\n", encoding="utf-8")
    errors = [item for item in read_retractions(path) if isinstance(item, RecordError)]
    assert [(e.line, e.field) for e in errors] == [(2, column)]
    assert message in errors[0].message


def test_a_file_with_a_bad_row_loads_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(CSV.read_text(encoding="utf-8").replace("3/1/2025 0:00", "3/1/20x5"), encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"bad\.csv:2: RetractionDate"):
        load(store, path)
    assert store.is_empty()


def test_the_header_is_checked(tmp_path: Path) -> None:
    assert COLUMNS[0] == "Record ID" and len(COLUMNS) == 20
    path = tmp_path / "other.csv"
    path.write_text("Record ID,RetractionNature,OriginalPaperDOI\n1,Retraction\n", encoding="utf-8")
    errors = [item for item in read_retractions(path) if isinstance(item, RecordError)]
    assert [(e.line, e.field) for e in errors] == [(2, "row")]


def _citers_after(year: int) -> tuple[int, int, int]:
    """From the example file itself: the bench paper's citing papers, those published after ``year``,
    and those of them whose annotations say positive."""
    records = [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines()]
    years = {r["id"]: r.get("year") for r in records if r["type"] == "paper"}
    bench = "doi:10.5555/example.bench"  # (an annotation names its citation: the file has no citation lines)
    citing = {r["citing"] for r in records if r["type"] in ("citation", "annotation") and r["cited"] == bench}
    later = {c for c in citing if (years.get(c) or 0) > year}
    positive = {
        r["citing"]
        for r in records
        if r["type"] == "annotation"
        and r["cited"] == "doi:10.5555/example.bench"
        and r.get("polarity") == "positive"
    }
    return len(citing), len(later), len(later & positive)


def test_the_hub_says_the_paper_was_retracted_and_who_kept_citing(store: Store) -> None:
    load(store, EXAMPLE)
    load(store, RETRACTIONS)
    hub = summary(store, "doi:10.5555/example.bench")
    citing, later, positive = _citers_after(2025)
    assert (hub.citing_papers, later) == (citing, 3) and positive == 3
    assert hub.notice_lines == [
        "Retracted on 2025-03-01 (Retraction Watch: Concerns/Issues About Results; Error in Data).",
        f"{later} of {citing} citing papers cite it after the retraction; {positive} of them positively.",
    ]
    shown = hub.to_json()
    assert shown["notices"][0]["doi"] == "10.5555/example.bench.retraction"
    assert shown["citing_after_notice"]["citing_papers"] == later
    assert sum(shown["citing_after_notice"]["roles"].values()) == later
    assert shown["citing_after_notice"]["polarities"].get("positive") == positive
    assert summary(store, "arxiv:2402.13929").notices == []  # the other papers have none
