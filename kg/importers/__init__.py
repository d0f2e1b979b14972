"""Importers read a source file and yield validated records, each with the line it came from.

Each importer is a generator, so a file of any size streams through in constant memory. A record that
does not fit its format is yielded as a ``RecordError`` in its place; the loader decides whether that
stops the load or is skipped and reported.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kg.errors import RecordError
from kg.records import Annotation, Citation, Paper

Item = tuple[int, Paper | Citation | Annotation] | RecordError


def open_text(path: Path) -> IO[str]:
    """Open a file for reading as UTF-8 text, gunzipping ``.gz`` files."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open(encoding="utf-8")


def read(path: Path) -> Iterator[Item]:
    """Read a file in the native format (the only one so far)."""
    from kg.importers.native import read_native

    return read_native(path)
