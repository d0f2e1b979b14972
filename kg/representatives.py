"""Representative citing papers, chosen when citations are written, not when a hub page is read.

Ranking a hub's citing papers reads each one's consensus, year and summary: one index seek each, some
90 ms for 10,000 citing papers however the query is shaped. So the consensus graph keeps, for every
cited paper, the few citations a hub page can show::

    <paper> ckg:hasRepresentativeCitation <citation> .   <citation> ckg:representativeRank 3 .

The kept citations are the best of each role and the best ``KEPT`` overall, among citations whose
citing paper has a one-line summary. Best is: a human decided the role, then higher role support,
then the newer citing paper, then its title, then its IRI. The rank is the position in that order
among the kept citations.

Like the consensus, this is derived data kept in step by every write, not a cache: a load into an
empty store ranks its citations from the file itself (``write_new``, external sorts, bounded memory).
A later load merges the citations it adds or changes into those kept (``update``): the kept set of
all candidates is the kept set of the old kept ones and the changed ones, as long as no kept citation
changed (it might have got worse), so a hub's other citing papers are not read again. A kept citation
that changed, a merge of papers, a replace or a drop re-ranks the paper from all its candidates
(``refresh``).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, NamedTuple

import pyoxigraph as ox

from kg import queries
from kg.backend import WritableBackend, batched, named, select, solutions
from kg.nquads import iri, literal, quad
from kg.spool import sorted_lines
from kg.vocab import CITO, CKG, XSD

KEPT = 16  # enough to fill any hub summary of up to MAX_SHOWN after the best of each role
MAX_SHOWN = 10
HAS_REPRESENTATIVE, RANK = CKG["hasRepresentativeCitation"], CKG["representativeRank"]


@dataclass(frozen=True)
class Candidate:
    citation: str
    citing: str
    role: str  # the primary role's IRI, or "" when the citation has none
    human: bool
    support: float
    year: int | None
    title: str

    def key(self) -> tuple[bool, float, int, str, str]:
        """Sorts best first."""
        return (not self.human, -self.support, -(self.year or 0), self.title, self.citing)


def choose(candidates: Iterable[Candidate]) -> list[tuple[int, Candidate]]:
    """The kept candidates of one cited paper with their ranks: the best of each role, the best overall.

    >>> rows = [Candidate(f"c{i}", f"p{i}", "method" if i >= 10 else "extension", False, 1.0, 2000 + i, "")
    ...         for i in range(30)]
    >>> kept = choose(rows)
    >>> len(kept), [(rank, c.citation) for rank, c in kept[:2]], kept[-1][0], kept[-1][1].citation
    (17, [(1, 'c29'), (2, 'c28')], 17, 'c9')
    """
    best_of_role: set[str] = set()
    kept = []
    for position, candidate in enumerate(sorted(candidates, key=Candidate.key), 1):
        if position <= KEPT or (candidate.role and candidate.role not in best_of_role):
            kept.append(candidate)
        best_of_role.add(candidate.role)
    return list(enumerate(kept, 1))


def representative_quads(paper: str, kept: list[tuple[int, Candidate]], graph: ox.NamedNode) -> Iterator[str]:
    g = str(graph)
    for rank, candidate in kept:
        c = iri(candidate.citation)
        yield quad(iri(paper), HAS_REPRESENTATIVE, c, g)
        yield quad(c, RANK, literal(str(rank), XSD["integer"]), g)


# --- a load into an empty store: from the file itself -------------------------------------------------


def described_row(paper: str, year: int | None, title: str | None, summary: bool) -> str:
    """A spool line for a paper record: what ranking the citations it makes, and their explorer rows,
    need of it (the title as a JSON string, which holds no tab or line break)."""
    return f"{paper}\t{'' if year is None else year}\t{json.dumps(title or '')}\t{int(summary)}\n"


class Description(NamedTuple):
    """A paper as its citations' ranks and explorer rows see it: the earliest year and the first title
    that the file gives it, as the consensus graph states them (``consensus.refresh_descriptions``)."""

    paper: str
    year: int | None
    title: str


def descriptions(lines: Iterator[str], *, summarised_only: bool = False) -> Iterator[Description]:
    """One description per paper (or per paper with a summary) from sorted ``described_row`` lines."""
    rows = (line.rstrip("\n").split("\t") for line in lines)
    for paper, group in groupby(rows, key=lambda row: row[0]):
        found = list(group)
        if summarised_only and not any(summary == "1" for *_, summary in found):
            continue
        years = [int(year) for _, year, _, _ in found if year]
        titles = [json.loads(title) for _, _, title, _ in found if title != '""']
        yield Description(paper, min(years, default=None), min(titles, default=""))


class Ranked(NamedTuple):
    """A spool line for a citation new to the store and its consensus: what ranking it, and its
    explorer row, need. Lines sort by citing paper."""

    citing: str
    cited: str
    citation: str
    role: str  # the primary role's IRI, or ""
    human: bool
    support: float
    polarity: str  # the primary polarity's IRI, or ""

    def line(self) -> str:
        return "\t".join((*self[:4], str(int(self.human)), repr(self.support), self.polarity)) + "\n"

    @classmethod
    def parse(cls, line: str) -> Ranked:
        citing, cited, citation, role, human, support, polarity = line.rstrip("\n").split("\t")
        return cls(citing, cited, citation, role, human == "1", float(support), polarity)


def described_citations(
    described: Path, ranked: Path, *, summarised_only: bool = False
) -> Iterator[tuple[Ranked, Description | None]]:
    """Each ranked citation, by citing paper, with the description of its citing paper if the file gives
    one: a merge of the two sorted spools."""
    papers = descriptions(sorted_lines(described), summarised_only=summarised_only)
    paper = next(papers, None)
    for citation in map(Ranked.parse, sorted_lines(ranked)):
        while paper is not None and paper.paper < citation.citing:
            paper = next(papers, None)
        yield citation, paper if paper is not None and paper.paper == citation.citing else None


def write_new(described: Path, ranked: Path, out: IO[str], graph: ox.NamedNode, scratch: Path) -> None:
    """Write the representatives of every cited paper in a ranked spool, joining each citation with
    the description of its citing paper (papers without a summary have none), sorted on disk."""
    joined = scratch / "candidates.tsv"
    with joined.open("w", encoding="utf-8") as candidates:
        for row, paper in described_citations(described, ranked, summarised_only=True):
            if paper is not None:
                year = "" if paper.year is None else str(paper.year)
                fields = (
                    row.cited,
                    row.citation,
                    row.citing,
                    row.role,
                    str(int(row.human)),
                    repr(row.support),
                )
                candidates.write("\t".join((*fields, year, json.dumps(paper.title))) + "\n")
    rows = (line.rstrip("\n").split("\t") for line in sorted_lines(joined))
    for cited, group in groupby(rows, key=lambda row: row[0]):
        kept = choose(
            Candidate(citation, citing, role, human == "1", float(support), _year(year), json.loads(title))
            for _, citation, citing, role, human, support, year, title in group
        )
        out.writelines(representative_quads(cited, kept, graph))


def _year(text: str) -> int | None:
    return int(text) if text else None


# --- any other change: from the store ------------------------------------------------------------------


def changed_row(cited: str, citation: str) -> str:
    """A spool line for a citation a write added or changed, under the paper it cites."""
    return f"{cited}\t{citation}\n"


def changes(
    changed: Iterator[str], rerank: Iterator[str]
) -> Iterator[tuple[ox.NamedNode, list[ox.NamedNode] | None]]:
    """What ``update`` takes, from two sorted spools: changed citations (``changed_row``) and papers
    to re-rank whole, a line each; a paper in both is re-ranked whole."""
    whole = ((line.rstrip("\n"), None) for line in rerank)
    pairs = (tuple(line.rstrip("\n").split("\t")) for line in changed)
    for paper, group in groupby(heapq.merge(whole, pairs, key=itemgetter(0)), key=itemgetter(0)):
        citations = [citation for _, citation in group]
        if None in citations:
            yield ox.NamedNode(paper), None
        else:
            yield ox.NamedNode(paper), [ox.NamedNode(c) for c in dict.fromkeys(citations) if c is not None]


def refresh(store: WritableBackend, papers: Iterable[ox.NamedNode]) -> None:
    """Re-rank the citations of these cited papers from all their candidates in the store."""
    update(store, ((paper, None) for paper in papers))


def update(store: WritableBackend, changes: Iterable[tuple[ox.NamedNode, list[ox.NamedNode] | None]]) -> None:
    """Bring the representatives of cited papers up to date after a write, given for each paper the
    citations of it that were added or changed, or None to re-rank it from all its candidates.

    A batch of papers at a time: their kept citations, and the candidates needed, are read with one
    request each (through a remote store a query per paper would be a round trip each). A merge reads
    the kept and the changed citations; a re-rank every candidate, ~75 us each on the embedded store."""
    for batch in batched(changes):
        kept = _kept(store, [paper for paper, _ in batch])
        rerank, merge = [], []
        for paper, changed in batch:
            old = kept.get(paper.value, {})
            if changed is None or any(citation.value in old for citation in changed):
                rerank.append(paper)
            else:
                merge.append((paper, changed))
        candidates = _stored_candidates(store, rerank) if rerank else {}
        for paper in rerank:
            _replace(store, paper, kept.get(paper.value, {}), choose(candidates.get(paper.value, [])))
        by_citation = _candidates_of(
            store,
            [
                c
                for paper, changed in merge
                for c in (*changed, *map(ox.NamedNode, kept.get(paper.value, {})))
            ],
        )
        for paper, changed in merge:
            new = [by_citation[citation.value] for citation in changed if citation.value in by_citation]
            if new:  # (a changed citation whose citing paper has no summary is no candidate)
                old = kept.get(paper.value, {})
                _replace(
                    store, paper, old, choose([*new, *(by_citation[c] for c in old if c in by_citation)])
                )


def _kept(store: WritableBackend, papers: list[ox.NamedNode]) -> dict[str, dict[str, ox.Literal | None]]:
    """The kept citations of each of these papers, with their ranks (a rank may be gone already: the
    consensus refresh of a dropped citation removes it)."""
    graph = store.consensus_graph
    pattern = (
        f"GRAPH {graph} {{ ?paper {HAS_REPRESENTATIVE} ?citation OPTIONAL {{ ?citation {RANK} ?rank }} }}"
    )
    kept: dict[str, dict[str, ox.Literal | None]] = {}
    for row in solutions(store, "?paper", papers, pattern):
        rank = row["rank"]
        kept.setdefault(named(row["paper"]).value, {})[named(row["citation"]).value] = (
            rank if isinstance(rank, ox.Literal) else None
        )
    return kept


def _replace(
    store: WritableBackend,
    paper: ox.NamedNode,
    old: dict[str, ox.Literal | None],
    new: list[tuple[int, Candidate]],
) -> None:
    """Write a paper's new kept citations over its old ones, unless they are the same."""
    if {candidate.citation: str(rank) for rank, candidate in new} == {
        citation: rank and rank.value for citation, rank in old.items()
    }:
        return
    graph = store.consensus_graph
    stale = []
    for citation, rank in old.items():
        stale.append(ox.Quad(paper, HAS_REPRESENTATIVE, ox.NamedNode(citation), graph))
        if rank is not None:
            stale.append(ox.Quad(ox.NamedNode(citation), RANK, rank, graph))
    store.remove(stale)
    if new:
        store.add("".join(representative_quads(paper.value, new, graph)))


