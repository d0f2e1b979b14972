"""Sorting a large text file in bounded memory: sorted runs on disk, then a streaming merge.

The loader uses it to bring together, line by line, what a file says about each citation wherever in
the file it says it, without holding the file in memory.
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path


def sorted_lines(path: Path, run_lines: int = 500_000) -> Iterator[str]:
    """The lines of a text file in sorted order, holding at most ``run_lines`` lines in memory.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     source = pathlib.Path(folder) / "lines"
    ...     _ = source.write_text("b\\nc\\na\\nb\\n")
    ...     list(sorted_lines(source, run_lines=2))
    ['a\\n', 'b\\n', 'b\\n', 'c\\n']
    """
    with ExitStack() as runs, path.open(encoding="utf-8") as lines:
        files = []
        while chunk := list(islice(lines, run_lines)):
            chunk.sort()
            run = runs.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", dir=path.parent))
            run.writelines(chunk)
            run.seek(0)
            files.append(run)
        yield from heapq.merge(*files)
