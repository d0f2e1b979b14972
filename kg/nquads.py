"""N-Quads lines: the one form in which citekg writes what it adds to a store or a scratch file.

A term is a pyoxigraph term (whose ``str`` is its N-Triples form) or N-Triples text made here: an IRI
by ``iri``, a literal by ``literal``, which is the only way free text enters the quads. Strings are
built directly rather than through pyoxigraph's ``Quad``: mapping writes some fifteen quads a record,
and the string is what the bulk loader and ``Store.add`` read.
"""

from __future__ import annotations

import pyoxigraph as ox

Term = str | ox.NamedNode | ox.BlankNode | ox.Literal


def quad(subject: Term, predicate: Term, value: Term, graph: Term) -> str:
    """One N-Quads line."""
    return f"{subject} {predicate} {value} {graph} .\n"


def iri(value: str | ox.NamedNode) -> str:
    """An IRI term from an IRI that citekg minted or read as one (never from free text)."""
    return f"<{value.value}>" if isinstance(value, ox.NamedNode) else f"<{value}>"


def literal(text: str, datatype: ox.NamedNode | None = None) -> str:
    """A literal term, escaped as N-Quads requires.

    >>> literal('say "hi"\\n'), literal("2024", ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))
    ('"say \\\\"hi\\\\"\\\\n"', '"2024"^^<http://www.w3.org/2001/XMLSchema#gYear>')
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"^^<{datatype.value}>' if datatype is not None else f'"{escaped}"'
