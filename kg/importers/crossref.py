"""Crossref works: an API response (``{"message": work}`` or a page of ``message.items``), a list of
works, or JSON Lines of works.

A work becomes a paper named by its DOI, with its title, year, date, venue (``container-title``),
authors (with ORCIDs) and abstract (JATS tags removed); every entry of ``reference`` becomes a citation
from it. An entry with a DOI cites that DOI. An entry without one is kept as a work of its own, named
``ref:<citing DOI>#<key>``, with the title and year the entry gives (``article-title``, ``volume-title``
or ``unstructured``), not dropped.

Crossmark updates become notices: a work that is a retraction, correction or expression of concern
names the work it updates in ``update-to`` (the notice is this work); a work others update lists them in
``updated-by`` (the notice is the other work). Update types citekg has no nature for (a new version, an
addendum) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from kg.errors import RecordError
from kg.importers import Format, Item
from kg.importers.jsonl import is_json_lines, read_document, read_rows, records_of
from kg.records import Author, Citation, Notice, Paper
from kg.vocab import NOTICE_SYNONYMS

_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def _text(value: Any) -> str | None:
    """Crossref's text fields are lists of strings, or JATS-tagged strings."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not value:
        return None
    return _SPACES.sub(" ", _TAG.sub(" ", str(value))).strip() or None


def _date(work: dict[str, Any]) -> tuple[int | None, str | None]:
    for key in ("issued", "published", "published-print", "published-online", "created"):
        year, date = _dated(work.get(key))
        if year is not None:
            return year, date
    return None, None


def _dated(value: Any) -> tuple[int | None, str | None]:
    """A Crossref date (``{"date-parts": [[2012, 5, 8]]}``) as its year and ISO date."""
    parts = ((value or {}).get("date-parts") or [[None]])[0]
    if not parts or not parts[0]:
        return None, None
    date = "-".join(f"{int(p):02d}" if i else f"{int(p):04d}" for i, p in enumerate(parts[:3]))
    return int(parts[0]), date


def _updates(work: dict[str, Any], doi: str) -> Iterator[Notice]:
    for key, updated_is_this in (("update-to", False), ("updated-by", True)):
        for update in work.get(key) or []:
            kind = str(update.get("type") or "").lower().replace("_", " ").replace("-", " ")
            if kind not in NOTICE_SYNONYMS or not update.get("DOI"):
                continue
            _, date = _dated(update.get("updated"))
            paper, notice = (doi, update["DOI"]) if updated_is_this else (update["DOI"], doi)
            yield Notice(paper=f"doi:{paper}", nature=kind, date=date, doi=notice, source="Crossref")


def work_records(work: dict[str, Any]) -> Iterator[Paper | Citation | Notice]:
    year, date = _date(work)
    authors = [
        Author(name=" ".join(p for p in (a.get("given"), a.get("family")) if p), orcid=a.get("ORCID"))
        for a in work.get("author") or []
        if a.get("family") or a.get("given")
    ]
    paper = Paper(
        id=f"doi:{work['DOI']}",
        title=_text(work.get("title")),
        abstract=_text(work.get("abstract")),
        year=year,
        date=date,
        venue=_text(work.get("container-title")),
        authors=authors,
    )
    yield paper
    for entry in work.get("reference") or []:
        if entry.get("DOI"):
            yield Citation(citing=paper.id, cited=f"doi:{entry['DOI']}")
            continue
        cited = f"ref:{paper.id.value}#{entry['key']}"
        title = _text(entry.get("article-title") or entry.get("volume-title") or entry.get("unstructured"))
        entry_year = str(entry.get("year") or "")[:4]
        yield Paper(id=cited, title=title, year=int(entry_year) if entry_year.isdigit() else None)
        yield Citation(citing=paper.id, cited=cited)
    yield from _updates(work, work["DOI"])


def _works(data: Any) -> list[tuple[str, Any]]:
    if isinstance(data, list):
        return [(f"[{i}]", w) for i, w in enumerate(data)]
    message = data.get("message", data) if isinstance(data, dict) else data
    if isinstance(message, dict) and isinstance(message.get("items"), list):
        return [(f"message.items[{i}]", w) for i, w in enumerate(message["items"])]
    return [("message" if isinstance(data, dict) and "message" in data else "$", message)]


def read_crossref(path: Path, _paper: str | None = None) -> Iterator[Item]:
    """A JSON document is read whole (an API response is bounded by its page size); JSON Lines stream."""
    if is_json_lines(path):
        yield from read_rows(path, work_records, {})
        return
    try:
        documents = _works(read_document(path, "a Crossref work"))
    except ValueError as error:
        yield RecordError(str(path), 1, "json", str(error))
        return
    for location, work in documents:
        if not isinstance(work, dict):
            yield RecordError(str(path), location, "work", "expected a Crossref work object")
            continue
        yield from records_of(str(path), location, partial(work_records, work))


def _recognises(start: str) -> bool:
    return '"DOI"' in start and (
        '"message-type"' in start or '"reference"' in start or '"container-title"' in start
    )


FORMATS = (
    Format(
        name="crossref",
        description="Crossref works: an API response, a page of items, a list, or JSON Lines",
        example='{"status":"ok","message-type":"work","message":{"DOI":"10.1371/journal.pone.0033693",'
        '"title":["…"],"reference":[{"key":"ref1","DOI":"10.1038/npp.2008.1"}]}}',
        recognises=_recognises,
        read=read_crossref,
    ),
)
