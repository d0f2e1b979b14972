"""OpenAlex works, as a JSON document (one work, or a list of works) or as JSON Lines (the snapshot).

A work becomes a paper named by its W-id and its DOI (and PubMed ids from ``ids``), with its title,
year, date, venue, authors (with ORCIDs) and the abstract rebuilt from ``abstract_inverted_index``;
every entry of ``referenced_works`` becomes a citation from it. A work OpenAlex flags ``is_retracted``
gets a retraction notice (from OpenAlex, which does not date it).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from kg.errors import RecordError
from kg.importers import Format, Item, first_line
from kg.importers.jsonl import is_json_lines, keys_of, read_document, read_rows, records_of
from kg.records import Author, Citation, Notice, Paper

_WORK_KEYS = {"id", "referenced_works"}


def abstract(inverted: dict[str, list[int]] | None) -> str | None:
    """The abstract text from OpenAlex's inverted index (word -> positions).

    >>> abstract({"Open": [0, 2], "access": [1], "wins": [3]})
    'Open access Open wins'
    """
    if not inverted:
        return None
    words = sorted((position, word) for word, positions in inverted.items() for position in positions)
    return " ".join(word for _, word in words) or None


def _venue(work: dict[str, Any]) -> str | None:
    source = ((work.get("primary_location") or {}).get("source") or {}).get("display_name")
    return source or (work.get("host_venue") or {}).get("display_name") or None


def work_records(work: dict[str, Any]) -> Iterator[Paper | Citation | Notice]:
    ids: dict[str, list[str]] = {}
    if work.get("doi"):
        ids["doi"] = [work["doi"]]
    extra = work.get("ids") or {}
    for key, scheme in (("pmid", "pmid"), ("pmcid", "pmcid")):
        if extra.get(key):
            ids[scheme] = [str(extra[key]).rstrip("/").rsplit("/", 1)[-1]]
    authors = []
    for authorship in work.get("authorships") or []:
        author = authorship.get("author") or {}
        if (author.get("display_name") or "").strip():
            authors.append(Author(name=author["display_name"], orcid=author.get("orcid")))
    paper = Paper(
        id=f"openalex:{work['id']}",
        ids=ids,
        title=work.get("title") or work.get("display_name") or None,
        abstract=abstract(work.get("abstract_inverted_index")),
        year=work.get("publication_year"),
        date=work.get("publication_date") or None,
        venue=_venue(work),
        authors=authors,
    )
    yield paper
    if work.get("is_retracted") is True:
        yield Notice(paper=paper.id, nature="retraction", source="OpenAlex")
    for cited in work.get("referenced_works") or []:
        yield Citation(citing=paper.id, cited=f"openalex:{cited}")


def read_works(path: Path, _paper: str | None = None) -> Iterator[Item]:
    """A JSON document is read whole (an API response is bounded by its page size); JSON Lines stream."""
    if is_json_lines(path):
        yield from read_rows(path, work_records, {"id": "id"})
    else:
        yield from _read_document(path)


def _read_document(path: Path) -> Iterator[Item]:
    try:
        data = read_document(path, "an OpenAlex work")
    except ValueError as error:
        yield RecordError(str(path), 1, "json", str(error))
        return
    works = data if isinstance(data, list) else data.get("results", [data]) if isinstance(data, dict) else []
    for index, work in enumerate(works):
        location = f"[{index}]" if works is not data or isinstance(data, list) else "$"
        yield from records_of(str(path), location, partial(work_records, work))


def _recognises(start: str) -> bool:
    return '"referenced_works"' in start and (
        "openalex.org/W" in start or keys_of(first_line(start)) >= _WORK_KEYS
    )


FORMATS = (
    Format(
        name="openalex",
        description="OpenAlex works: one work, a list or a results page (JSON), or the snapshot (JSON Lines)",
        example='{"id":"https://openalex.org/W2741809807","doi":"https://doi.org/10.7717/peerj.4375",'
        '"publication_year":2018,"referenced_works":["https://openalex.org/W1560783210"]}',
        recognises=_recognises,
        read=read_works,
    ),
)
