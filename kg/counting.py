"""Files that say how many bytes are read from them: how far a long read (an importer's pass over a
source file, the store's bulk load of a scratch file) has gone, for a progress display."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any


class _Counted(io.RawIOBase):
    def __init__(self, raw: IO[bytes], report: Callable[[int], None]) -> None:
        self._raw, self._report = raw, report

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if count:
            self._report(count)
        return count or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_counted(path: Path, report: Callable[[int], None], buffer: int = 1 << 16) -> IO[bytes]:
    """``path`` opened for reading bytes, telling ``report`` the size of each read from the disk."""
    return io.BufferedReader(_Counted(path.open("rb", buffering=0), report), buffer)
