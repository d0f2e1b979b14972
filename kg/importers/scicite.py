"""SciCite (JSON Lines): citation-intent labels from the SciCite dataset, gold labels by people.

``label`` (background, method, result) is the role (result is comparison), ``label_confidence`` its
confidence, ``label2`` (supportive, not_supportive) the polarity (positive, neutral), ``string`` the
citation context, and ``citingPaperId``/``citedPaperId`` Semantic Scholar paperIds. The annotator is
the dataset, ``scicite`` (kind human). A row whose cited paper is ``None`` is counted as unplaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.importers import Format, Item, first_line
from kg.importers.jsonl import keys_of, read_rows
from kg.records import Annotation, Annotator, Citation, Unplaced
from kg.vocab import AnnotatorKind

ANNOTATOR = Annotator(id="scicite", kind=AnnotatorKind.HUMAN)
_KEYS = {"label", "string", "citingPaperId", "citedPaperId"}
_FIELDS = {
    "citing": "citingPaperId",
    "cited": "citedPaperId",
    "role": "label",
    "polarity": "label2",
    "confidence": "label_confidence",
    "contexts": "string",
}


def row_records(row: dict[str, Any]) -> Iterator[Citation | Annotation | Unplaced]:
    cited_id = row.get("citedPaperId")
    if cited_id in (None, "", "None"):
        yield Unplaced(reason="the cited paper has no paperId")
        return
    citing, cited = f"s2:{row['citingPaperId']}", f"s2:{cited_id}"
    context = (row.get("string") or "").strip()
    yield Citation(citing=citing, cited=cited, contexts=[context] if context else [])
    yield Annotation(
        citing=citing,
        cited=cited,
        role=row["label"],
        polarity=row.get("label2"),
        confidence=row.get("label_confidence"),
        annotator=ANNOTATOR,
    )


def read_scicite(path: Path) -> Iterator[Item]:
    return read_rows(path, row_records, _FIELDS)


FORMATS = (
    Format(
        name="scicite",
        description="SciCite citation-intent dataset (JSON Lines)",
        example='{"string":"…as in [4].","label":"method","label_confidence":0.9,"citingPaperId":"8f1f…",'
        '"citedPaperId":"5e41…"}',
        recognises=lambda start: keys_of(first_line(start)) >= _KEYS,
        read=lambda path, _paper: read_scicite(path),
    ),
)
