"""Importers read a source file and yield validated records, each with the line it came from.

Each importer is a generator, so a file of any size streams through in constant memory. A record that
does not fit its format is yielded as a ``RecordError`` in its place; the loader decides whether that
stops the load or is skipped and reported.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kg.counting import open_counted
from kg.errors import RecordError, UnknownFormat
from kg.records import Annotation, Citation, Notice, Paper, Raw, Unplaced

Item = tuple[int | str, Paper | Citation | Annotation | Notice | Raw | Unplaced] | RecordError


_reading: ContextVar[Callable[[int], None] | None] = ContextVar("reading", default=None)


@contextmanager
def counting_reads(report: Callable[[int], None] | None) -> Iterator[None]:
    """While the block runs, tell ``report`` how many bytes each read of a source file took from the
    disk (compressed bytes for ``.gz``): how far a load has read, whichever importer reads."""
    token = _reading.set(report)
    try:
        yield
    finally:
        _reading.reset(token)


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, gunzipping ``.gz`` files (reads counted, see ``counting_reads``)."""
    report = _reading.get()
    raw = path.open("rb") if report is None else open_counted(path, report)
    return gzip.open(raw, "rb") if path.suffix == ".gz" else raw  # type: ignore[return-value]


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


def csv_rows(path: Path, columns: str) -> Iterator[tuple[int, dict[str, str]] | RecordError]:
    """The rows of a CSV file by its header's names, each with the line it starts on (a cell may hold
    newlines); blank rows are skipped; a row whose cells do not match the header, and the rest of a file
    that is not UTF-8 or not CSV, come as RecordErrors. ``columns`` says what the header should be."""
    with open_binary(path) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        try:
            header = [name.strip() for name in next(reader)]
        except (StopIteration, UnicodeDecodeError, csv.Error):
            yield RecordError(str(path), 1, "header", f"expected the columns {columns}")
            return
        line = reader.line_num
        try:
            for cells in reader:
                start, line = line + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(header):
                    yield RecordError(
                        str(path), start, "row", f"expected {len(header)} columns, got {len(cells)}"
                    )
                    continue
                yield start, dict(zip(header, cells, strict=True))
        except UnicodeDecodeError as error:
            yield RecordError(str(path), line + 1, "encoding", f"not UTF-8 ({error.reason})")
        except csv.Error as error:  # a quote never closed, say: the rest of the file is unreadable
            yield RecordError(str(path), line + 1, "row", f"not CSV: {error}")


@dataclass(frozen=True)
class Format:
    """A format citekg reads: how to recognise it from the start of a file, and how to read it.

    ``read`` takes the file and, for sources whose files leave it out, the paper they are about (the
    paper of a Semantic Scholar citations page).
    """

    name: str
    description: str
    example: str
    recognises: Callable[[str], bool]  # given the file's first 64 KiB
    read: Callable[[Path, str | None], Iterator[Item]]


HEAD_BYTES = 65_536  # what format detection reads of a file


def head(path: Path) -> str:
    with open_binary(path) as data:
        return data.read(HEAD_BYTES).removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")


def first_line(text: str) -> str:
    return text.split("\n", 1)[0].strip()


def formats() -> dict[str, Format]:
    """Every format ``kg load`` reads, by name, in the order they are tried."""
    from kg.importers import (
        aclarc,
        crossref,
        native,
        openalex,
        opencitations,
        opencitations_meta,
        opencitations_rdf,
        retractionwatch,
        s2api,
        scicite,
        semanticscholar,
    )

    found = (
        *opencitations.FORMATS,
        *opencitations_meta.FORMATS,
        *opencitations_rdf.FORMATS,
        *retractionwatch.FORMATS,
        *semanticscholar.FORMATS,
        *s2api.FORMATS,
        *openalex.FORMATS,
        *crossref.FORMATS,
        *scicite.FORMATS,
        *aclarc.FORMATS,
        native.FORMAT,
    )
    return {f.name: f for f in found}


def detect(path: Path) -> Format:
    """The format of a file, from its start; UnknownFormat names the formats tried."""
    start = head(path)
    for candidate in formats().values():
        if candidate.recognises(start):
            return candidate
    tried = ", ".join(formats())
    raise UnknownFormat(
        f"{path}: not a format citekg reads (tried {tried}); it starts {first_line(start)[:80]!r}"
    )


def read(path: Path, fmt: str | None = None, paper: str | None = None) -> Iterator[Item]:
    """Read a file in the given format, or in the one its content shows."""
    if fmt is None:
        return detect(path).read(path, paper)
    if fmt not in formats():
        raise UnknownFormat(f"unknown format {fmt!r}; expected one of {', '.join(formats())}")
    return formats()[fmt].read(path, paper)
