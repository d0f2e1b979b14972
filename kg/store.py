"""The embedded store: Oxigraph on disk, with citekg's bookkeeping.

Each loaded source lives in its own named graph. Queries see the union of all graphs. citekg keeps two
graphs of its own: the consensus graph (one ``cito:Citation`` per citing–cited pair with its primary
role and polarity, see ``consensus``) and a system graph, never exported, that records the IRI base
and marks a load in progress so that a load cut short is undone the next time the store opens.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg.errors import CitekgError, StoreBusy
from kg.ids import PaperId
from kg.mapping import DEFAULT_BASE, Minter
from kg.vocab import CKG, DATACITE, PREFIXES

DEFAULT_STORE = "citekg.store"
SYSTEM_GRAPH = ox.NamedNode("urn:x-citekg:system")
_BASE = CKG["base"]
_LOADING = CKG["loading"]


class Store:
    """An Oxigraph store holding citekg's graphs.

    >>> store = Store(None)          # in memory, for trying things out
    >>> store.minter.base
    'https://w3id.org/citekg/data/'
    """

    def __init__(self, path: str | os.PathLike[str] | None = DEFAULT_STORE, base: str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        try:
            self.oxigraph = ox.Store(str(self.path)) if self.path is not None else ox.Store()
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreBusy(
                    f"the store {self.path} is in use by another process (a load or a server); "
                    "wait for it to finish or stop it, then try again"
                ) from None
            raise CitekgError(f"cannot open the store {self.path}: {error}") from None
        self.minter = Minter(self._settle_base(base))
        self._paper_by_identifier = lru_cache(maxsize=200_000)(self._find_paper)
        self.recover()

    def _settle_base(self, base: str | None) -> str:
        stored = next(self.oxigraph.quads_for_pattern(SYSTEM_GRAPH, _BASE, None, SYSTEM_GRAPH), None)
        if stored is not None:
            if base is not None and base != stored.object.value:
                raise CitekgError(
                    f"this store mints IRIs under {stored.object.value}, not {base}; "
                    "use a new store for another base"
                )
            return stored.object.value
        return base or DEFAULT_BASE

    def record_base(self) -> None:
        """Remember the base in the store, so later loads mint IRIs under the same one."""
        base = ox.Literal(self.minter.base)
        self.oxigraph.add(ox.Quad(SYSTEM_GRAPH, _BASE, base, SYSTEM_GRAPH))

    # --- reading -------------------------------------------------------------------------------

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run SPARQL over the union of all graphs, with citekg's prefixes declared."""
        return self.oxigraph.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)

    def paper(self, paper_id: PaperId) -> ox.NamedNode | None:
        """The node of the paper that has this id, if the store has one."""
        found = self._paper_by_identifier(self.minter.identifier(paper_id.scheme, paper_id.value))
        return ox.NamedNode(found) if found else None

    def _find_paper(self, identifier: str) -> str | None:
        quad = next(
            self.oxigraph.quads_for_pattern(None, DATACITE["hasIdentifier"], ox.NamedNode(identifier)), None
        )
        return quad.subject.value if quad is not None else None

    def forget_lookups(self) -> None:
        """Drop remembered id lookups after a write that may have moved papers."""
        self._paper_by_identifier.cache_clear()

    def source_graphs(self) -> list[ox.NamedNode]:
        """The named graphs that hold loaded sources, sorted by IRI."""
        own = {SYSTEM_GRAPH.value, self.minter.consensus_graph}
        graphs = (g for g in self.oxigraph.named_graphs() if isinstance(g, ox.NamedNode))
        return sorted((g for g in graphs if g.value not in own), key=lambda g: g.value)

    def has_graph(self, graph: ox.NamedNode) -> bool:
        return next(self.oxigraph.quads_for_pattern(None, None, None, graph), None) is not None

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """Every quad of one graph, or of all graphs but the system graph."""
        if graph is not None:
            return self.oxigraph.quads_for_pattern(None, None, None, graph)
        return (q for q in self.oxigraph if q.graph_name != SYSTEM_GRAPH)

    # --- writing -------------------------------------------------------------------------------

    def bulk_load_nquads(self, path: Path) -> None:
        self.oxigraph.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        self.forget_lookups()

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self.oxigraph.remove_graph(graph)
        self.forget_lookups()

    def update(self, sparql: str) -> None:
        self.oxigraph.update(sparql, prefixes=PREFIXES)
        self.forget_lookups()

    def mark_loading(self, graph: ox.NamedNode) -> None:
        self.oxigraph.add(ox.Quad(SYSTEM_GRAPH, _LOADING, graph, SYSTEM_GRAPH))
        self.oxigraph.flush()

    def unmark_loading(self, graph: ox.NamedNode) -> None:
        self.oxigraph.remove(ox.Quad(SYSTEM_GRAPH, _LOADING, graph, SYSTEM_GRAPH))
        self.oxigraph.flush()

    def recover(self) -> None:
        """Undo loads that were cut short (a killed process): their graphs hold part of a file."""
        unfinished = [q.object for q in self.oxigraph.quads_for_pattern(SYSTEM_GRAPH, _LOADING, None)]
        if not unfinished:
            return
        from kg.consensus import rebuild

        for graph in unfinished:
            self.remove_graph(graph)
        rebuild(self)
        for graph in unfinished:
            self.unmark_loading(graph)

    def optimize(self) -> None:
        self.oxigraph.optimize()

    def close(self) -> None:
        """Release the store so another process can open it."""
        self.oxigraph.flush()
        del self.oxigraph

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
