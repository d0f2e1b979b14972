"""Shared fixtures: stores (empty, and loaded with the example data) and paths to test data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.load import load
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = ROOT / "examples" / "hub.jsonl"
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_BASE = "http://example.org/kg/"


@pytest.fixture
def store() -> Iterator[Store]:
    """An empty in-memory store minting under the test base."""
    yield Store(None, base=TEST_BASE)


@pytest.fixture
def disk_store(tmp_path: Path) -> Iterator[Store]:
    """An empty store on disk."""
    with Store(tmp_path / "store") as opened:
        yield opened


@pytest.fixture(scope="module")
def example_store() -> Store:
    """A store holding the example data (read-only use: it is shared by a module's tests)."""
    loaded = Store(None)
    load(loaded, EXAMPLE)
    return loaded


def write_jsonl(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
