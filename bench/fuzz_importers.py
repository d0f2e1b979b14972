"""Coverage-guided fuzzing of the importers with atheris (not part of the test suite).

    pip install atheris
    python bench/fuzz_importers.py -atheris_runs=200000 [corpus folder ...]

Each input is written to a file and read by one importer (the first byte picks which), the way
``kg load`` reads it: every record must come out as a record or as a RecordError, and a whole file may
be refused with a CitekgError. Anything else escaping an importer is a crash: atheris stops and saves
the input that caused it. The seed corpus is the test data (tests/data, its bad-input corpus, examples).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from kg import importers
    from kg.errors import CitekgError

ROOT = Path(__file__).resolve().parent.parent
FORMATS = sorted(importers.formats())
SCRATCH = Path(tempfile.mkdtemp(prefix="fuzz-")) / "input"


def one_input(data: bytes) -> None:
    if not data:
        return
    fmt = FORMATS[data[0] % len(FORMATS)]
    SCRATCH.write_bytes(data[1:])
    try:
        for _ in importers.read(SCRATCH, fmt, paper="s2:" + "a" * 40):
            pass
    except CitekgError:
        pass  # the whole file refused with a message: allowed


def seeds(folder: Path) -> None:
    """Seed files, each prefixed with the byte that picks the importer it is written for."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*(ROOT / "tests" / "data").rglob("*"), *(ROOT / "examples").glob("*.jsonl")]:
        if path.is_file() and path.stat().st_size < 100_000:
            try:
                fmt = importers.detect(path).name
            except CitekgError:
                fmt = "native"
            (folder / path.name).write_bytes(bytes([FORMATS.index(fmt)]) + path.read_bytes())


if __name__ == "__main__":
    corpus = ROOT / "bench" / "work" / "fuzz-corpus"
    seeds(corpus)
    given_corpus = len(sys.argv) > 1 and not sys.argv[-1].startswith("-")
    arguments = sys.argv if given_corpus else [*sys.argv, str(corpus)]
    atheris.Setup(arguments, one_input)
    atheris.Fuzz()
