"""The citing-papers explorer, materialised: every row a hub's explorer filters and sorts on, in one
index range.

Reading a hub's rows from the consensus graph (citation, role, polarity, the citing paper's year and
title) costs an index lookup per row and value, some 17 µs each: seconds for a hub with 10,000 citing
papers. So each citation in the consensus graph carries its explorer row as one literal,
``"YEAR\\tROLE\\tPOLARITY\\tCITING\\tTITLE"`` (``ckg:explorerEntry``), stated on the citation (to find it
again when the citation changes) and on the cited paper, where one range scan gives the hub's every
row; filtering, sorting and paging them is then Python's work on short strings. The rows are refreshed
with the consensus of the citations a change touches (``refresh``), and rebuilt with it (``rebuild``).
The saved query ``hub-citing`` answers the same rows from the graph itself (a test holds them equal).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import IO, Any, NamedTuple

import pyoxigraph as ox

from kg.backend import Backend, WritableBackend, batched, named, select, solutions, value_of
from kg.nquads import iri, quad
from kg.spool import sorted_lines
from kg.vocab import CITO, CKG, DCTERMS, FABIO, POLARITY_BY_IRI, ROLE_BY_IRI

ENTRY = CKG["explorerEntry"]
YEAR, TITLE = FABIO["hasPublicationYear"], DCTERMS["title"]
CITING, CITED = CITO["hasCitingEntity"].value, CITO["hasCitedEntity"].value
ROLE, POLARITY = CKG["primaryRole"].value, CKG["primaryPolarity"].value
_CITATION_FACTS = {CITO[name] for name in ("hasCitingEntity", "hasCitedEntity")} | {
    CKG[name] for name in ("primaryRole", "primaryPolarity")
}
SORTS = ("year", "year-asc", "title", "title-desc")
UNCLASSIFIED = "unclassified"  # the role (or polarity) filter for citations without one


class Row(NamedTuple):
    """One citing paper in a hub's explorer (a named tuple: a big hub's page makes 10^4 of them)."""

    citing: str
    year: int | None
    role: str | None
    polarity: str | None
    title: str | None


def entry(row: Row) -> ox.Literal:
    """A row as the literal the consensus graph keeps: the title last, so that it may hold tabs."""
    fields = (
        "" if row.year is None else str(row.year),
        row.role or "",
        row.polarity or "",
        row.citing,
        row.title or "",
    )
    return ox.Literal("\t".join(fields))


def parse(text: str) -> Row:
    year, role, polarity, citing, title = text.split("\t", 4)
    return Row(citing, int(year) if year else None, role or None, polarity or None, title or None)


def rows(store: Backend, paper: ox.NamedNode) -> Iterator[Row]:
    """Every explorer row of a cited paper: one range of the consensus graph's index (asked in SPARQL,
    which decodes only the entries, where a quad pattern would decode four terms a row)."""
    found = select(
        store, f"SELECT ?entry WHERE {{ GRAPH {store.consensus_graph} {{ {paper} {ENTRY} ?entry }} }}"
    )
    for solution in found:
        yield parse(solution[0].value)


def page(
    found: Iterable[Row],
    *,
    role: str | None = None,
    polarity: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    sort: str = "year",
) -> list[Row]:
    """The rows that pass the filters, in the order asked: by year (newest first, or ``year-asc``) or
    by title (case-insensitive, or ``title-desc``); rows without a year last in both year orders,
    rows without a title first by title (last by ``title-desc``), ties by the citing paper's IRI. The
    order of the saved query ``hub-citing``."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; expected one of {', '.join(SORTS)}")
    kept = [
        row
        for row in found
        if _matches(row.role, role)
        and _matches(row.polarity, polarity)
        and (from_year is None or (row.year is not None and row.year >= from_year))
        and (to_year is None or (row.year is not None and row.year <= to_year))
    ]
    kept.sort(key=lambda row: row.citing)  # ties stay in IRI order: Python's sorts are stable
    if sort == "year":
        kept.sort(key=lambda row: -(row.year if row.year is not None else -1))
    elif sort == "year-asc":
        kept.sort(key=lambda row: row.year if row.year is not None else 9999)
    else:
        kept.sort(key=lambda row: (row.title or "").lower(), reverse=sort == "title-desc")
    return kept


def _matches(value: str | None, wanted: str | None) -> bool:
    return wanted is None or value == wanted or (wanted == UNCLASSIFIED and value is None)


# --- keeping the rows -------------------------------------------------------------------------------------


def refresh(store: WritableBackend, citations: Iterable[ox.NamedNode]) -> None:
    """Write again the rows of these citations from the consensus graph, a batch at a time: the old row
    goes from the citation and its cited paper, the new one is stated if the citation is still there."""
    graph = store.consensus_graph
    for batch in batched(citations):
        unique = sorted(set(batch), key=str)
        stale = []
        for found in solutions(store, "?citation", unique, f"GRAPH {graph} {{ ?citation {ENTRY} ?entry }}"):
            stale.append(ox.Quad(found["citation"], ENTRY, found["entry"], graph))
        cited = {
            row["citation"]: row["cited"]
            for row in solutions(
                store, "?citation", unique, f"GRAPH {graph} {{ ?citation {CITO['hasCitedEntity']} ?cited }}"
            )
        }
        stale += [ox.Quad(cited[q.subject], ENTRY, q.object, graph) for q in stale if q.subject in cited]
        store.remove(stale)
        fresh = "".join(_quads(store, list(cited), graph))
        if fresh:
            store.add(fresh)


