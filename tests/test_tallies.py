from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg import queries, tallies
from kg.agreement import agreements
from kg.consensus import rebuild
from kg.loader import drop, load
from kg.stats import store_stats
from kg.store import Store
from kg.vocab import RDF, VOID, XSD

from .conftest import DATA, EXAMPLE, store_dataset, without_consensus_time

ROLES = ["background", "method", "comparison", "extension", "motivation", "future_work"]
POLARITIES = ["positive", "neutral", "negative"]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _labels(seed: int, annotators: list[tuple[str, str]], citations: int = 30) -> list[dict]:
    """Annotations by these annotators over a shared set of citations: some labelled twice by one
    annotator, some with a polarity only."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for i in range(citations):
        pair = {"citing": f"doi:10.1/p{i}", "cited": f"doi:10.1/p{rng.randrange(5) + 100}"}
        rows.append({"type": "citation", **pair})
        for name, kind in annotators:
            for _ in range(rng.choice([0, 1, 1, 2])):
                label = {"role": rng.choice(ROLES)} if rng.random() < 0.8 else {}
                if rng.random() < 0.5 or not label:
                    label["polarity"] = rng.choice(POLARITIES)
                rows.append({"type": "annotation", **pair, **label, "annotator": {"id": name, "kind": kind}})
    return rows


def _consensus(store: Store) -> Graph:
    dataset: Dataset = without_consensus_time(store_dataset(store), store)
    return dataset.graph(store.consensus_graph.value)


def _assert_as_rebuilt(store: Store) -> None:
    maintained = _consensus(store)
    rebuild(store)
    assert isomorphic(_consensus(store), maintained)


def test_every_write_keeps_the_tallies_a_recount_gives(store: Store, tmp_path: Path) -> None:
    models = [("model-a", "model"), ("model-b", "model")]
    first = load(store, _write(tmp_path / "first.jsonl", _labels(1, models))).graph
    _assert_as_rebuilt(store)
    second = load(store, _write(tmp_path / "second.jsonl", _labels(2, [("ann", "human"), *models[:1]]))).graph
    _assert_as_rebuilt(store)  # the same citations judged again: shared with the first graph
    load(store, _write(tmp_path / "first.jsonl", _labels(3, models, citations=40)), graph=first)
    _assert_as_rebuilt(store)  # a replace: the old version's counts go, the new one's come
    drop(store, second)
    _assert_as_rebuilt(store)
    drop(store, first)
    assert not _consensus(store)


def test_a_replace_counts_a_citation_the_file_states_twice_once(store: Store, tmp_path: Path) -> None:
    """A file may state a citation several times; its annotations are counted once however far apart
    the statements are (more than a query's batch of citations apart here)."""
    from kg.backend import BATCH

    rows = [
        row
        for i in range(BATCH + 20)
        for pair in [{"citing": f"doi:10.1/p{i}", "cited": f"doi:10.1/q{i % 5}"}]
        for row in (
            {"type": "citation", **pair},
            {
                "type": "annotation",
                **pair,
                "role": ROLES[i % 6],
                "annotator": {"id": "model-a", "kind": "model"},
            },
        )
    ]
    rows += [row for row in rows[:40] if row["type"] == "citation"]  # stated again, a batch later
    path = _write(tmp_path / "twice.jsonl", rows)
    load(store, path)
    _assert_as_rebuilt(store)
    load(store, path)  # a replace by the same file: every citation shared with its previous version
    _assert_as_rebuilt(store)


def test_merged_papers_are_recounted(store: Store, tmp_path: Path) -> None:
    rows = _labels(4, [("a", "model"), ("b", "human")])
    load(store, _write(tmp_path / "labels.jsonl", rows))
    cited = next(row["cited"] for row in rows if row["citing"] == "doi:10.1/p0")
    again = {"citing": "arxiv:2101.00001", "cited": cited}  # the same citation under another id
    labels = [
        {"type": "annotation", **again, "role": role, "annotator": {"id": name, "kind": "model"}}
        for name, role in (("a", "method"), ("b", "extension"), ("c", "method"))
    ]
    load(store, _write(tmp_path / "arxiv.jsonl", [{"type": "citation", **again}, *labels]))
    same = {"type": "paper", "id": "doi:10.1/p0", "ids": {"arxiv": "2101.00001"}, "title": "One paper"}
    before = list(queries.iterate(store, "annotator-confusion"))
    load(store, _write(tmp_path / "same.jsonl", [same]))
    assert list(queries.iterate(store, "annotator-confusion")) != before
    _assert_as_rebuilt(store)


def test_the_saved_queries_read_what_counting_every_annotation_gives(store: Store, tmp_path: Path) -> None:
    annotators = [("m", "model"), ("h", "human"), ("k", "human")]
    load(store, _write(tmp_path / "one.jsonl", _labels(5, annotators)))
    load(store, _write(tmp_path / "two.jsonl", _labels(6, annotators[:2])))
    counted = {
        row["annotator"].value: {name: int(row[name].value) for name in tallies.COUNTS}
        for row in store.query(tallies._ANNOTATORS)
    }
    read = {
        row["annotator"]: {
            "annotations": row["annotations"],
            "roles": row["with_roles"],
            "polarities": row["with_polarities"],
            "citations": row["citations"],
        }
        for row in queries.iterate(store, "annotators")
    }
    assert read == counted and len(read) == 3
    cells = {
        tuple(row[c].value for c in ("first", "second", "first_role", "second_role")): int(
            row["citations"].value
        )
        for row in store.query(tallies._CONFUSION)
    }
    rows = list(queries.iterate(store, "annotator-confusion"))
    assert {
        tuple(row[c] for c in ("first", "second", "first_role", "second_role")): row["citations"]
        for row in rows
    } == cells
    assert len(cells) > 10


def test_a_small_case_by_hand(store: Store, tmp_path: Path) -> None:
    pair = {"type": "annotation", "citing": "doi:10.1/a", "cited": "doi:10.1/b"}
    other = {**pair, "citing": "doi:10.1/c"}
    rows = [
        {**pair, "role": "method", "annotator": {"id": "x", "kind": "model"}},
        {**pair, "role": "background", "polarity": "negative", "annotator": {"id": "x", "kind": "model"}},
        {**pair, "role": "method", "annotator": {"id": "y", "kind": "human"}},
        {**other, "polarity": "positive", "annotator": {"id": "y", "kind": "human"}},
        {**other, "role": "method", "annotator": {"id": "x", "kind": "model"}},
    ]
    load(store, _write(tmp_path / "small.jsonl", rows))
    by_name = {row["name"]: row for row in queries.iterate(store, "annotators")}
    assert {
        name: (r["kind"], r["annotations"], r["citations"], r["with_roles"], r["with_polarities"])
        for name, r in by_name.items()
    } == {"x": ("model", 3, 2, 3, 1), "y": ("human", 2, 2, 1, 1)}
    confusion = [
        (row["first_role"].rsplit("-", 1)[-1], row["second_role"].rsplit("-", 1)[-1], row["citations"])
        for row in queries.iterate(store, "annotator-confusion")
    ]
    assert confusion == [("background", "method", 1)]  # x's smallest role on a is background; y gave c none


@pytest.mark.parametrize("graphs", [1, 2])
def test_agreement_reads_the_tallies(store: Store, tmp_path: Path, graphs: int) -> None:
    for index in range(graphs):
        load(store, _write(tmp_path / f"{index}.jsonl", _labels(7 + index, [("m", "model"), ("h", "human")])))
    before = agreements(store)
    rebuild(store)
    assert agreements(store) == before and before


def test_the_example_data_tallies_as_a_rebuild(tmp_path: Path) -> None:
    store = Store(None)
    load(store, EXAMPLE)
    _assert_as_rebuilt(store)


def _stats(store: Store) -> dict[str, int]:
    return {kind: getattr(store_stats(store), kind) for kind in tallies.STORE_CLASSES}


def _counted(store: Store) -> dict[str, int]:
    """The store's counts as counting everything gives them (what ``stats`` asked before they were kept)."""
    return {key[1]: count for key, count in tallies._store_counts(store).items()}


def test_the_store_counts_by_hand(store: Store, tmp_path: Path) -> None:
    """Two files share a paper and a citation; each adds what only it types, and a drop takes that."""
    shared = {"type": "citation", "citing": "doi:10.1/a", "cited": "doi:10.1/b"}
    label = {"type": "annotation", "citing": "doi:10.1/a", "cited": "doi:10.1/b", "role": "method"}
    first = _write(tmp_path / "first.jsonl", [shared, {**label, "annotator": {"id": "x", "kind": "model"}}])
    second = _write(
        tmp_path / "second.jsonl",
        [
            shared,
            {"type": "citation", "citing": "doi:10.1/c", "cited": "doi:10.1/b"},
            {**label, "annotator": {"id": "y", "kind": "human"}},
        ],
    )
    first_graph = load(store, first).graph
    assert _stats(store) == {"papers": 2, "citations": 1, "annotations": 1}
    second_graph = load(store, second).graph
    assert _stats(store) == {"papers": 3, "citations": 2, "annotations": 2}
    drop(store, first_graph)
    assert _stats(store) == {"papers": 3, "citations": 2, "annotations": 1}
    drop(store, second_graph)
    assert _stats(store) == {"papers": 0, "citations": 0, "annotations": 0}
    assert not _consensus(store)  # no partitions left behind


def test_every_write_keeps_the_store_counts_counting_gives(store: Store, tmp_path: Path) -> None:
    """Sources' own RDF (OpenCitations' bibliographic resources, in part graphs), papers and citations
    shared between files, a replace, papers merged with and without their citations, drops."""
    writes: list[Callable[[], object]] = []
    models = [("model-a", "model"), ("model-b", "model")]
    first = _write(tmp_path / "first.jsonl", _labels(1, models))
    writes += [lambda: load(store, DATA / "oc-meta.nq"), lambda: load(store, DATA / "oc-citations.nt")]
    writes += [lambda: load(store, first), lambda: load(store, EXAMPLE)]
    writes.append(lambda: load(store, _write(tmp_path / "second.jsonl", _labels(2, [("h", "human")], 12))))
    fewer = _labels(3, models, citations=10)
    writes.append(lambda: load(store, _write(tmp_path / "first.jsonl", fewer)))  # a replace
    # two papers no citation names, then a record that says they are one
    apart = [{"type": "paper", "id": "doi:10.9/one"}, {"type": "paper", "id": "arxiv:2201.00001"}]
    writes.append(lambda: load(store, _write(tmp_path / "apart.jsonl", apart)))
    same = {"type": "paper", "id": "doi:10.9/one", "ids": {"arxiv": "2201.00001"}}
    writes.append(lambda: load(store, _write(tmp_path / "same.jsonl", [same])))
    # a citation under an id that another file then merges into a cited paper's
    again = {"type": "citation", "citing": "arxiv:2101.00001", "cited": "doi:10.1/p100"}
    writes.append(lambda: load(store, _write(tmp_path / "arxiv.jsonl", [again])))
    merging = {"type": "paper", "id": "doi:10.1/p0", "ids": {"arxiv": "2101.00001"}}
    writes.append(lambda: load(store, _write(tmp_path / "merging.jsonl", [merging])))
    for write in writes:
        write()
        assert _stats(store) == _counted(store)
    assert _stats(store)["papers"] > 40
    for graph in store.source_graphs():
        drop(store, graph.value)
        assert _stats(store) == _counted(store)
    assert _stats(store) == {"papers": 0, "citations": 0, "annotations": 0}


def test_stats_reads_the_counts_kept(store: Store) -> None:
    """``stats`` reads the partitions, not the papers: counts stated by hand are what it gives."""
    consensus, dataset = store.consensus_graph, ox.NamedNode(store.minter.dataset)
    for kind, count in (("papers", 7), ("annotations", 3)):
        partition = ox.NamedNode(store.minter.class_partition(tallies.STORE_CLASSES[kind].value))
        store.oxigraph.extend(
            [
                ox.Quad(dataset, VOID["classPartition"], partition, consensus),
                ox.Quad(partition, VOID["class"], tallies.STORE_CLASSES[kind], consensus),
                ox.Quad(
                    partition, VOID["entities"], ox.Literal(str(count), datatype=XSD["integer"]), consensus
                ),
            ]
        )
    assert _stats(store) == {"papers": 7, "citations": 0, "annotations": 3}


def test_annotations_a_source_states_in_its_own_rdf_count_once(store: Store, tmp_path: Path) -> None:
    """An annotation typed in the parts of two OpenCitations RDF files (and twice in one of them, in
    its default graph and a named graph) is one annotation, until the last file stating it goes."""
    annotation = tallies.STORE_CLASSES["annotations"]
    typed = f"<http://example.org/their/annotation> {RDF['type']} {annotation}"
    citations = (DATA / "oc-citations.nt").read_text(encoding="utf-8")
    one = tmp_path / "one.nq"
    one.write_text(f"{citations}{typed} .\n{typed} <http://example.org/g> .\n", encoding="utf-8")
    two = tmp_path / "two.nt"
    two.write_text(f"{citations}{typed} .\n", encoding="utf-8")
    load(store, EXAMPLE)  # (so that no file is alone in the store: alone, the whole store is counted)
    ours = _stats(store)["annotations"]
    first = load(store, one, fmt="opencitations-rdf").graph
    assert len(store.parts(ox.NamedNode(first))) == 2
    assert _stats(store)["annotations"] == ours + 1
    second = load(store, two, fmt="opencitations-rdf").graph
    assert _stats(store) == _counted(store) and _stats(store)["annotations"] == ours + 1
    drop(store, first)
    assert _stats(store)["annotations"] == ours + 1
    drop(store, second)
    assert _stats(store)["annotations"] == ours
