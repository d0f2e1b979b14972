from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kg.errors import RecordError
from kg.hub import summary
from kg.importers import detect
from kg.importers.crossref import read_crossref
from kg.loader import load
from kg.records import Citation, Notice, Paper
from kg.store import Store

from .conftest import DATA, SHARED_DATA

CASSETTE = SHARED_DATA / "crossref" / "test_works_with_one_id.yaml"


def test_a_work_and_its_references() -> None:
    items = list(read_crossref(DATA / "crossref-work.json"))
    assert not [i for i in items if isinstance(i, RecordError)]
    papers = [r for _, r in items if isinstance(r, Paper)]
    work = papers[0]
    assert (str(work.id), work.title, work.abstract, work.year, work.date, work.venue) == (
        "doi:10.5555/cr.one",
        "A tagged title",
        "Short abstract.",
        2012,
        "2012-03",
        "Journal C",
    )
    assert [(a.name, a.orcid) for a in work.authors] == [("Ada Lovelace", "0000-0002-1825-0097")]
    assert [(str(p.id), p.title, p.year) for p in papers[1:]] == [
        ("ref:10.5555/cr.one#ref2", "An entry without a DOI", 1978),
        ("ref:10.5555/cr.one#ref3", "Smith J. Some book. 2001.", None),
    ]
    assert [str(c.cited) for _, c in items if isinstance(c, Citation)] == [
        "doi:10.5555/cr.two",
        "ref:10.5555/cr.one#ref2",
        "ref:10.5555/cr.one#ref3",
    ]
    assert detect(DATA / "crossref-work.json").name == "crossref"


def test_a_page_of_items(tmp_path: Path) -> None:
    work = json.loads((DATA / "crossref-work.json").read_text())["message"]
    page = tmp_path / "page.json"
    page.write_text(
        json.dumps({"status": "ok", "message-type": "work-list", "message": {"items": [work, work]}})
    )
    assert sum(isinstance(r, Paper) for _, r in read_crossref(page)) == 6


@pytest.mark.skipif(not CASSETTE.exists(), reason="../shared/data is not here")
def test_the_shared_recorded_work(store: Store, tmp_path: Path) -> None:
    body = yaml.safe_load(CASSETTE.read_text(encoding="utf-8"))["interactions"][0]["response"]["content"]
    references = json.loads(body)["message"]["reference"]
    path = tmp_path / "work.json"
    path.write_text(body, encoding="utf-8")
    report = load(store, path)
    without_doi = sum(1 for entry in references if "DOI" not in entry)
    assert report.counts["citation"] == len(references) == 70
    assert report.counts["paper"] == 1 + without_doi
    hub = summary(store, "doi:10.1371/journal.pone.0033693")
    assert hub.paper.year == 2012


def test_crossmark_updates_become_notices(tmp_path: Path) -> None:
    """A retraction notice names what it retracts (update-to); a corrected work names its correction
    (updated-by); update types without a nature (a new version) are left out."""
    notice = {
        "DOI": "10.5555/notice.1",
        "title": ["Retraction notice to: A Retracted Study"],
        "update-to": [
            {"DOI": "10.5555/retracted.1", "type": "retraction", "updated": {"date-parts": [[2019, 3, 5]]}},
            {"DOI": "10.5555/other.1", "type": "new_version", "updated": {"date-parts": [[2019, 3, 5]]}},
        ],
    }
    corrected = {
        "DOI": "10.5555/corrected.1",
        "updated-by": [
            {"DOI": "10.5555/erratum.1", "type": "erratum", "updated": {"date-parts": [[2020, 1]]}}
        ],
    }
    path = tmp_path / "works.json"
    path.write_text(json.dumps({"message": {"items": [notice, corrected]}}), encoding="utf-8")
    notices = [record for _, record in read_crossref(path) if isinstance(record, Notice)]
    assert [(n.paper.value, n.nature.value, n.date, n.doi, n.source) for n in notices] == [
        ("10.5555/retracted.1", "retraction", "2019-03-05", "10.5555/notice.1", "Crossref"),
        ("10.5555/corrected.1", "correction", "2020-01", "10.5555/erratum.1", "Crossref"),
    ]


@pytest.mark.skipif(not CASSETTE.exists(), reason="../shared/data is not here")
def test_the_shared_recorded_work_names_its_correction(store: Store, tmp_path: Path) -> None:
    body = yaml.safe_load(CASSETTE.read_text(encoding="utf-8"))["interactions"][0]["response"]["content"]
    path = tmp_path / "work.json"
    path.write_text(body, encoding="utf-8")
    load(store, path)
    hub = summary(store, "doi:10.1371/journal.pone.0033693")
    assert [(n.nature, n.date, n.doi) for n in hub.notices] == [
        ("correction", "2012-05-08", "10.1371/annotation/c76da2c1-ccb8-4797-94c1-359d3ceceeda")
    ]
    assert hub.after_notice is None  # a correction does not contest the paper