def refresh_citing(
    store: WritableBackend, papers: Iterable[ox.NamedNode], *, besides: ox.NamedNode | None = None
) -> None:
    """Write again the rows of the citations these papers make (their year or title changed), but
    those a source graph ``besides`` holds (whose rows were just written again)."""
    graph = store.consensus_graph
    pattern = f"GRAPH {graph} {{ ?citation {CITO['hasCitingEntity']} ?paper }}"
    if besides is not None:
        pattern += f" FILTER NOT EXISTS {{ GRAPH {besides} {{ ?citation a {CITO['Citation']} }} }}"
    refresh(store, (row["citation"] for row in solutions(store, "?paper", papers, pattern)))


def _quads(store: Backend, citations: list[ox.NamedNode], graph: ox.NamedNode) -> Iterator[str]:
    """The row quads of these citations, from what the consensus graph says of them and their citing
    papers: a few plain lookups a batch (an OPTIONAL beside VALUES makes the engine scan)."""

    def values(variable: str, terms: Iterable[ox.NamedNode], predicate: ox.NamedNode) -> dict[Any, Any]:
        pattern = f"GRAPH {graph} {{ {variable} {predicate} ?value }}"
        return {row[variable[1:]]: row["value"] for row in solutions(store, variable, terms, pattern)}

    citing = values("?citation", citations, CITO["hasCitingEntity"])
    cited = values("?citation", citing, CITO["hasCitedEntity"])
    roles = values("?citation", citing, CKG["primaryRole"])
    polarities = values("?citation", citing, CKG["primaryPolarity"])
    papers = sorted(set(citing.values()), key=str)
    years, titles = values("?paper", papers, YEAR), values("?paper", papers, TITLE)
    for citation, paper in citing.items():
        if citation not in cited:
            continue
        row_entry = entry(
            Row(
                paper.value,
                _year(years.get(paper)),
                ROLE_BY_IRI[roles[citation].value].value if citation in roles else None,
                POLARITY_BY_IRI[polarities[citation].value].value if citation in polarities else None,
                titles[paper].value if paper in titles else None,
            )
        )
        yield quad(citation, ENTRY, row_entry, graph)
        yield quad(cited[citation], ENTRY, row_entry, graph)


def _year(term: ox.Literal | None) -> int | None:
    return int(term.value) if term is not None and term.value.lstrip("-").isdigit() else None


def write_new(described: Path, ranked: Path, out: IO[str], graph: ox.NamedNode) -> None:
    """The rows of a load into an empty store, from its own spools: each ranked citation (sorted by
    its citing paper) joined with the description of its citing paper, if the file gives one."""
    from kg import representatives  # the write path's own: a page need not import it

    for row, paper in representatives.described_citations(described, ranked):
        row_entry = entry(
            Row(
                row.citing,
                paper.year if paper is not None else None,
                ROLE_BY_IRI[row.role].value if row.role else None,
                POLARITY_BY_IRI[row.polarity].value if row.polarity else None,
                (paper.title if paper is not None else "") or None,
            )
        )
        out.write(
            quad(iri(row.citation), ENTRY, row_entry, graph) + quad(iri(row.cited), ENTRY, row_entry, graph)
        )


def rebuild(store: WritableBackend) -> None:
    """Every row again, from one pass over the consensus graph: its citations and its papers' years and
    titles are spooled, sorted on disk and joined on the citing paper, so memory stays flat."""
    graph = store.consensus_graph
    store.remove(list(store.quads_for_pattern(None, ENTRY, None, graph)))
    with tempfile.TemporaryDirectory(prefix="explorer-", dir=store.path) as folder:
        facts, joined, rows = Path(folder) / "facts", Path(folder) / "joined", Path(folder) / "rows.nq"
        with facts.open("w", encoding="utf-8") as out:
            for found in store.quads(graph):
                if found.predicate in _CITATION_FACTS or found.predicate in (YEAR, TITLE):
                    value = json.dumps(value_of(found.object))
                    out.write(f"{named(found.subject).value}\t{found.predicate.value}\t{value}\n")
        with joined.open("w", encoding="utf-8") as out:
            for subject, group in groupby(_split(sorted_lines(facts)), key=lambda fact: fact[0]):
                said = {predicate: json.loads(value) for _, predicate, value in group}
                if CITED in said and CITING in said:  # a citation: its facts, keyed by its citing paper
                    fields = [subject, said[CITED], said.get(ROLE, ""), said.get(POLARITY, "")]
                    out.write(f"{said[CITING]}\t1\t{json.dumps(fields)}\n")
                elif YEAR.value in said or TITLE.value in said:  # a paper: what its rows show of it
                    fields = [said.get(YEAR.value, ""), said.get(TITLE.value, "")]
                    out.write(f"{subject}\t0\t{json.dumps(fields)}\n")
        with rows.open("w", encoding="utf-8") as out:
            for paper, group in groupby(_split(sorted_lines(joined)), key=lambda fact: fact[0]):
                year, title = "", ""
                for _, kind, encoded in group:
                    if kind == "0":
                        year, title = json.loads(encoded)
                        continue
                    citation, cited, role, polarity = json.loads(encoded)
                    row_entry = entry(
                        Row(
                            paper,
                            int(year) if year.lstrip("-").isdigit() else None,
                            ROLE_BY_IRI[role].value if role else None,
                            POLARITY_BY_IRI[polarity].value if polarity else None,
                            title or None,
                        )
                    )
                    out.write(
                        quad(iri(citation), ENTRY, row_entry, graph)
                        + quad(iri(cited), ENTRY, row_entry, graph)
                    )
        store.bulk_load_nquads(rows)


def _split(lines: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    for line in lines:
        subject, predicate, value = line.rstrip("\n").split("\t", 2)
        yield subject, predicate, value
