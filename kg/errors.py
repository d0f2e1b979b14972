"""citekg's errors: every one carries the message a user should read.

- ``CitekgError``: the base of them all; the CLI prints its message and exits non-zero.
- ``InvalidInput``: a file had records that do not fit their format (one ``RecordError`` each).
- ``UnknownFormat``: a file is in no format citekg reads.
- ``UnknownPaper``: no paper in the store has the id asked for.
- ``StoreBusy``: another process holds the store.
- ``QueryError``: a saved query is unknown, or a parameter is missing, unknown or of the wrong type.

  - ``QueryTimeout``: a query ran past its time limit (it was fine; the limit was too low).

- ``RemoteError``: a SPARQL endpoint or Graph Store refused a request or did not answer.
- ``InvalidArgument``: a command was given something that cannot work: an id that is no id, a file
  that is not there, options that contradict each other.
- ``InvalidSetting``: a setting cannot work (an IRI base that is not an absolute IRI ending in / or #).
- ``OutdatedStore``: another citekg (mostly an older one) derived the store's consensus graph; ``kg rebuild``
  derives it again.
"""

from __future__ import annotations

from dataclasses import dataclass


class CitekgError(Exception):
    """Base of citekg's errors."""

    exit_code = 1


@dataclass(frozen=True)
class RecordError:
    """One thing wrong with one record, located as FILE:LINE: FIELD."""

    file: str
    line: int | str  # a line number, or a JSON path in a JSON document
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class InvalidInput(CitekgError):
    """A file had invalid records; nothing of it was stored."""

    exit_code = 2

    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = errors
        super().__init__("\n".join(map(str, errors)))


class UnknownFormat(CitekgError):
    exit_code = 2


class UnknownPaper(CitekgError):
    exit_code = 3


class StoreBusy(CitekgError):
    exit_code = 4


class QueryError(CitekgError):
    exit_code = 2


class QueryTimeout(QueryError):
    exit_code = 1


class RemoteError(CitekgError):
    """What a remote store said, or that it did not answer; a load through it resumes when run again."""


class InvalidArgument(CitekgError):
    exit_code = 2


class InvalidSetting(CitekgError):
    exit_code = 2


class OutdatedStore(CitekgError):
    exit_code = 6
