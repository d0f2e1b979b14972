from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kg.errors import InvalidInput, RecordError
from kg.hub import summary
from kg.importers import detect
from kg.importers.s2api import read_api
from kg.loader import load
from kg.records import Annotation, Citation, Paper, Unplaced
from kg.store import Store

from .conftest import DATA, SHARED_DATA

S2 = SHARED_DATA / "s2-api"
HUB = "doi:10.5555/s2.hub"
shared = pytest.mark.skipif(not S2.exists(), reason="../shared/data is not here")


def records(path: Path, paper: str | None = HUB) -> list:
    items = list(read_api(path, paper))
    assert not [i for i in items if isinstance(i, RecordError)], items
    return [record for _, record in items]


def test_a_citations_page() -> None:
    found = records(DATA / "s2-citations-page.json")
    papers = [r for r in found if isinstance(r, Paper)]
    assert [(str(p.id), [str(i) for i in p.all_ids], p.summary) for p in papers] == [
        ("s2:" + "1" * 40, ["doi:10.5555/s2.one", "s2:" + "1" * 40, "corpusid:11"], "One sentence."),
        ("s2:" + "2" * 40, ["arxiv:2301.00001", "s2:" + "2" * 40], None),
    ]
    assert papers[0].date == "2023-05-02" and papers[0].authors[0].name == "Ada"
    citations = [r for r in found if isinstance(r, Citation)]
    assert [(str(c.citing), str(c.cited), c.influential, len(c.contexts)) for c in citations] == [
        ("s2:" + "1" * 40, HUB, True, 2),
        ("s2:" + "2" * 40, HUB, False, 0),
    ]
    assert [a.role.value for a in found if isinstance(a, Annotation)] == ["method", "background"]
    assert sum(isinstance(r, Unplaced) for r in found) == 1
    assert detect(DATA / "s2-citations-page.json").name == "s2-api"


def test_a_page_needs_its_paper(store: Store) -> None:
    errors = [i for i in read_api(DATA / "s2-citations-page.json", None) if isinstance(i, RecordError)]
    assert str(errors[0]).endswith(
        "data[0]: paper: a citations or references page does not name its paper; give it with --paper"
    )
    with pytest.raises(InvalidInput):
        load(store, DATA / "s2-citations-page.json")


def test_a_batch_with_an_id_not_found() -> None:
    items = list(read_api(DATA / "s2-batch.json"))
    assert isinstance(items[0][1], Unplaced)
    assert [str(e) for e in items if isinstance(e, RecordError)] == [
        f"{DATA / 's2-batch.json'}:[1]: year: Input should be a valid integer, "
        "unable to parse string as an integer"
    ]
    assert str(items[-1][1].id) == "s2:" + "4" * 40


def test_the_hub_of_a_paper_loaded_from_citation_pages_shows_its_intents(store: Store) -> None:
    load(store, DATA / "s2-citations-page.json", paper=HUB)
    hub = summary(store, HUB)
    assert (hub.citing_papers, hub.annotated) == (2, 1)
    assert [(s.label, s.count) for s in hub.roles] == [("method", 1)]  # method beats background on a tie
    assert summary(store, "doi:10.5555/S2.ONE").paper.ids["corpusid"] == ["11"]


def cassette_bodies(path: Path) -> list[str]:
    recorded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [interaction["response"]["body"]["string"] for interaction in recorded["interactions"]]


@shared
def test_shared_items_and_paper(store: Store) -> None:
    citing = load(store, S2 / "Citation.json", paper=HUB)
    assert dict(citing.counts) == {"paper": 1, "citation": 1, "annotation": 3}
    cited = load(store, S2 / "Reference.json", paper=HUB)
    assert cited.counts["citation"] == 1
    paper = load(store, S2 / "derived" / "Paper.trimmed.json")
    assert paper.counts["paper"] == 1
    turing = summary(store, "doi:10.1093/MIND/LIX.236.433")
    assert turing.paper.title == "Computing Machinery and Intelligence"
    assert set(turing.paper.ids) == {"doi", "s2", "corpusid"}
    intents = json.loads((S2 / "Citation.json").read_text())["intents"]
    hub = summary(store, HUB)
    assert hub.citing_papers == 1 and hub.roles[0].label == "method" and "methodology" in intents


@shared
def test_shared_recorded_pages_and_batch(store: Store, tmp_path: Path) -> None:
    pages = cassette_bodies(S2 / "test_get_paper_references.yaml")
    total = placed = 0
    for number, body in enumerate(pages):
        page = tmp_path / f"references-{number}.json"
        page.write_text(body, encoding="utf-8")
        report = load(store, page, paper=HUB)
        items = json.loads(body)["data"]
        total += len(items)
        placed += sum(1 for item in items if item["citedPaper"]["paperId"])
        assert report.counts["citation"] + report.unplaced == len(items)
    assert len(pages) == 2 and summary(store, HUB).citing_papers == 0 and placed > 0
    batch = tmp_path / "batch.json"
    batch.write_text(cassette_bodies(S2 / "test_get_papers_not_found_warning.yaml")[0], encoding="utf-8")
    report = load(store, batch)
    body = json.loads(batch.read_text())
    assert report.unplaced == body.count(None) == 1
    assert report.counts["paper"] == len(body) - 1
