"""Shared reading of JSON Lines sources whose rows become several records each."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kg.errors import RecordError
from kg.importers import Item, decode_lines

RowMapper = Callable[[dict[str, Any]], Iterator[Any]]


def read_rows(path: Path, to_records: RowMapper, field_names: dict[str, str]) -> Iterator[Item]:
    """Yield the records ``to_records`` makes of each JSON object line, or a RecordError.

    A row's records are validated before any is yielded, so a bad row yields errors only. Pydantic's
    field names are reported as the source's own (``field_names``); a ValueError from ``to_records``
    names its field as ``field: message``.
    """
    for item in decode_lines(path):
        if isinstance(item, RecordError):
            yield item
            continue
        number, text = item
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except ValueError as error:
            yield RecordError(str(path), number, "json", f"not a JSON object ({error})")
            continue
        if not isinstance(row, dict):
            yield RecordError(str(path), number, "json", "expected a JSON object")
            continue
        try:
            records = list(to_records(row))
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                name = str(detail["loc"][0]) if detail["loc"] else "row"
                message = detail["msg"].removeprefix("Value error, ")
                yield RecordError(str(path), number, field_names.get(name, name), message)
            continue
        except (KeyError, TypeError, ValueError) as error:
            field, _, message = str(error).strip("'\"").partition(": ")
            yield RecordError(str(path), number, field, message or "missing")
            continue
        for record in records:
            yield number, record


def keys_of(line: str) -> set[str]:
    """The keys of a JSON object line, or nothing."""
    try:
        row = json.loads(line)
    except ValueError:
        return set()
    return set(row) if isinstance(row, dict) else set()
