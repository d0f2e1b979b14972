"""Importers read a source file and yield validated records, each with the line it came from.

Each importer is a generator, so a file of any size streams through in constant memory. A record that
does not fit its format is yielded as a ``RecordError`` in its place; the loader decides whether that
stops the load or is skipped and reported.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kg.errors import RecordError
from kg.records import Annotation, Citation, Paper

Item = tuple[int, Paper | Citation | Annotation] | RecordError


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, gunzipping ``.gz`` files."""
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def decode_lines(path: Path) -> Iterator[tuple[int, str] | RecordError]:
    """Yield ``(line number, text)`` for each line, or a RecordError for a line that is not UTF-8.

    Lines are decoded one by one, so a bad byte is reported on its own line and the rest still reads.
    A UTF-8 byte-order mark at the start of the file is dropped.
    """
    with open_binary(path) as lines:
        for number, raw in enumerate(lines, 1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield RecordError(
                    str(path),
                    number,
                    "encoding",
                    f"not UTF-8: byte {raw[error.start]:#04x} at column {error.start + 1}",
                )


def read(path: Path) -> Iterator[Item]:
    """Read a file in the native format (the only one so far)."""
    from kg.importers.native import read_native

    return read_native(path)
