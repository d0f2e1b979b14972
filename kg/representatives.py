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
ranks by another key now (it might have got worse), so a hub's other citing papers are not read again:
a replace by the same file, whose citations all changed and rank as they did, reads only those. A kept
citation that ranks by another key or is gone, or a merge of papers, re-ranks the paper from all its
candidates (``refresh``).
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

KEPT = 16  # enough to fill any hub summary (of up to kg.hub.MAX_SHOWN) after the best of each role
HAS_REPRESENTATIVE, RANK = CKG["hasRepresentativeCitation"], CKG["representativeRank"]
KEY = CKG["representativeKey"]


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

    def stated(self) -> str:
        """What ranks it, as one string (``ckg:representativeKey``), so that a kept citation's
        rank is compared with a newcomer's without reading its consensus and citing paper again.

        >>> c = Candidate("c", "p", "r", True, 0.5, None, "A\ttitle")
        >>> Candidate.from_stated("c", c.stated()) == c
        True
        """
        year = "" if self.year is None else str(self.year)
        return "\t".join((self.role, str(int(self.human)), repr(self.support), year, self.citing, self.title))

    @classmethod
    def from_stated(cls, citation: str, text: str) -> Candidate:
        role, human, support, year, citing, title = text.split("\t", 5)
        return cls(citation, citing, role, human == "1", float(support), int(year) if year else None, title)


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
        yield quad(c, KEY, literal(candidate.stated()), g)


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
    the changed citations, and compares them with the kept ones by their stated keys; a re-rank reads
    every candidate, some 150 us each on the embedded store at 2x10^5 citations."""
    for batch in batched(changes):
        kept = _kept(store, [paper for paper, _ in batch])
        rerank, merge = [], []
        for paper, changed in batch:
            stale_keys = any(key is None for _, key in kept.get(paper.value, {}).values())
            if changed is None or stale_keys:
                rerank.append(paper)
            else:
                merge.append((paper, changed))
        # a changed citation whose citing paper has no summary is no candidate: a paper that gains none
        # keeps what it kept
        gained = _candidates_of(store, [citation for _, changed in merge for citation in changed])
        merged = []
        for paper, changed in merge:
            old = kept.get(paper.value, {})
            touched = {citation.value for citation in changed}
            if len(old) < KEPT:
                # fewer than KEPT kept: every candidate was kept, so those the write left alone and the
                # changed ones that are candidates now are all there is to rank (a drop at 10^7
                # citations re-ranked thousands of such papers from every citation they have)
                held = [
                    Candidate.from_stated(c, key.value)
                    for c, (_, key) in old.items()
                    if c not in touched and key is not None
                ]
                merged.append((paper, [*held, *(gained[c] for c in touched if c in gained)]))
            elif any(_worse(c, old, gained) for c in touched if c in old):
                # a kept citation that changed may rank lower now, or be gone: then the paper is
                # re-ranked whole; one whose key is as stated (a replace by the same file) is held
                rerank.append(paper)
            elif gains := [gained[c] for c in touched if c in gained and c not in old]:
                held = [Candidate.from_stated(c, key.value) for c, (_, key) in old.items() if key is not None]
                merged.append((paper, [*gains, *held]))
        graph, stale, fresh = store.consensus_graph, list[ox.Quad](), list[str]()
        candidates = _stored_candidates(store, rerank) if rerank else {}
        for paper in rerank:
            new = choose(candidates.get(paper.value, []))
            _replace(paper, kept.get(paper.value, {}), new, graph, stale, fresh)
        for paper, ranked in merged:
            _replace(paper, kept.get(paper.value, {}), choose(ranked), graph, stale, fresh)
        store.remove(stale)
        if fresh:
            store.add("".join(fresh))


Stated = tuple[ox.Literal | None, ox.Literal | None]  # a kept citation's rank and key, as stored


def _worse(citation: str, kept: dict[str, Stated], now: dict[str, Candidate]) -> bool:
    """Whether a kept citation may rank otherwise than its stated key says: no longer a candidate, or
    ranked by another key."""
    _, key = kept[citation]
    return citation not in now or key is None or now[citation].stated() != key.value


def _kept(store: WritableBackend, papers: list[ox.NamedNode]) -> dict[str, dict[str, Stated]]:
    """The kept citations of each of these papers, with their ranks and keys (either may be missing
    where an older citekg's consensus refresh removed them: such a paper is re-ranked whole)."""
    graph = store.consensus_graph
    pattern = (  # (the OPTIONALs groups of their own: 1.5x faster than inside the GRAPH group)
        f"GRAPH {graph} {{ ?paper {HAS_REPRESENTATIVE} ?citation }} "
        f"OPTIONAL {{ GRAPH {graph} {{ ?citation {RANK} ?rank }} }} "
        f"OPTIONAL {{ GRAPH {graph} {{ ?citation {KEY} ?key }} }}"
    )
    kept: dict[str, dict[str, Stated]] = {}
    for row in solutions(store, "?paper", papers, pattern):
        rank, key = row["rank"], row["key"]
        kept.setdefault(named(row["paper"]).value, {})[named(row["citation"]).value] = (
            rank if isinstance(rank, ox.Literal) else None,
            key if isinstance(key, ox.Literal) else None,
        )
    return kept


def _replace(
    paper: ox.NamedNode,
    old: dict[str, Stated],
    new: list[tuple[int, Candidate]],
    graph: ox.NamedNode,
    stale: list[ox.Quad],
    fresh: list[str],
) -> None:
    """Note the quads that put a paper's new kept citations in place of its old ones: those no longer
    true in ``stale``, those not yet true in ``fresh`` (a batch's writes go together)."""
    now = {candidate.citation: (str(rank), candidate.stated()) for rank, candidate in new}
    for citation, (rank, key) in old.items():
        node, wanted = ox.NamedNode(citation), now.get(citation)
        if wanted is None:
            stale.append(ox.Quad(paper, HAS_REPRESENTATIVE, node, graph))
        if rank is not None and (wanted is None or wanted[0] != rank.value):
            stale.append(ox.Quad(node, RANK, rank, graph))
        if key is not None and (wanted is None or wanted[1] != key.value):
            stale.append(ox.Quad(node, KEY, key, graph))
    for citation, (rank_text, key_text) in now.items():
        term, (rank, key) = iri(citation), old.get(citation, (None, None))
        if citation not in old:
            fresh.append(quad(paper, HAS_REPRESENTATIVE, term, graph))
        if rank is None or rank.value != rank_text:
            fresh.append(quad(term, RANK, literal(rank_text, XSD["integer"]), graph))
        if key is None or key.value != key_text:
            fresh.append(quad(term, KEY, literal(key_text), graph))


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
