"""Typed literals kept as written.

Oxigraph keeps a typed literal by its value, not its text: ``"P0Y6M"^^xsd:duration`` comes back as
``"P6M"``, ``"2020-01-01T00:00:00.000Z"^^xsd:dateTime`` as ``"2020-01-01T00:00:00Z"``, ``"01"^^xsd:integer``
as ``"1"``; Virtuoso turns durations into a count of months. Both are the same value, but not the same
RDF term, so a source citekg promises to keep as it is (OpenCitations' RDF) would come back changed.
Such a literal is stored as text typed with a citekg datatype named after its own
(``"P0Y6M"^^ckg:durationText``), and every reader of the store that hands data on (exports, dumps,
Graph Store reads) gives it back as written. SPARQL sees the text.
"""

from __future__ import annotations

from typing import TypeVar

import pyoxigraph as ox

from kg.vocab import CKG, XSD

# The XSD datatypes a store rewrites to a canonical form (checked against Oxigraph in the tests).
REWRITTEN = (
    "boolean",
    "decimal",
    "integer",
    "int",
    "long",
    "short",
    "byte",
    "nonNegativeInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "positiveInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
    "float",
    "double",
    "duration",
    "dayTimeDuration",
    "yearMonthDuration",
    "dateTime",
    "dateTimeStamp",
    "date",
    "time",
    "gYear",
    "gYearMonth",
    "gMonth",
    "gDay",
    "gMonthDay",
)
CARRIERS = {XSD[name]: CKG[name + "Text"] for name in REWRITTEN}
_WRITTEN = {carrier: datatype for datatype, carrier in CARRIERS.items()}
_PROBE = ox.NamedNode("urn:citekg:probe")
_scratch: ox.Store | None = None

Term = TypeVar("Term", ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)


def as_text(literal: ox.Literal) -> ox.Literal:
    """The literal as text typed with its carrier datatype (for a store that rewrites all of its type)."""
    return ox.Literal(literal.value, datatype=CARRIERS[literal.datatype])


def carried(term: Term) -> Term:
    """The term as a store must hold it to give it back as written: as text when the engine would
    rewrite it, else unchanged."""
    if not isinstance(term, ox.Literal) or term.datatype not in CARRIERS:
        return term
    return term if stored_form(term) == term.value else as_text(term)


def written(term: Term) -> Term:
    """A term read from the store, typed as it was written (the inverse of ``carried``)."""
    if isinstance(term, ox.Literal) and term.datatype in _WRITTEN:
        return ox.Literal(term.value, datatype=_WRITTEN[term.datatype])
    return term


def written_quad(quad: ox.Quad) -> ox.Quad:
    if isinstance(quad.object, ox.Literal) and quad.object.datatype in _WRITTEN:
        return ox.Quad(quad.subject, quad.predicate, written(quad.object), quad.graph_name)
    return quad


def stored_form(literal: ox.Literal) -> str:
    """The text Oxigraph keeps for a literal (a scratch in-memory store is the only way to ask)."""
    global _scratch
    if _scratch is None:
        _scratch = ox.Store()
    quad = ox.Quad(_PROBE, _PROBE, literal)
    _scratch.add(quad)
    kept = next(_scratch.quads_for_pattern(_PROBE, _PROBE, None))
    _scratch.remove(kept)
    return kept.object.value  # type: ignore[union-attr]
