from __future__ import annotations

import csv

import pytest

from kg.errors import RecordError
from kg.hub import summary
from kg.ids import SCHEMES
from kg.importers import detect
from kg.importers.opencitations_meta import read_meta
from kg.loader import load
from kg.records import Paper, Unplaced
from kg.store import Store

from .conftest import DATA, SHARED_DATA

META = SHARED_DATA / "opencitations"


def test_the_dump_column_order() -> None:
    items = list(read_meta(DATA / "meta-dump.csv"))
    paper = items[0][1]
    assert isinstance(paper, Paper)
    assert [str(i) for i in paper.all_ids] == ["doi:10.5555/meta.one", "openalex:W42", "omid:br/0612"]
    assert (paper.title, paper.date, paper.venue) == ("A title, with a comma", "2023-03", "Journal M")
    assert [(a.name, a.orcid) for a in paper.authors] == [
        ("Eri Iwamoto", None),
        ("Kenji Kadoi", "0000-0002-9370-6293"),
    ]
    assert isinstance(items[1][1], Unplaced)  # an ISSN names a venue, not a paper
    assert detect(DATA / "meta-dump.csv").name == "opencitations-meta"


def test_the_input_column_order_with_newlines_and_bad_rows() -> None:
    items = list(read_meta(DATA / "meta-input.csv"))
    paper = items[0][1]
    assert (items[0][0], paper.title, paper.year, paper.venue) == (2, "Two lines\nof title", None, "Book")
    assert [str(i) for i in paper.all_ids] == ["doi:10.5555/meta.two", "omid:br/0601"]
    assert [a.name for a in paper.authors] == ["Silvio Peroni", "David Shotton"]
    assert isinstance(items[1][1], Unplaced)
    assert [(e.line, e.field) for e in items if isinstance(e, RecordError)] == [(5, "author")]


def test_a_paper_described_by_meta_and_cited_in_the_index_is_one_node(store: Store) -> None:
    load(store, DATA / "meta-dump.csv", skip_invalid=True)
    load(store, DATA / "index-coci.csv")
    hub = summary(store, "omid:br/0612")
    assert hub.paper.title == "A title, with a comma"
    assert set(hub.paper.ids) == {"doi", "openalex", "omid"}


@pytest.mark.skipif(not META.exists(), reason="../shared/data is not here")
@pytest.mark.parametrize(
    "sample",
    [
        "cthoyt__opencitations-client/articles_sample.csv",
        "opencitations__oc_meta/example_metadata.csv",
        "opencitations__oc_meta/real_data.csv",
        "opencitations__oc_meta/testcase_X_data.csv",
    ],
)
def test_shared_meta_samples_load_with_their_counts(store: Store, sample: str) -> None:
    with (META / sample).open(encoding="utf-8", newline="") as rows:
        identified = sum(
            1
            for row in csv.DictReader(rows)
            if any(token.split(":")[0] in SCHEMES for token in row["id"].replace(";", " ").split())
        )
    report = load(store, META / sample, skip_invalid=True)
    assert report.counts["paper"] + len(report.skipped) == identified
    assert report.unplaced + identified == sum(1 for _ in csv.DictReader((META / sample).open(newline="")))
    if "testcase_X" in sample:  # deliberately dirty: a malformed ORCID
        assert [e.field for e in report.skipped] == ["author"]
    else:
        assert not report.skipped


def test_fields_longer_than_the_default_csv_limit(tmp_path) -> None:
    authors = "; ".join(f"Family{i}, Given{i} [omid:ra/06{i}]" for i in range(8000))
    path = tmp_path / "long.csv"
    path.write_text(
        "id,title,author,issue,volume,venue,page,pub_date,type,publisher,editor\n"
        f'doi:10.5555/long,Long,"{authors}",,,,,2020,journal article,,\n',
        encoding="utf-8",
    )
    assert len(authors) > 131_072
    ((_, paper),) = list(read_meta(path))
    assert len(paper.authors) == 8000
