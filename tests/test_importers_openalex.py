from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from kg.errors import RecordError
from kg.hub import summary
from kg.importers import detect
from kg.importers.openalex import read_works
from kg.loader import load
from kg.queries import run_query
from kg.records import Citation, Notice, Paper
from kg.store import Store

from .conftest import DATA, SHARED_DATA

CASSETTE = SHARED_DATA / "openalex" / "test_single_work_by_openalex_id.yaml"


def test_works_as_json_lines() -> None:
    items = list(read_works(DATA / "openalex-works.jsonl"))
    assert not [i for i in items if isinstance(i, RecordError)]
    papers = [r for _, r in items if isinstance(r, Paper)]
    assert [[str(i) for i in p.all_ids] for p in papers] == [
        ["doi:10.5555/oa.one", "pmid:777", "openalex:W101"],
        ["openalex:W202"],
    ]
    first = papers[0]
    assert (first.abstract, first.venue, first.date, first.authors[0].orcid) == (
        "Citations matter",
        "Journal A",
        "2020-03-04",
        "0000-0002-1825-0097",
    )
    assert [str(c.cited) for _, c in items if isinstance(c, Citation)] == ["openalex:W202", "openalex:W303"]
    assert detect(DATA / "openalex-works.jsonl").name == "openalex"


def test_a_list_and_a_results_page(tmp_path: Path) -> None:
    works = [json.loads(line) for line in (DATA / "openalex-works.jsonl").read_text().splitlines()]
    for name, document in (("list.json", works), ("page.json", {"meta": {"count": 2}, "results": works})):
        path = tmp_path / name
        path.write_text(json.dumps(works if name == "list.json" else document, indent=2))
        assert detect(path).name == "openalex"
        assert sum(isinstance(r, Paper) for _, r in read_works(path)) == 2


@pytest.mark.skipif(not CASSETTE.exists(), reason="../shared/data is not here")
def test_the_shared_recorded_work(store: Store, tmp_path: Path) -> None:
    recorded = yaml.safe_load(CASSETTE.read_text(encoding="utf-8"))
    body = gzip.decompress(recorded["interactions"][0]["response"]["body"]["string"])
    work = json.loads(body)
    path = tmp_path / "work.json"
    path.write_bytes(body)
    report = load(store, path)
    assert (report.counts["paper"], report.counts["citation"]) == (1, len(work["referenced_works"]))
    hub = summary(store, "https://doi.org/10.7717/peerj.4375")
    assert hub.paper.title == work["title"]
    assert hub.paper.ids["openalex"] == ["W2741809807"]
    words = sum(len(positions) for positions in work["abstract_inverted_index"].values())
    paper = run_query(store, "paper", {"paper": work["doi"]}).rows[0]
    assert len(paper["abstract"].split()) == words


def test_a_retracted_work_gets_a_retraction_notice(store: Store, tmp_path: Path) -> None:
    works = [
        {"id": "https://openalex.org/W1", "title": "Withdrawn", "is_retracted": True, "referenced_works": []},
        {"id": "https://openalex.org/W2", "title": "Standing", "is_retracted": False, "referenced_works": []},
    ]
    path = tmp_path / "works.json"
    path.write_text(json.dumps(works), encoding="utf-8")
    notices = [record for _, record in read_works(path) if isinstance(record, Notice)]
    assert [(n.paper.value, n.nature.value, n.date, n.source) for n in notices] == [
        ("W1", "retraction", None, "OpenAlex")
    ]
    load(store, path)
    assert [n.nature for n in summary(store, "openalex:W1").notices] == ["retraction"]
    assert summary(store, "openalex:W1").after_notice is None  # undated: no "after" to count
    assert summary(store, "openalex:W2").notices == []
