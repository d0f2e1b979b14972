from __future__ import annotations

import json
import random
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg import queries, representatives
from kg.consensus import rebuild
from kg.errors import CitekgError
from kg.hub import summary
from kg.ids import parse_id
from kg.loader import drop, load
from kg.representatives import KEPT, Candidate, choose
from kg.store import Store
from kg.vocab import CKG, Role

from .conftest import store_dataset, without_consensus_time

HUB = "doi:10.1/hub"
ROLES = ["background", "method", "comparison", "extension", "motivation", "future_work"]


def _papers(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "type": "paper",
            "id": f"doi:10.1/p{i}",
            "title": f"Paper {rng.randint(0, 5)}",
            "year": rng.choice([2019, 2020, 2021]),
            **({"summary": f"What paper {i} does."} if i % 4 else {}),
        }
        for i in range(count)
    ]


def _citations(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    for i in range(count):
        rows.append({"type": "citation", "citing": f"doi:10.1/p{i}", "cited": HUB})
        if i % 5:
            rows.append(
                {
                    "type": "annotation",
                    "citing": f"doi:10.1/p{i}",
                    "cited": HUB,
                    "role": ROLES[0] if i % 3 else rng.choice(ROLES),
                    "confidence": rng.choice([0.5, 0.75, 1.0]),
                    "annotator": {"id": "model", "kind": "model"},
                }
            )
        if i % 11 == 0:
            rows.append(
                {
                    "type": "annotation",
                    "citing": f"doi:10.1/p{i}",
                    "cited": HUB,
                    "role": rng.choice(ROLES),
                    "annotator": {"id": "reviewer", "kind": "human"},
                }
            )
    return rows


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _consensus(store: Store) -> Graph:
    """The consensus graph less the time it was computed (a rebuild computes it again, and says when)."""
    dataset: Dataset = without_consensus_time(store_dataset(store), store)
    return dataset.graph(store.consensus_graph.value)


def _kept(store: Store) -> list[tuple[int, str]]:
    rows = store.query(
        "SELECT ?rank ?citing WHERE { GRAPH ?g { ?paper ckg:hasRepresentativeCitation ?c . "
        "?c ckg:representativeRank ?rank ; cito:hasCitingEntity ?citing } } ORDER BY ?rank"
    )
    return [(int(row["rank"].value), row["citing"].value) for row in rows]


def test_choose_keeps_the_best_overall_and_the_best_of_every_role() -> None:
    candidates = [
        Candidate(f"c{i}", f"p{i}", "background" if i < 40 else "method", i == 39, 1.0 - i / 100, 2020, "")
        for i in range(41)
    ]
    kept = choose(candidates)
    assert [candidate.citation for _, candidate in kept[:2]] == ["c39", "c0"]  # the human first
    assert [rank for rank, _ in kept] == list(range(1, KEPT + 2))  # ranks among the kept
    assert kept[-1][1].role == "method"


def test_a_load_into_an_empty_store_ranks_as_a_rebuild_from_the_store_does(
    store: Store, tmp_path: Path
) -> None:
    load(store, _write(tmp_path / "hub.jsonl", _papers(60) + _citations(60)))
    from_file = _consensus(store)
    assert _kept(store)
    rebuild(store)
    assert isomorphic(_consensus(store), from_file)


def test_papers_described_after_their_citations_become_representatives(store: Store, tmp_path: Path) -> None:
    load(store, _write(tmp_path / "citations.jsonl", _citations(60)))
    assert _kept(store) == []  # no citing paper has a summary yet
    papers = load(store, _write(tmp_path / "papers.jsonl", _papers(60))).graph
    together = Store(None, base=store.minter.base)
    load(together, _write(tmp_path / "all.jsonl", _papers(60) + _citations(60)))
    assert _kept(store) == _kept(together)
    drop(store, papers)
    assert _kept(store) == []


def test_a_new_human_annotation_reranks_the_cited_paper(store: Store, tmp_path: Path) -> None:
    load(store, _write(tmp_path / "hub.jsonl", _papers(60) + _citations(60)))
    last = _kept(store)[-1][1]
    human = {"type": "annotation", "citing": "doi:10.1/" + last.rsplit("/", 1)[-1], "cited": HUB}
    review = {**human, "role": "future_work", "annotator": {"id": "ed", "kind": "human"}}
    load(store, _write(tmp_path / "review.jsonl", [review]))
    assert last in [citing for _, citing in _kept(store)[:6]]  # humans rank first
    maintained = _consensus(store)
    rebuild(store)
    assert isomorphic(_consensus(store), maintained)


def test_the_materialised_ranking_is_the_ranking_of_all_candidates(store: Store, tmp_path: Path) -> None:
    load(store, _write(tmp_path / "hub.jsonl", _papers(60) + _citations(60)))
    hub = store.paper(parse_id(HUB))
    rows = list(queries.iterate(store, "representative-candidates", {"paper": hub}))
    assert len({row["citation"] for row in rows}) == 45  # the 60 citing papers less those without summary
    best = min(
        rows, key=lambda r: (not r["human"], -(r["support"] or 0), -(r["year"] or 0), r["title"], r["citing"])
    )
    assert _kept(store)[0] == (1, best["citing"])


def test_the_hub_summary_shows_the_best_of_each_role_in_distribution_order(
    store: Store, tmp_path: Path
) -> None:
    load(store, _write(tmp_path / "hub.jsonl", _papers(60) + _citations(60)))
    hub = summary(store, HUB, representatives=10)
    candidates = queries.iterate(store, "representative-candidates", {"paper": store.paper(parse_id(HUB))})
    with_summary = {row["role"] for row in candidates}
    order = [Role(share.label) for share in hub.roles if Role(share.label).iri.value in with_summary]
    shown = [Role(rep.role) for rep in hub.representatives if rep.role]
    assert len(order) >= 4 and shown[: len(order)] == order
    assert all(rep.summary for rep in hub.representatives)
    with pytest.raises(CitekgError, match="0 to 10"):
        summary(store, HUB, representatives=11)


def test_ranks_are_typed_integers(store: Store, tmp_path: Path) -> None:
    load(store, _write(tmp_path / "hub.jsonl", _papers(20) + _citations(20)))
    ranks = [q.object for q in store.oxigraph.quads_for_pattern(None, CKG["representativeRank"], None)]
    assert ranks and all(isinstance(r, ox.Literal) and r.datatype.value.endswith("#integer") for r in ranks)


def _update(start: int, count: int, seed: int) -> list[dict]:
    """New summarised citing papers citing the hub and each other, with model and human labels, and
    new labels on some citations already stored."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for i in range(start, start + count):
        paper = f"doi:10.1/p{i}"
        rows.append(
            {
                "type": "paper",
                "id": paper,
                "title": f"Paper {rng.randint(0, 5)}",
                "year": 2022,
                **({"summary": f"What paper {i} does."} if rng.random() < 0.7 else {}),
            }
        )
        for cited in {HUB, f"doi:10.1/p{rng.randrange(i)}"}:
            rows.append({"type": "citation", "citing": paper, "cited": cited})
            kind = rng.choice(["model", "human", None])
            if kind:
                rows.append(
                    {
                        "type": "annotation",
                        "citing": paper,
                        "cited": cited,
                        "role": rng.choice(ROLES),
                        "confidence": rng.choice([0.5, 1.0]),
                        "annotator": {"id": kind, "kind": kind},
                    }
                )
    for _ in range(3):  # a stored citation labelled again, kept or not
        citing = f"doi:10.1/p{rng.randrange(start)}"
        rows.append(
            {
                "type": "annotation",
                "citing": citing,
                "cited": HUB,
                "role": rng.choice(ROLES),
                "annotator": {"id": "late", "kind": "human"},
            }
        )
    return rows


def test_updates_merged_into_the_kept_citations_rank_as_a_rebuild_does(store: Store, tmp_path: Path) -> None:
    load(store, _write(tmp_path / "hub.jsonl", _papers(60) + _citations(60)))
    start = 60
    for step, count in enumerate((1, 5, 20, 40)):
        load(store, _write(tmp_path / f"update-{step}.jsonl", _update(start, count, seed=step)))
        start += count
        maintained = _consensus(store)
        rebuild(store)
        assert isomorphic(_consensus(store), maintained), f"after update {step}"


@pytest.fixture
def reread(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The papers whose every candidate is read (re-ranked whole), as the test goes."""
    papers_read: list[str] = []
    whole = representatives._stored_candidates
    monkeypatch.setattr(
        representatives,
        "_stored_candidates",
        lambda store, papers: papers_read.extend(p.value for p in papers) or whole(store, papers),
    )
    return papers_read


def test_new_citations_of_a_hub_do_not_reread_its_other_candidates(
    store: Store, tmp_path: Path, reread: list[str]
) -> None:
    load(store, _write(tmp_path / "hub.jsonl", _papers(60) + _citations(60)))
    newcomer = {"type": "paper", "id": "doi:10.1/new", "title": "A", "year": 2030, "summary": "New."}
    cites = {"type": "citation", "citing": "doi:10.1/new", "cited": HUB}
    label = {**cites, "type": "annotation", "role": "method", "annotator": {"id": "ed", "kind": "human"}}
    load(store, _write(tmp_path / "new.jsonl", [newcomer, cites, label]))
    assert reread == []
    assert _kept(store)[0] == (1, store.paper(parse_id("doi:10.1/new")).value)  # a human's label ranks first
    kept_citing = _kept(store)[3][1].rsplit("/", 1)[-1]
    relabel = {**label, "citing": f"doi:10.1/{kept_citing}", "role": "background"}
    load(store, _write(tmp_path / "relabel.jsonl", [relabel]))  # a kept citation changed: all re-read
    assert reread == [store.paper(parse_id(HUB)).value]


def test_a_replace_or_drop_rereads_a_hub_only_when_it_held_a_kept_citation(
    store: Store, tmp_path: Path, reread: list[str]
) -> None:
    load(store, _write(tmp_path / "hub.jsonl", _papers(60) + _citations(60)))
    hub = store.paper(parse_id(HUB)).value
    unsummarised = [  # citing papers without a summary are no candidates, so never kept
        row
        for i in range(100, 105)
        for row in (
            {"type": "paper", "id": f"doi:10.1/q{i}", "title": "Q", "year": 2030},
            {"type": "citation", "citing": f"doi:10.1/q{i}", "cited": HUB},
        )
    ]
    extra = load(store, _write(tmp_path / "extra.jsonl", unsummarised)).graph
    load(store, _write(tmp_path / "extra.jsonl", unsummarised))  # a replace
    drop(store, extra)
    assert reread == []
    best = _kept(store)[0][1].rsplit("/", 1)[-1]
    relabel = {
        "type": "annotation",
        "citing": f"doi:10.1/{best}",
        "cited": HUB,
        "role": "method",
        "annotator": {"id": "ed", "kind": "human"},
    }
    labels = load(store, _write(tmp_path / "labels.jsonl", [relabel])).graph
    reread.clear()
    drop(store, labels)  # the kept citation's consensus changes back: the hub is read whole
    assert reread == [hub]
    maintained = _consensus(store)
    rebuild(store)
    assert isomorphic(_consensus(store), maintained)


def test_a_replace_by_the_same_file_holds_the_kept_citations_without_rereading(
    store: Store, tmp_path: Path, reread: list[str]
) -> None:
    """Every citation of a replace changed, kept ones too; those that rank by the key they were kept
    with are held, so the hub's other candidates are not read again."""
    rows = _papers(60) + _citations(60)
    hub = _write(tmp_path / "hub.jsonl", rows)
    load(store, hub)
    before = _kept(store)
    load(store, hub)
    assert reread == [] and _kept(store) == before
    best = before[0][1].rsplit("/", 1)[-1]  # its citing paper loses its summary: no candidate any more
    load(
        store,
        _write(
            tmp_path / "hub.jsonl",
            [
                {
                    key: value
                    for key, value in row.items()
                    if not (key == "summary" and row["id"] == f"doi:10.1/{best}")
                }
                for row in rows
            ],
        ),
    )
    assert reread == [store.paper(parse_id(HUB)).value]
    assert before[0] not in _kept(store)
    maintained = _consensus(store)
    rebuild(store)
    assert isomorphic(_consensus(store), maintained)