def _stored_candidates(store: WritableBackend, papers: list[ox.NamedNode]) -> dict[str, list[Candidate]]:
    """The candidates of each of these papers, from one query: bounded by the batch's citing papers."""
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}  # paper, citation: its rows
    for row in queries.iterate_many(store, "representative-candidates", "paper", papers):
        rows.setdefault(row["paper"], {}).setdefault(row["citation"], []).append(row)
    return {
        paper: [_candidate(citation, found) for citation, found in by_citation.items()]
        for paper, by_citation in rows.items()
    }


def _candidates_of(store: WritableBackend, citations: list[ox.NamedNode]) -> dict[str, Candidate]:
    """These citations as candidates, those whose citing paper has a summary, a batch a query."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for batch in batched(citations):
        for row in queries.iterate_many(store, "representative-candidates", "citation", batch):
            rows.setdefault(row["citation"], []).append(row)
    return {citation: _candidate(citation, found) for citation, found in rows.items()}


def _candidate(citation: str, found: list[dict[str, Any]]) -> Candidate:
    """A citation as a candidate: one row, or one per combination of values where sources disagree."""
    first = found[0]
    years = [row["year"] for row in found if row["year"] is not None]
    return Candidate(
        citation=citation,
        citing=first["citing"],
        role=first["role"] or "",
        human=bool(first["human"]),
        support=float(first["support"] or 0.0),
        year=min(years) if years else None,
        title=min((row["title"] for row in found if row["title"]), default=""),
    )


def cited_papers(store: WritableBackend) -> Iterator[ox.NamedNode]:
    """Every paper the consensus graph says is cited, once each."""
    graph, cites = store.consensus_graph, CITO["cites"]
    for solution in select(store, f"SELECT DISTINCT ?paper {{ GRAPH {graph} {{ ?citing {cites} ?paper }} }}"):
        yield named(solution["paper"])
