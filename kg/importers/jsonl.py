"""Shared reading of JSON sources whose objects (lines of a JSON Lines file, or items of a document)
become several records each."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kg.errors import RecordError
from kg.importers import Item, decode_lines, open_binary

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
        except RecursionError:
            yield RecordError(str(path), number, "json", "nested too deeply to be a record")
            continue
        if not isinstance(row, dict):
            yield RecordError(str(path), number, "json", "expected a JSON object")
            continue
        yield from records_of(str(path), number, partial(to_records, row), field_names)


def records_of(
    file: str,
    location: int | str,
    make: Callable[[], Iterable[Any]],
    field_names: dict[str, str] | None = None,
) -> Iterator[Item]:
    """The records ``make`` returns, all validated before the first is yielded, or the RecordErrors that
    say what was wrong, at ``location`` (a line, or a JSON path)."""
    try:
        records = list(make())
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            location_parts = [str(part) for part in detail["loc"]]
            if location_parts and field_names:
                location_parts[0] = field_names.get(location_parts[0], location_parts[0])
            field = ".".join(location_parts) or "record"
            message = detail["msg"].removeprefix("Value error, ")
            if not location_parts and detail["type"] == "value_error" and ": " in message:
                field, _, message = message.partition(": ")  # a check across fields names its field
            yield RecordError(file, location, field, message)
        return
    except KeyError as error:
        yield RecordError(file, location, str(error).strip("'\""), "missing")
        return
    except ValueError as error:
        field, _, message = str(error).partition(": ")
        yield RecordError(file, location, field, message or "invalid")
        return
    except (AttributeError, IndexError, TypeError) as error:  # a value of another type than the source's
        yield RecordError(file, location, "record", f"not the shape this format has ({error})")
        return
    for record in records:
        yield location, record


def read_document(path: Path, what: str) -> Any:
    """A whole JSON document (a saved API response, bounded by the API's page size); a file that is not
    one raises ValueError naming ``what`` was expected."""
    try:
        with open_binary(path) as raw:
            return json.loads(raw.read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ValueError(f"not {what} ({error})") from None


def is_json_lines(path: Path) -> bool:
    """Whether a file holds several JSON objects, one a line (a one-line file is read as a document)."""
    with open_binary(path) as raw:
        try:
            if not isinstance(json.loads(raw.readline()), dict):
                return False
        except (ValueError, RecursionError):
            return False
        return any(line.strip() for line in iter(raw.readline, b""))


def keys_of(line: str) -> set[str]:
    """The keys of a JSON object line, or nothing."""
    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        return set()
    return set(row) if isinstance(row, dict) else set()
