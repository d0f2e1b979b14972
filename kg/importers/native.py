"""The native format: JSON Lines, one paper, citation or annotation object per line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from kg.errors import RecordError
from kg.importers import Format, Item, decode_lines, first_line
from kg.records import parse_record

_TAGS = {"paper", "citation", "annotation"}


def _recognises(line: str) -> bool:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        # cut off by the start that detection reads, or broken: known by its opening, so that reading
        # it reports what is wrong with the line rather than an unknown format
        return _OPENING.match(line) is not None
    return isinstance(record, dict) and record.get("type") in _TAGS


_OPENING = re.compile(r'\s*\{\s*"type"\s*:\s*"(paper|citation|annotation)"')


def read_native(path: Path) -> Iterator[Item]:
    """Yield ``(line, record)`` for each valid line and a ``RecordError`` for each invalid one."""
    for item in decode_lines(path):
        if isinstance(item, RecordError):
            yield item
            continue
        line_number, line = item
        if not line.strip():
            continue
        try:
            yield line_number, parse_record(line)
        except ValidationError as error:
            yield from record_errors(str(path), line_number, error)


def record_errors(file: str, line: int, error: ValidationError) -> Iterator[RecordError]:
    """Turn pydantic's errors into FILE:LINE: FIELD: message lines."""
    for detail in error.errors(include_url=False):
        kind = detail["type"]
        location = [str(part) for part in detail["loc"]]
        if location and location[0] in _TAGS:
            location = location[1:]
        if kind == "json_invalid":
            field, message = "json", f"not a JSON object ({detail['ctx'].get('error', 'invalid JSON')})"
        elif kind in ("union_tag_not_found", "union_tag_invalid", "model_attributes_type"):
            field = "type"
            message = 'expected an object with "type" set to one of paper, citation, annotation'
            if kind == "union_tag_invalid":
                message = f"unknown record type {detail['ctx']['tag']!r}; " + message
        else:
            field = ".".join(location) or "record"
            message = detail["msg"].removeprefix("Value error, ")
            if not location and kind == "value_error" and ": " in message:
                field, _, message = message.partition(": ")  # a check across fields names its field
            if kind not in ("value_error", "missing"):
                message += f" (got {_short(detail.get('input'))})"
        yield RecordError(file, line, field, message)


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


FORMAT = Format(
    name="native",
    description="citekg's own JSON Lines: paper, citation and annotation records",
    example='{"type":"citation","citing":"doi:10.5555/x1","cited":"arxiv:2402.13929","date":"2025-03-01"}',
    recognises=lambda start: _recognises(first_line(start)),
    read=lambda path, _paper: read_native(path),
)
