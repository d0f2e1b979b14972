"""OpenCitations Meta CSV: bibliographic metadata, in the dump's column order
(``id,title,author,issue,volume,venue,page,pub_date,type,publisher,editor``) or the input format's
(``…,pub_date,venue,volume,issue,…``); columns are read by their header names.

``id`` holds several ids, separated by spaces or ``; `` (the first known one names the paper, ids of
schemes citekg does not use, such as ISSN or Wikidata, are left out); ``author`` is ``Family, Given
[orcid:… omid:ra/…]`` entries separated by ``; ``; ``venue`` is a name with bracketed ids; ``pub_date``
has year, month or day precision. A row without a known id names no paper: it is counted as unplaced.
Fields may hold newlines and run longer than Python's default CSV field limit.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from kg.errors import RecordError
from kg.ids import SCHEMES
from kg.importers import Format, Item, csv_rows, first_line
from kg.records import Author, Paper, Unplaced

COLUMNS = {
    "id",
    "title",
    "author",
    "pub_date",
    "venue",
    "volume",
    "issue",
    "page",
    "type",
    "publisher",
    "editor",
}
_BRACKETS = re.compile(r"\s*\[([^\]]*)\]\s*$")
_SEPARATORS = re.compile(r"[;\s]+")

csv.field_size_limit(2**31 - 1)  # Meta's author and venue cells can be longer than the default 128 KiB


def _ids(cell: str) -> list[str]:
    return [token for token in _SEPARATORS.split(cell.strip()) if token.partition(":")[0] in SCHEMES]


def _named(cell: str) -> tuple[str, list[str]]:
    """``Name [id id]`` as the name and its ids."""
    match = _BRACKETS.search(cell)
    if not match:
        return cell.strip(), []
    return cell[: match.start()].strip(), [t for t in _SEPARATORS.split(match.group(1)) if t]


def _authors(cell: str) -> list[Author]:
    authors = []
    for entry in (
        (part for part in cell.split("; ") if part.strip()) if "[" not in cell else _split_people(cell)
    ):
        name, ids = _named(entry)
        family, _, given = name.partition(",")
        display = " ".join(part for part in (given.strip(), family.strip()) if part)
        orcid = next((i.partition(":")[2] for i in ids if i.startswith("orcid:")), None)
        if display:
            authors.append(Author(name=display, orcid=orcid))
    return authors


def _split_people(cell: str) -> list[str]:
    """Split at ``; `` outside brackets (bracketed id lists use ``; `` too in the input format)."""
    people: list[str] = []
    current: list[str] = []
    depth = 0
    index = 0
    while index < len(cell):
        char = cell[index]
        depth += char == "["
        depth -= char == "]"
        if depth == 0 and cell.startswith("; ", index):
            people.append("".join(current))
            current, index = [], index + 2
            continue
        current.append(char)
        index += 1
    people.append("".join(current))
    return [person for person in people if person.strip()]


def row_paper(row: dict[str, str]) -> Paper | Unplaced:
    ids = _ids(row.get("id", ""))
    if not ids:
        return Unplaced(reason="the row has no id citekg knows")
    date = (row.get("pub_date") or "").strip() or None
    venue = _named(row.get("venue") or "")[0] or None
    extra: dict[str, list[str]] = {}
    for other in ids[1:]:
        scheme, _, value = other.partition(":")
        extra.setdefault(scheme, []).append(value)
    return Paper(
        id=ids[0],
        ids=extra,
        title=(row.get("title") or "").strip() or None,
        date=date,
        venue=venue,
        authors=_authors(row.get("author") or ""),
    )


def _columns(line: str) -> set[str]:
    try:
        return {cell.strip() for cell in next(csv.reader([line]), [])}
    except csv.Error:
        return set()


def read_meta(path: Path) -> Iterator[Item]:
    for item in csv_rows(path, ",".join(sorted(COLUMNS))):
        if isinstance(item, RecordError):
            yield item
            continue
        start, row = item
        try:
            yield start, row_paper(row)
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                field = (
                    _FIELD_OF.get(str(detail["loc"][0]), str(detail["loc"][0])) if detail["loc"] else "row"
                )
                yield RecordError(str(path), start, field, detail["msg"].removeprefix("Value error, "))
        except ValueError as error:
            yield RecordError(str(path), start, "id", str(error))


_FIELD_OF = {
    "id": "id",
    "ids": "id",
    "orcid": "author",
    "name": "author",
    "title": "title",
    "date": "pub_date",
    "authors": "author",
    "venue": "venue",
}


FORMATS = (
    Format(
        name="opencitations-meta",
        description="OpenCitations Meta CSV (dump or input column order)",
        example="omid:br/0634096228 doi:10.1016/j.bej.2023.108849,Fabrication And …,"
        '"Iwamoto, Eri [omid:ra/06340278658]",,192,Biochemical Engineering Journal [issn:1369-703X],…',
        recognises=lambda start: _columns(first_line(start)) == COLUMNS,
        read=lambda path, _paper: read_meta(path),
    ),
)
