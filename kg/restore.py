"""Backup and restore: a citekg dump (``kg export --format nquads`` or ``trig``, gzipped or not) holds
everything a store publishes — each source graph, the consensus graph with its representatives, and
the default graph — so restoring is loading it as it is into an empty store, and taking the store's
IRI base from its consensus graph. (``kg load`` reads source data and derives citekg's graphs from it;
given a dump it would take citekg's own graphs for data.)

A restore is all or nothing: it is recorded in the store's bookkeeping before it starts, so that one
cut short is emptied the next time the store opens, and one that fails empties the store at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import literals
from kg.errors import CitekgError, InvalidArgument
from kg.importers import open_binary
from kg.iris import check_base, is_part
from kg.stats import Stats, store_stats
from kg.store import Store

FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}


@dataclass(frozen=True)
class RestoreReport:
    base: str
    quads: int
    stats: Stats


def restore(store: Store, path: str | os.PathLike[str], fmt: ox.RdfFormat | None = None) -> RestoreReport:
    """Rebuild an empty store from a citekg dump in N-Quads or TriG (by its extension, or ``fmt``)."""
    source = Path(path)
    if not source.is_file():
        raise InvalidArgument(f"{source}: no such file")
    fmt = fmt or FORMATS.get(Path(source.name.removesuffix(".gz")).suffix)
    if fmt is None:
        raise InvalidArgument(f"{source}: a dump is N-Quads (.nq) or TriG (.trig), gzipped or not")
    if not store.is_empty():
        raise CitekgError(f"{store.path} is not empty; restore into a new store (kg --store NEW restore)")
    store.mark_restoring()
    try:
        with open_binary(source) as data:
            store.oxigraph.bulk_extend(map(_as_stored, ox.parse(data, fmt)))
        base = _base(store, source)
    except (CitekgError, OSError, SyntaxError, ValueError, EOFError) as error:
        store.oxigraph.clear()
        store.unmark_restoring()
        if isinstance(error, CitekgError):
            raise
        raise CitekgError(f"{source}: not a readable dump: {error}") from None
    store.adopt_base(base)
    store.unmark_restoring()
    store.settle()  # (the store was empty: it compacts what the restore brought)
    return RestoreReport(base, len(store.oxigraph), store_stats(store))


def _as_stored(quad: ox.Quad) -> ox.Quad:
    """A dump's quad as the store holds it: literals that a source's own graphs keep as written are
    carried as text (``kg.literals``), as the load that brought them did."""
    if isinstance(quad.object, ox.Literal) and is_part(str(quad.graph_name)):
        return ox.Quad(quad.subject, quad.predicate, literals.carried(quad.object), quad.graph_name)
    return quad


def _base(store: Store, source: Path) -> str:
    """The base a dump's IRIs were minted under: its consensus graph is ``<BASE>consensus``."""
    consensus = [
        graph.value
        for graph in store.oxigraph.named_graphs()
        if isinstance(graph, ox.NamedNode) and graph.value.endswith("consensus")
    ]
    bases = [iri.removesuffix("consensus") for iri in consensus if iri.endswith(("/consensus", "#consensus"))]
    if len(bases) != 1:
        raise CitekgError(
            f"{source}: not a citekg dump (it has {len(bases)} consensus graphs, not one); "
            "kg load reads source data"
        )
    return check_base(bases[0])
