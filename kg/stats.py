"""What a store holds: counts, and the sources loaded into it."""

from __future__ import annotations

from dataclasses import dataclass

from kg import derivation, queries
from kg.backend import Backend


@dataclass
class Stats:
    papers: int
    citations: int
    annotations: int
    graphs: list[str]

    def to_json(self) -> dict[str, object]:
        return {
            "papers": self.papers,
            "citations": self.citations,
            "annotations": self.annotations,
            "graphs": self.graphs,
        }


def store_stats(store: Backend) -> Stats:
    """Counts of papers, citations and annotations over all graphs, and the graphs' IRIs (refused for
    a store an older citekg derived, which holds no counts: ``kg.derivation``)."""
    derivation.check(store)
    row = queries.run_query(store, "stats").rows[0]
    return Stats(row["papers"], row["citations"], row["annotations"], [g.value for g in store.graphs()])


@dataclass
class Source:
    graph: str
    file: str
    format: str | None
    loaded: str
    papers: int | None
    citations: int | None
    annotations: int | None
    sha256: str | None = None  # of the file as loaded


def sources(store: Backend) -> list[Source]:
    """The loaded sources: graph, file, format, load time, and the papers, citations and annotations
    each graph holds (its VoID class partitions: instances, counted once)."""
    return [Source(**row) for row in queries.run_query(store, "sources").rows]
