"""Semantic Scholar Graph API responses saved to files: paper objects, ``/paper/batch`` arrays, and
``/paper/{id}/citations`` and ``/references`` pages (one page per file, or one item of a page).

A paper object becomes a paper with every id it lists (``paperId`` as ``s2:``, and DOI, ArXiv, PubMed,
PubMedCentral and CorpusId from ``externalIds``), its title, abstract, year, date, venue, authors, and
``tldr.text`` as the one-line summary. A citations page lists the citing papers of one paper, which the
page itself does not name: give it as ``kg load --paper ID``. Each item becomes the citing (or cited)
paper, the citation with its contexts and ``isInfluential``, and one annotation per intent by the
annotator ``semantic-scholar`` (a model; ``methodology`` is method, ``result`` is comparison). A
``null`` in a batch (an id not found) and an item whose paper has no ``paperId`` are counted as
unplaced.

An API response is bounded by the API (at most 1,000 items a page, 500 papers a batch), so a file is
parsed whole; errors name the JSON path of the item in place of a line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import RecordError
from kg.importers import Format, Item
from kg.importers.jsonl import read_document, records_of
from kg.importers.semanticscholar import ANNOTATOR, intent_labels
from kg.records import Annotation, Author, Citation, Paper, Unplaced

_EXTERNAL = {
    "DOI": "doi",
    "ArXiv": "arxiv",
    "PubMed": "pmid",
    "PubMedCentral": "pmcid",
    "CorpusId": "corpusid",
}


def paper_record(obj: dict[str, Any]) -> Paper:
    """A paper from a Graph API paper object."""
    ids: dict[str, list[str]] = {}
    for key, scheme in _EXTERNAL.items():
        value = (obj.get("externalIds") or {}).get(key)
        if value not in (None, ""):
            ids.setdefault(scheme, []).append(str(value))
    if obj.get("corpusId") is not None and "corpusid" not in ids:
        ids["corpusid"] = [str(obj["corpusId"])]
    tldr = obj.get("tldr") or {}
    date = obj.get("publicationDate")
    return Paper(
        id=f"s2:{obj['paperId']}",
        ids=ids,
        title=obj.get("title") or None,
        abstract=obj.get("abstract") or None,
        summary=tldr.get("text") or None,
        year=obj.get("year"),
        date=date[:10] if isinstance(date, str) and date else None,
        venue=obj.get("venue") or None,
        authors=[Author(name=a["name"]) for a in obj.get("authors") or [] if (a.get("name") or "").strip()],
    )


def _item_records(
    item: dict[str, Any], paper: str | None
) -> Iterator[Paper | Citation | Annotation | Unplaced]:
    """The records of one item of a citations or references page."""
    citing_side = "citingPaper" in item
    other = item.get("citingPaper" if citing_side else "citedPaper") or {}
    if not other.get("paperId"):
        yield Unplaced(reason="the listed paper has no paperId")
        return
    if paper is None:
        raise ValueError(
            "paper: a citations or references page does not name its paper; give it with --paper"
        )
    record = paper_record(other)
    yield record
    citing, cited = (str(record.id), paper) if citing_side else (paper, str(record.id))
    contexts = [c for c in item.get("contexts") or [] if c and c.strip()]
    yield Citation(citing=citing, cited=cited, contexts=contexts, influential=item.get("isInfluential"))
    for intent in intent_labels(item.get("intents")):
        yield Annotation(citing=citing, cited=cited, role=intent, annotator=ANNOTATOR)


def _documents(data: Any) -> Iterator[tuple[str, Any, str]]:
    """(JSON path, object, kind) for each paper object or page item of a response."""
    if isinstance(data, list):
        for index, obj in enumerate(data):
            yield f"[{index}]", obj, "paper"
    elif isinstance(data, dict) and isinstance(data.get("data"), list):
        for index, obj in enumerate(data["data"]):
            yield f"data[{index}]", obj, "item"
    elif isinstance(data, dict) and ("citingPaper" in data or "citedPaper" in data):
        yield "$", data, "item"
    else:
        yield "$", data, "paper"


def read_api(path: Path, paper: str | None = None) -> Iterator[Item]:
    """Yield the records of a saved Graph API response, or a RecordError at the item's JSON path."""
    try:
        data = read_document(path, "a Semantic Scholar API response")
    except ValueError as error:
        yield RecordError(str(path), 1, "json", str(error))
        return
    for location, obj, kind in _documents(data):
        if obj is None:
            yield location, Unplaced(reason="the batch did not find this id")
            continue
        if not isinstance(obj, dict):
            yield RecordError(str(path), location, "json", "expected a paper object")
            continue
        make = (
            (lambda obj=obj: [paper_record(obj)])
            if kind == "paper"
            else (lambda obj=obj: _item_records(obj, paper))
        )
        yield from records_of(str(path), location, make)


def _recognises(start: str) -> bool:
    """A JSON document (not JSON Lines) that mentions paperId."""
    lines = [line for line in start.splitlines() if line.strip()]
    if not lines or lines[0].lstrip()[:1] not in ("{", "[") or '"paperId"' not in start:
        return False
    try:
        json.loads(lines[0])
    except (ValueError, RecursionError):
        return True  # the first line is only the start of a document
    return len(lines) == 1


FORMATS = (
    Format(
        name="s2-api",
        description="Semantic Scholar Graph API responses: paper objects, /paper/batch arrays, "
        "/citations and /references pages (give their paper with --paper)",
        example='{"offset":0,"next":50,"data":[{"contexts":[…],"intents":["methodology"],"isInfluential":true,'
        '"citingPaper":{"paperId":"bdcb…","title":"…"}}]}',
        recognises=_recognises,
        read=read_api,
    ),
)
