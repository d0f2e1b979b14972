"""The Retraction Watch database as Crossref publishes it: one CSV, a row per notice.

A row names the original paper (``OriginalPaperDOI``, ``OriginalPaperPubMedID``; ``unavailable`` or
``0`` when it has none), with its title, journal, authors and date, and the notice: its nature
(``Retraction``, ``Expression of concern``, ``Correction``, ``Reinstatement``), date, DOI and PubMed id,
and reasons (``+Reason;+Reason;``). Dates are written ``M/D/YYYY H:MM`` (``2/2/2010 0:00``). A row
becomes the paper and a notice about it; a row whose paper has no DOI or PubMed id is counted as
unplaced.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from kg.errors import RecordError
from kg.importers import Format, Item, csv_rows, first_line
from kg.records import Author, Notice, Paper, Unplaced

COLUMNS = [
    *("Record ID", "Title", "Subject", "Institution", "Journal", "Publisher", "Country", "Author", "URLS"),
    *("ArticleType", "RetractionDate", "RetractionDOI", "RetractionPubMedID", "OriginalPaperDate"),
    *("OriginalPaperDOI", "OriginalPaperPubMedID", "RetractionNature", "Reason", "Paywalled", "Notes"),
]
SOURCE = "Retraction Watch"
_NONE = {"", "unavailable", "0", "na", "n/a", "none"}
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")


class _BadCell(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _present(cell: str | None) -> str | None:
    value = (cell or "").strip()
    return None if value.lower() in _NONE else value


def _date(row: dict[str, str], column: str) -> str | None:
    """``2/2/2010 0:00`` as ``2010-02-02`` (ISO dates are taken as they are)."""
    cell = _present(row.get(column))
    if cell is None:
        return None
    match = _DATE.match(cell)
    try:
        if match:
            month, day, year = map(int, match.groups())
            return datetime(year, month, day).date().isoformat()
        return datetime.fromisoformat(cell).date().isoformat()
    except ValueError:
        raise _BadCell(column, f"{cell!r} is not a date; expected M/D/YYYY H:MM") from None


def _listed(cell: str | None, strip: str = "") -> list[str]:
    """``+A;+B;`` or ``A;B;`` as ``["A", "B"]``."""
    return [part.strip().lstrip(strip).strip() for part in (cell or "").split(";") if part.strip(" " + strip)]


def row_records(row: dict[str, str]) -> Iterator[Paper | Notice | Unplaced]:
    doi = _present(row.get("OriginalPaperDOI"))
    pmid = _present(row.get("OriginalPaperPubMedID"))
    if doi is None and pmid is None:
        yield Unplaced(reason="the notice's paper has no DOI or PubMed id")
        return
    paper_id = f"doi:{doi}" if doi else f"pmid:{pmid}"
    published = _date(row, "OriginalPaperDate")
    notice_date = _date(row, "RetractionDate")
    paper = Paper(
        id=paper_id,
        ids={"pmid": [pmid]} if doi and pmid else {},
        title=_present(row.get("Title")),
        venue=_present(row.get("Journal")),
        date=published,
        authors=[Author(name=name) for name in _listed(row.get("Author"))],
    )
    notice = Notice(
        paper=paper_id,
        nature=(row.get("RetractionNature") or "").strip(),
        date=notice_date,
        doi=_present(row.get("RetractionDOI")),
        reasons=_listed(row.get("Reason"), strip="+"),
        source=SOURCE,
        record=_present(row.get("Record ID")),
    )
    yield from (paper, notice)  # both checked first: a row is taken or refused whole


# pydantic's field names, as the file names its columns
_COLUMN_OF = {
    "id": "OriginalPaperDOI",
    "ids": "OriginalPaperPubMedID",
    "paper": "OriginalPaperDOI",
    "title": "Title",
    "venue": "Journal",
    "name": "Author",
    "authors": "Author",
    "nature": "RetractionNature",
    "doi": "RetractionDOI",
    "reasons": "Reason",
    "record": "Record ID",
}


def read_retractions(path: Path) -> Iterator[Item]:
    for item in csv_rows(path, ",".join(COLUMNS)):
        if isinstance(item, RecordError):
            yield item
            continue
        start, row = item
        try:
            for record in row_records(row):
                yield start, record
        except _BadCell as error:
            yield RecordError(str(path), start, error.column, str(error))
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                field = str(detail["loc"][0]) if detail["loc"] else "row"
                message = detail["msg"].removeprefix("Value error, ")
                yield RecordError(str(path), start, _COLUMN_OF.get(field, field), message)
        except ValueError as error:  # an id that does not parse
            yield RecordError(str(path), start, "OriginalPaperDOI", str(error))


def _recognises(start: str) -> bool:
    try:
        header = next(csv.reader([first_line(start)]), [])
    except csv.Error:
        return False
    return {"Record ID", "RetractionNature", "OriginalPaperDOI"} <= {cell.strip() for cell in header}


FORMATS = (
    Format(
        name="retraction-watch",
        description="Retraction Watch database CSV (as Crossref publishes it): papers and their notices",
        example="Record ID,Title,…,RetractionDate,RetractionDOI,…,OriginalPaperDOI,…,RetractionNature,…\n"
        "12345,A Retracted Paper,…,2/2/2010 0:00,10.1000/xyz.retraction,…,10.1000/xyz,…,Retraction,"
        "+Falsification/Fabrication of Data;,…",
        recognises=_recognises,
        read=lambda path, _paper: read_retractions(path),
    ),
)
