"""OpenCitations Index CSV: the current dump (``id,citing,cited,...`` with ``oci:`` and ``omid:`` values)
and the legacy COCI dump (``oci,citing,cited,...`` with bare DOIs).

Each row is one citation. ``creation`` (the citing work's publication date, at year, month or day
precision, or empty) becomes the citation's creation date, ``timespan`` its ``xsd:duration`` time span,
and ``journal_sc``/``author_sc`` = ``yes`` the CiTO types ``JournalSelfCitation`` and
``AuthorSelfCitation``, as OpenCitations publishes them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from kg.errors import RecordError
from kg.importers import Format, Item, decode_lines, first_line
from kg.records import Citation

COLUMNS = ("citing", "cited", "creation", "timespan", "journal_sc", "author_sc")
CURRENT = ("id", *COLUMNS)
LEGACY = ("oci", *COLUMNS)
_FIELD_OF = {"citing": "citing", "cited": "cited", "date": "creation", "timespan": "timespan", "oci": "id"}
_FLAGS = {"yes": True, "no": False, "": False}


def _header(line: str) -> tuple[str, ...]:
    try:
        return tuple(cell.strip() for cell in next(csv.reader([line]), []))
    except csv.Error:
        return ()


def read_index_csv(path: Path) -> Iterator[Item]:
    """Yield a Citation per row, or a RecordError naming the row's line and column."""
    lines = decode_lines(path)
    header: tuple[str, ...] | None = None
    for item in lines:
        if isinstance(item, RecordError):
            yield item
            continue
        number, text = item
        if header is None:
            header = _header(text)
            if header not in (CURRENT, LEGACY):
                yield RecordError(
                    str(path),
                    number,
                    "header",
                    f"expected the columns {','.join(CURRENT)} or {','.join(LEGACY)}, got {','.join(header)}",
                )
                return
            continue
        if not text.strip():
            continue
        try:
            cells = next(csv.reader([text]))
        except csv.Error as error:  # a stray carriage return, say
            yield RecordError(str(path), number, "row", f"not a CSV row: {error}")
            continue
        if len(cells) != len(header):
            yield RecordError(str(path), number, "row", f"expected {len(header)} columns, got {len(cells)}")
            continue
        row = dict(zip(header, cells, strict=True))
        yield from _citation(str(path), number, row)


def _citation(file: str, line: int, row: dict[str, str]) -> Iterator[Item]:
    flags = {}
    for column, field in (("author_sc", "author_self_citation"), ("journal_sc", "journal_self_citation")):
        value = row[column].strip().lower()
        if value not in _FLAGS:
            yield RecordError(file, line, column, f"expected yes or no, got {row[column]!r}")
            return
        flags[field] = _FLAGS[value]
    fields = {
        "citing": row["citing"],
        "cited": row["cited"],
        "date": row["creation"] or None,
        "timespan": row["timespan"] or None,
        "oci": row.get("id") or row.get("oci") or None,
        **flags,
    }
    try:
        yield line, Citation.model_validate(fields)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            field = _FIELD_OF.get(str(detail["loc"][0]), str(detail["loc"][0])) if detail["loc"] else "row"
            if field == "id" and "oci" in row:
                field = "oci"
            yield RecordError(file, line, field, detail["msg"].removeprefix("Value error, "))


FORMATS = (
    Format(
        name="opencitations-index",
        description="OpenCitations Index CSV: current (id,citing,cited,…) or legacy COCI (oci,…)",
        example="oci:06801597168-062402843420,omid:br/06801597168,omid:br/062402843420,2018-06-29,P124Y7M,no,no",
        recognises=lambda start: _header(first_line(start)) in (CURRENT, LEGACY),
        read=lambda path, _paper: read_index_csv(path),
    ),
)
