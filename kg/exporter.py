"""Exports: the store, or one graph, as Turtle, N-Triples, N-Quads, TriG or JSON-LD, streamed.

N-Quads, TriG and JSON-LD keep the named graphs (also when one graph is exported); Turtle and
N-Triples hold the union of the graphs, written graph after graph so that memory stays flat. Every
format holds the default graph too, where something (SPARQL Update, say) put triples in it. Every
format but JSON-LD is written by Oxigraph's own serialisers. JSON-LD is written here, node by node,
in the compact form of ``exports/context.jsonld`` (embedded in the file so it reads offline): pyld's
compaction needs the whole document in memory, this writer needs one node's quads.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from itertools import groupby
from typing import IO, Any, TypeGuard

import pyoxigraph as ox

from kg.backend import Backend
from kg.errors import InvalidArgument
from kg.resources import folder
from kg.vocab import RDF

FORMATS: dict[str, ox.RdfFormat | None] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": None,
}


@cache
def context() -> dict[str, Any]:
    """The published JSON-LD context (the value of its ``@context``)."""
    document = json.loads((folder("exports") / "context.jsonld").read_text(encoding="utf-8"))
    found: dict[str, Any] = document["@context"]
    return found


def prefixes() -> dict[str, str]:
    return {k: v for k, v in context().items() if isinstance(v, str)}


def export(store: Backend, output: IO[bytes], fmt: str = "turtle", graph: str | None = None) -> None:
    """Write the whole store, or the named graph ``graph``, to a binary stream."""
    if fmt not in FORMATS:
        raise InvalidArgument(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    graph_node = None
    if graph is not None:
        graph_node = ox.NamedNode(store.minter.graph(graph))
        if graph_node not in store.graphs():
            raise InvalidArgument(f"the store has no graph <{graph_node.value}>")
    rdf_format = FORMATS[fmt]
    if rdf_format is None:
        write_jsonld(store, output, graph_node)
    else:
        store.dump(output, rdf_format, graph_node, _for(fmt))


def _for(fmt: str) -> dict[str, str] | None:
    return prefixes() if fmt in ("turtle", "trig") else None


# --- JSON-LD ---------------------------------------------------------------------------------------


class _Compactor:
    """Compacts one node at a time with the published context's terms and prefixes."""

    def __init__(self) -> None:
        ctx = context()
        self.prefixes = sorted(
            ((v, k) for k, v in ctx.items() if isinstance(v, str)), key=lambda p: -len(p[0])
        )
        self.terms: dict[str, tuple[str, str | None]] = {}
        for term, definition in ctx.items():
            if isinstance(definition, dict):
                self.terms[self.expand(definition["@id"])] = (term, definition.get("@type"))

    def expand(self, curie: str) -> str:
        prefix, _, local = curie.partition(":")
        namespace = context().get(prefix)
        return namespace + local if isinstance(namespace, str) else curie

    def curie(self, iri: str) -> str:
        for namespace, prefix in self.prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                local = iri[len(namespace) :]
                if not local.startswith("//"):
                    return f"{prefix}:{local}"
        return iri

    def node(
        self, subject: ox.NamedNode | ox.BlankNode, quads: Iterable[ox.Quad | ox.Triple]
    ) -> dict[str, Any]:
        values: dict[str, list[Any]] = {}
        for quad in quads:
            predicate, obj = quad.predicate.value, quad.object
            if predicate == RDF["type"].value and isinstance(obj, ox.NamedNode):
                values.setdefault("@type", []).append(self.curie(obj.value))
                continue
            term, term_type = self.terms.get(predicate, (None, None))
            if term is not None and _matches(obj, term_type, self):
                values.setdefault(term, []).append(self.curie(obj.value) if term_type == "@id" else obj.value)
            else:
                values.setdefault(self.curie(predicate), []).append(self.value(obj))
        return {"@id": _id(subject), **{key: _one_or_many(found) for key, found in values.items()}}

    def value(self, term: Any) -> dict[str, Any]:
        if isinstance(term, (ox.NamedNode, ox.BlankNode)):
            return {"@id": _id(term)}
        value: dict[str, Any] = {"@value": term.value}
        if term.language:
            value["@language"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            value["@type"] = self.curie(term.datatype.value)
        return value


def _id(node: ox.NamedNode | ox.BlankNode) -> str:
    return node.value if isinstance(node, ox.NamedNode) else f"_:{node.value}"


def _matches(
    term: object, term_type: str | None, compactor: _Compactor
) -> TypeGuard[ox.NamedNode | ox.Literal]:
    if term_type == "@id":
        return isinstance(term, ox.NamedNode)
    if not isinstance(term, ox.Literal) or term.language:
        return False
    if term_type is None:
        return term.datatype.value == "http://www.w3.org/2001/XMLSchema#string"
    return term.datatype.value == compactor.expand(term_type)


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def write_jsonld(store: Backend, output: IO[bytes], graph: ox.NamedNode | None = None) -> None:
    """Stream compact JSON-LD: the default graph's nodes at the top, each named graph (or the one
    asked for) as a node with its own ``@graph``.

    Nodes come in the order of the store's index, which groups a subject's quads on disk; where it
    does not, a subject appears in more than one node object, which JSON-LD reads as one node.
    """
    compactor = _Compactor()
    write = output.write
    write(b'{"@context": ')
    write(json.dumps(context(), ensure_ascii=False).encode())
    write(b',\n"@graph": [')
    first = True
    for named in [graph] if graph is not None else store.exported_graphs():
        if isinstance(named, ox.DefaultGraph):
            first = _write_nodes(compactor, store.quads(named), write, first)
            continue
        write(b"\n" if first else b",\n")
        first = False
        write(f'{{"@id": {json.dumps(named.value)}, "@graph": ['.encode())
        _write_nodes(compactor, store.quads(named), write, first=True)
        write(b"]}")
    write(b"\n]}\n")


def jsonld_document(triples: Iterable[ox.Triple]) -> bytes:
    """Triples as one compact JSON-LD document in the published context: what ``kg serve`` answers
    for a resource's description, in the form of ``kg export --format jsonld``."""
    out = io.BytesIO()
    out.write(b'{"@context": ')
    out.write(json.dumps(context(), ensure_ascii=False).encode())
    out.write(b',\n"@graph": [')
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    _write_nodes(_Compactor(), iter(ordered), out.write, first=True)
    out.write(b"\n]}\n")
    return out.getvalue()


def _write_nodes(
    compactor: _Compactor, quads: Iterator[ox.Quad | ox.Triple], write: Callable[[bytes], object], first: bool
) -> bool:
    """Write one node object per subject; whether nothing has been written yet (for the commas)."""
    for subject, group in groupby(quads, key=lambda q: q.subject):
        write(b"\n" if first else b",\n")
        first = False
        write(json.dumps(compactor.node(subject, group), ensure_ascii=False).encode())
    return first
