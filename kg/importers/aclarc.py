"""ACL-ARC (JSON Lines, as the SciCite authors distribute it): citation intents in ACL Anthology papers,
gold labels by people.

``intent`` (Background, Uses, CompareOrContrast, Motivation, Extends, Future) is the role, ``text`` the
citation context, and ``citing_paper_id``/``cited_paper_id`` ACL Anthology ids (``acl:``); titles and
years, where given, describe the two papers. The annotator is the dataset, ``acl-arc`` (kind human).
A cited work outside the Anthology (an ``External_…`` id) has no id citekg can name it by: unplaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.ids import normalise
from kg.importers import Format, Item, first_line
from kg.importers.jsonl import keys_of, read_rows
from kg.records import Annotation, Annotator, Citation, Paper, Unplaced
from kg.vocab import AnnotatorKind

ANNOTATOR = Annotator(id="acl-arc", kind=AnnotatorKind.HUMAN)
_KEYS = {"intent", "citing_paper_id", "cited_paper_id"}
_FIELDS = {
    "citing": "citing_paper_id",
    "cited": "cited_paper_id",
    "role": "intent",
    "contexts": "text",
    "title": "title",
    "year": "year",
}


def _known(value: Any) -> bool:
    try:
        normalise("acl", str(value))
    except ValueError:
        return False
    return True


def row_records(row: dict[str, Any]) -> Iterator[Paper | Citation | Annotation | Unplaced]:
    if not _known(row.get("cited_paper_id")):
        yield Unplaced(reason="the cited work has no ACL Anthology id")
        return
    citing, cited = f"acl:{row['citing_paper_id']}", f"acl:{row['cited_paper_id']}"
    for side, paper_id in (("citing", citing), ("cited", cited)):
        title, year = row.get(f"{side}_paper_title"), row.get(f"{side}_paper_year")
        if title or year:
            yield Paper(id=paper_id, title=title or None, year=year or None)
    text = row.get("text")
    context = " ".join(text) if isinstance(text, list) else (text or "")
    yield Citation(citing=citing, cited=cited, contexts=[context.strip()] if context.strip() else [])
    yield Annotation(citing=citing, cited=cited, role=row["intent"], annotator=ANNOTATOR)


def read_aclarc(path: Path) -> Iterator[Item]:
    return read_rows(path, row_records, _FIELDS)


FORMATS = (
    Format(
        name="acl-arc",
        description="ACL-ARC citation-intent dataset (JSON Lines)",
        example='{"text":"…following [3]…","citing_paper_id":"E09-1039","cited_paper_id":"J93-2004",'
        '"intent":"Uses"}',
        recognises=lambda start: keys_of(first_line(start)) >= _KEYS,
        read=lambda path, _paper: read_aclarc(path),
    ),
)
