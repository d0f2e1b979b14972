"""OpenCitations RDF (N-Triples, N-Quads, Turtle, JSON-LD; their data model), loaded as it is and aligned.

Every triple of the file is kept as it is, in graphs of its own beside the source graph: the file's
default graph in ``SOURCE#as-published``, each of its named graphs in ``SOURCE#as-published:NAME``
(its name percent-encoded; the source graph says so with ``void:subset`` and ``dcterms:source``), with
their lexical forms (``kg.literals``); they are replaced and dropped with the source graph.

So that citekg's queries see what the file says, the importer also derives citekg's records from it
(into the source graph): each ``cito:Citation`` becomes a citation between the papers its entities name
(``http://dx.doi.org/…`` IRIs are DOIs, ``https://w3id.org/oc/meta/br/…`` IRIs are OMIDs), with its
creation date, time span and self-citation types; each bibliographic resource of OpenCitations Meta with
identifiers becomes a paper with those ids (and its OMID), title and date. Those derivations need facts
that may be far apart in the file: they are spooled and brought together by an external sort, so memory
stays flat.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from pydantic import ValidationError

from kg import literals
from kg.errors import RecordError
from kg.ids import parse_id
from kg.importers import Format, Item, first_line, open_binary
from kg.records import Citation, Paper, Raw, Unplaced
from kg.spool import sorted_lines
from kg.vocab import CITO, DATACITE, DCTERMS, FABIO, LITERAL, PRISM, RDF

_BATCH = 5000
_FACTS = {
    CITO["hasCitingEntity"].value: "citing",
    CITO["hasCitedEntity"].value: "cited",
    CITO["hasCitationCreationDate"].value: "date",
    CITO["hasCitationTimeSpan"].value: "timespan",
    DCTERMS["title"].value: "title",
    PRISM["publicationDate"].value: "published",
}
_TYPES = {
    CITO["Citation"].value: "citation",
    CITO["AuthorSelfCitation"].value: "author_self_citation",
    CITO["JournalSelfCitation"].value: "journal_self_citation",
    FABIO["Expression"].value: "expression",
}
_POSITION = re.compile(r"line (\d+)")
META_BR = "https://w3id.org/oc/meta/br/"


def _syntax(path: Path) -> ox.RdfFormat:
    """N-Quads for line-based files (N-Triples is a subset; OpenCitations ships N-Quads named .ttl too),
    JSON-LD for JSON, Turtle otherwise."""
    with open_binary(path) as raw:
        start = raw.read(65_536).decode("utf-8", errors="replace").lstrip()
    if start[:1] in ("{", "["):
        return ox.RdfFormat.JSON_LD
    line = next(
        (text for text in start.splitlines() if text.strip() and not text.lstrip().startswith("#")), ""
    )
    try:
        list(ox.parse(line.encode(), ox.RdfFormat.N_QUADS))
    except SyntaxError:
        return ox.RdfFormat.TURTLE
    return ox.RdfFormat.N_QUADS


def _paper_id(iri: str) -> str | None:
    for prefix in ("http://dx.doi.org/", "https://doi.org/", "http://doi.org/"):
        if iri.startswith(prefix):
            from urllib.parse import unquote

            return "doi:" + unquote(iri[len(prefix) :])
    if iri.startswith(META_BR):
        return "omid:br/" + iri[len(META_BR) :]
    return None


def read_rdf(path: Path, _paper: str | None = None) -> Iterator[Item]:
    with tempfile.TemporaryDirectory(prefix="oc-rdf-") as folder:
        facts, links = Path(folder) / "facts", Path(folder) / "links"
        with facts.open("w", encoding="utf-8") as fact_out, links.open("w", encoding="utf-8") as link_out:
            try:
                yield from _pass_through(path, fact_out, link_out)
            except SyntaxError as error:
                where = _POSITION.search(str(error))
                yield RecordError(
                    str(path), int(where.group(1)) if where else 1, "rdf", str(error).split("\n")[0]
                )
                return
        with facts.open("a", encoding="utf-8") as fact_out:
            _identifiers(links, fact_out)
        yield from _derived(path, facts)


def _pass_through(path: Path, facts: IO[str], links: IO[str]) -> Iterator[Item]:
    """The file's triples as they are, a batch per run of one graph (lexical forms kept: see
    ``kg.literals``), noting the facts the derived records need on the way."""
    triples: list[str] = []
    graph: str | None = None
    with open_binary(path) as raw:
        for quad in ox.parse(raw, _syntax(path), base_iri=None):
            s, p, o = quad.subject, quad.predicate, quad.object
            in_graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
            if in_graph != graph or len(triples) == _BATCH:
                if triples:
                    yield 0, Raw(tuple(triples), graph)
                triples, graph = [], in_graph
            triples.append(f"{s} {p} {literals.carried(o)}")
            if not isinstance(s, ox.NamedNode):
                continue
            if p == RDF["type"] and o.value in _TYPES:
                facts.write(f'{s.value}\t{_TYPES[o.value]}\t""\n')
            elif p.value in _FACTS:
                facts.write(f"{s.value}\t{_FACTS[p.value]}\t{json.dumps(o.value)}\n")
            elif p == DATACITE["hasIdentifier"] and isinstance(o, ox.NamedNode):
                links.write(f"{o.value}\towner\t{json.dumps(s.value)}\n")
            elif p == DATACITE["usesIdentifierScheme"]:
                links.write(f"{s.value}\tscheme\t{json.dumps(o.value.rsplit('/', 1)[-1])}\n")
            elif p == LITERAL["hasLiteralValue"]:
                links.write(f"{s.value}\tvalue\t{json.dumps(o.value)}\n")
    if triples:
        yield 0, Raw(tuple(triples), graph)


def _rows(path: Path) -> Iterator[tuple[str, str, str]]:
    for line in sorted_lines(path):
        subject, kind, value = line.rstrip("\n").split("\t", 2)
        yield subject, kind, json.loads(value)


def _identifiers(links: Path, facts: IO[str]) -> None:
    """Join identifier entities to their owners: one ``owner id scheme:value`` fact each."""
    for _, group in groupby(_rows(links), key=lambda row: row[0]):
        rows = list(group)
        found = {kind: value for _, kind, value in rows if kind != "owner"}
        if "scheme" in found and "value" in found:
            for _, kind, owner in rows:
                if kind == "owner":
                    facts.write(f"{owner}\tid\t{json.dumps(found['scheme'] + ':' + found['value'])}\n")


def _derived(path: Path, facts: Path) -> Iterator[Item]:
    for subject, group in groupby(_rows(facts), key=lambda row: row[0]):
        values: dict[str, list[str]] = {}
        for _, kind, value in group:
            values.setdefault(kind, []).append(value)
        location = f"<{subject}>"
        try:
            if "citation" in values:
                yield from _citation(location, values)
            if "expression" in values and ("id" in values or subject.startswith(META_BR)):
                yield location, _paper(subject, values)
        except (ValidationError, ValueError) as error:
            yield RecordError(str(path), location, "rdf", str(error).split("\n")[0])


def _citation(location: str, values: dict[str, list[str]]) -> Iterator[Item]:
    citing = _paper_id(values.get("citing", [""])[0])
    cited = _paper_id(values.get("cited", [""])[0])
    if citing is None or cited is None:
        yield location, Unplaced(reason="a citation entity is not a DOI or OMID IRI")
        return
    yield (
        location,
        Citation(
            citing=citing,
            cited=cited,
            date=values.get("date", [None])[0],
            timespan=values.get("timespan", [None])[0],
            author_self_citation="author_self_citation" in values,
            journal_self_citation="journal_self_citation" in values,
        ),
    )


def _paper(subject: str, values: dict[str, list[str]]) -> Paper:
    ids: dict[str, list[str]] = {}
    for found in values.get("id", []):
        scheme, _, value = found.partition(":")
        try:
            paper_id = parse_id(f"{scheme}:{value}")
        except ValueError:
            continue  # schemes citekg does not use (ISSN, ORCID, ...)
        ids.setdefault(paper_id.scheme, []).append(paper_id.value)
    own = _paper_id(subject)
    if own is None and not ids:
        raise ValueError(f"{subject} has no id citekg knows")
    main = own or f"{next(iter(ids))}:{ids[next(iter(ids))][0]}"
    published = values.get("published", [None])[0]
    return Paper(
        id=main, ids=ids, title=values.get("title", [None])[0], date=published[:10] if published else None
    )


def _recognises(start: str) -> bool:
    text = start.lstrip()
    if text[:1] in ("{", "["):
        looks_rdf = _json_ld(start)
    else:
        looks_rdf = text[:1] in ("<", "@") or text[:6].upper() == "PREFIX"
    return (
        looks_rdf
        and ("purl.org/spar/cito" in start or "w3id.org/oc/" in start)
        and "\t" not in first_line(start)
    )


def _json_ld(start: str) -> bool:
    """JSON that is JSON-LD: its keys are JSON-LD's (a line of JSON Lines whose text merely names an
    OpenCitations IRI, such as a native record's title, is not)."""
    try:
        line = json.loads(first_line(start))
    except (ValueError, RecursionError):  # pretty-printed, or cut off: judge by the keywords in it
        return any(keyword in start for keyword in ('"@context"', '"@graph"', '"@id"'))
    records = line if isinstance(line, list) else [line]
    return any(isinstance(record, dict) and any(str(k).startswith("@") for k in record) for record in records)


FORMATS = (
    Format(
        name="opencitations-rdf",
        description="OpenCitations RDF: N-Triples, N-Quads, Turtle or JSON-LD of their data model",
        example="<https://w3id.org/oc/index/coci/ci/0200…> <http://purl.org/spar/cito/hasCitingEntity> "
        "<http://dx.doi.org/10.1038/sj.cdd.4401289> .",
        recognises=_recognises,
        read=read_rdf,
    ),
)
