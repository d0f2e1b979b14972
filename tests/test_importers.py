"""What every importer shares: detection from content, and gzip-compressed files read as they are."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from kg.errors import RecordError
from kg.importers import detect, formats, read

from .conftest import DATA

FIXTURES = {
    "native": "mapping-input.jsonl",
    "opencitations-index": "index-current.csv",
    "opencitations-meta": "meta-dump.csv",
    "opencitations-rdf": "oc-meta.nq",
    "s2-citations": "s2-citations.jsonl",
    "s2-api": "s2-batch.json",
    "openalex": "openalex-works.jsonl",
    "crossref": "crossref-work.json",
    "scicite": "scicite.jsonl",
    "acl-arc": "aclarc.jsonl",
    "retraction-watch": "retraction-watch.csv",
}


def test_every_format_has_a_fixture() -> None:
    assert set(FIXTURES) == set(formats())


@pytest.mark.parametrize(("name", "fixture"), FIXTURES.items())
def test_gzip_files_read_like_plain_ones(tmp_path: Path, name: str, fixture: str) -> None:
    plain = DATA / fixture
    packed = tmp_path / (fixture + ".gz")
    with plain.open("rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    assert detect(plain).name == detect(packed).name == name

    def records(path: Path) -> list:
        return [
            item[1] if not isinstance(item, RecordError) else (item.line, item.field, item.message)
            for item in read(path, name, paper="doi:10.5555/s2.hub")
        ]

    assert records(packed) == records(plain)
    assert records(plain)
