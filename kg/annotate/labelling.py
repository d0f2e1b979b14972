"""Labelling the store: one annotation per citation with a context and no person's judgement, loaded into
a graph of the model's own."""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kg.annotate.labelled import contexts_of
from kg.annotate.learning import Model, read_model
from kg.annotate.models import annotations_graph, annotator_id
from kg.backend import Backend, WritableBackend, batched, named, select
from kg.errors import InvalidArgument, UnknownPaper
from kg.ids import PaperId, parse_id
from kg.loader import Progress, drop, load
from kg.vocab import (
    CITO,
    CKG,
    OA,
    PROV,
    AnnotatorKind,
)

# --- labelling the store -------------------------------------------------------------------------------


@dataclass
class RunReport:
    """What a run labelled, and where it put the annotations."""

    model: str
    graph: str
    paper: str | None = None
    citations: int = 0
    roles: Counter[str] = field(default_factory=Counter)
    polarities: Counter[str] = field(default_factory=Counter)
    dropped: list[str] = field(default_factory=list)  # graphs of single papers a whole-store run replaced
    seconds: dict[str, float] = field(default_factory=dict)  # labelling, and each phase of the load

    def to_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "graph": self.graph,
            "paper": self.paper,
            "citations": self.citations,
            "roles": dict(self.roles.most_common()),
            "polarities": dict(self.polarities.most_common()),
            "dropped": self.dropped,
        }

    def summary(self) -> str:
        roles = ", ".join(f"{role.replace('_', ' ')} {n}" for role, n in self.roles.most_common())
        of = f" of {self.paper}" if self.paper else ""
        text = f"labelled {self.citations} citations{of} with {annotator_id(self.model)} into <{self.graph}>"
        text += f" ({roles})" if roles else ""
        if self.dropped:
            text += f"; replaced the model's annotations of {len(self.dropped)} single papers"
        return text


def run(
    store: WritableBackend, name: str, paper: str | None = None, *, progress: Progress | None = None
) -> RunReport:
    """Label every citation that has a context and no person's judgement (or those of ``paper``, where
    it is the cited paper) with the model ``name``, replacing its earlier labels of them."""
    model = read_model(store, name)
    cited, paper_id = _cited(store, paper) if paper is not None else (None, None)
    whole = annotations_graph(store.minter, name)
    graph = annotations_graph(store.minter, name, paper_id)
    report = RunReport(name, graph.value, str(paper_id) if paper_id else None)
    with tempfile.TemporaryDirectory(prefix="annotate-", dir=store.path) as folder:
        scratch = Path(folder) / f"model-{name}.jsonl"
        if progress is not None:
            progress.phase("label citations")
        started = time.perf_counter()
        with scratch.open("w", encoding="utf-8") as out:
            for batch in batched(_unjudged(store, cited, whole if paper_id else None)):
                _label(store, model, batch, out, report)
        report.seconds["label"] = round(time.perf_counter() - started, 2)
        if report.citations:
            report.seconds |= load(store, scratch, graph.value, fmt="native", progress=progress).seconds
        elif store.has_graph(graph):
            drop(store, graph.value)
    if paper_id is None:
        for single in store.source_graphs():
            if single.value.startswith(whole.value + "/"):
                drop(store, single.value)
                report.dropped.append(single.value)
    return report


def _cited(store: Backend, paper: str) -> tuple[ox.NamedNode, PaperId]:
    """The paper a run is for, and the id its IRI was minted from: one graph a paper, by whichever of
    its ids a run names it."""
    try:
        paper_id = parse_id(paper)
    except ValueError as error:
        raise InvalidArgument(f"{paper!r} is no paper id: {error}") from None
    cited = store.paper(paper_id)
    if cited is None:
        raise UnknownPaper(f"no paper in the store has the id {paper_id}")
    return cited, store.minter.paper_id(cited.value) or paper_id


def _unjudged(
    store: Backend, cited: ox.NamedNode | None, besides: ox.NamedNode | None
) -> Iterator[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode]]:
    """The citations to label, streamed: those with a context that no person judged (of one cited
    paper, if given; none that the graph ``besides`` labels)."""
    bound = f"VALUES ?cited {{ {cited} }}" if cited is not None else ""
    left = (
        f"FILTER NOT EXISTS {{ GRAPH {besides} {{ ?labelled {OA['hasTarget']} ?citation }} }}"
        if besides
        else ""
    )
    sparql = f"""SELECT ?citation ?citing ?cited WHERE {{ {bound}
      GRAPH {store.consensus_graph} {{
        ?citation {CITO["hasCitedEntity"]} ?cited ; {CITO["hasCitingEntity"]} ?citing }}
      FILTER EXISTS {{ GRAPH ?source {{ ?citation {CKG["context"]} ?context }} }}
      FILTER NOT EXISTS {{ GRAPH ?judged {{
        ?annotation {OA["hasTarget"]} ?citation ; {PROV["wasAttributedTo"]} ?person .
        ?person a {PROV["Person"]} }} }}
      {left}
    }}"""
    for row in select(store, sparql):
        yield named(row["citation"]), named(row["citing"]), named(row["cited"])


def _label(
    store: Backend,
    model: Model,
    batch: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode]],
    out: IO[str],
    report: RunReport,
) -> None:
    """Predict a batch of citations and write their annotations as native records, which name the
    papers by the ids their IRIs were minted from (as citekg mints every paper's)."""
    texts = contexts_of(store, (citation for citation, _, _ in batch))
    ids = store.minter.paper_id
    named_by_ids = [
        (texts[citation], citing_id, cited_id)
        for citation, citing, cited in batch
        if (citing_id := ids(citing.value)) is not None and (cited_id := ids(cited.value)) is not None
    ]
    annotator = {"annotator": {"id": annotator_id(model.name), "kind": AnnotatorKind.MODEL.value}}
    predicted = model.predict([text for text, _, _ in named_by_ids])
    for (_, citing_id, cited_id), found in zip(named_by_ids, predicted, strict=True):
        head = {"type": "annotation", "citing": str(citing_id), "cited": str(cited_id)}
        role = {"role": found.role.value, "confidence": round(found.confidence, 6)}
        out.write(json.dumps(head | role | annotator) + "\n")
        report.citations += 1
        report.roles[found.role.value] += 1
        if found.polarity is not None and found.polarity_confidence is not None:
            polarity = {"polarity": found.polarity.value, "confidence": round(found.polarity_confidence, 6)}
            out.write(json.dumps(head | polarity | annotator) + "\n")
            report.polarities[found.polarity.value] += 1
