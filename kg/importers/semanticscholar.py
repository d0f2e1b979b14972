"""Semantic Scholar: the bulk ``citations`` dataset of the Academic Graph (JSON Lines).

Each row (``citingcorpusid``, ``citedcorpusid``, ``isinfluential``, ``contexts``, ``intents``) becomes a
citation between ``corpusid:`` papers, keeping its contexts and influence flag, and one annotation per
intent by the annotator ``semantic-scholar`` (a model): ``methodology`` is method, ``result`` is
comparison. A row whose cited paper Semantic Scholar could not identify (``citedcorpusid`` null) names
no paper to attach a citation to; it is counted as unplaced, not loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.importers import Format, Item, first_line
from kg.importers.jsonl import keys_of, read_rows
from kg.records import Annotation, Annotator, Citation, Unplaced
from kg.vocab import AnnotatorKind

ANNOTATOR = Annotator(id="semantic-scholar", kind=AnnotatorKind.MODEL)
_BULK_KEYS = {"citingcorpusid", "citedcorpusid"}
_FIELDS = {
    "citing": "citingcorpusid",
    "cited": "citedcorpusid",
    "influential": "isinfluential",
    "contexts": "contexts",
    "role": "intents",
}


def intent_labels(value: Any) -> list[str]:
    """Intents come flat (``["background"]``) or per context (``[["background"], []]``)."""
    found: list[str] = []
    for intent in value or []:
        for label in intent if isinstance(intent, list) else [intent]:
            if label not in found:
                found.append(label)
    return found


def bulk_row(row: dict[str, Any]) -> Iterator[Citation | Annotation | Unplaced]:
    if row.get("citedcorpusid") is None:
        yield Unplaced(reason="the cited paper has no corpus id")
        return
    citing, cited = f"corpusid:{row['citingcorpusid']}", f"corpusid:{row['citedcorpusid']}"
    yield Citation(
        citing=citing,
        cited=cited,
        contexts=[c for c in row.get("contexts") or [] if c.strip()],
        influential=row.get("isinfluential"),
    )
    for intent in intent_labels(row.get("intents")):
        yield Annotation(citing=citing, cited=cited, role=intent, annotator=ANNOTATOR)


def read_bulk(path: Path) -> Iterator[Item]:
    return read_rows(path, bulk_row, _FIELDS)


FORMATS = (
    Format(
        name="s2-citations",
        description="Semantic Scholar Academic Graph bulk citations dataset (JSON Lines)",
        example='{"citingcorpusid":"20187272","citedcorpusid":"85219962","isinfluential":false,'
        '"contexts":null,"intents":null}',
        recognises=lambda start: keys_of(first_line(start)) >= _BULK_KEYS,
        read=lambda path, _paper: read_bulk(path),
    ),
)
