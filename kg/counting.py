"""Files that say how many bytes are read from them: how far a long read (an importer's pass over a
source file, the store's bulk load of scratch files) has gone, for a progress display; and several
files read as one, for one bulk load of them all."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any


class _Joined(io.RawIOBase):
    """Files read one after the other, each read told to ``report`` (if any)."""

    def __init__(self, paths: Sequence[Path], report: Callable[[int], None] | None) -> None:
        self._waiting, self._report = list(paths), report
        self._raw: IO[bytes] | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._raw is None:
                if not self._waiting:
                    return 0
                self._raw = self._waiting.pop(0).open("rb", buffering=0)
            count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
            if count:
                if self._report is not None:
                    self._report(count)
                return int(count)
            self._raw.close()
            self._raw = None

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        super().close()


def open_counted(path: Path, report: Callable[[int], None], buffer: int = 1 << 16) -> IO[bytes]:
    """``path`` opened for reading bytes, telling ``report`` the size of each read from the disk."""
    return open_joined([path], report, buffer)


def open_joined(
    paths: Sequence[Path], report: Callable[[int], None] | None = None, buffer: int = 1 << 16
) -> IO[bytes]:
    """The files read as one stream of bytes, in order (telling ``report`` of each read, if given)."""
    return io.BufferedReader(_Joined(paths, report), buffer)
