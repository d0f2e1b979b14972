"""What the reading side of citekg needs of a store, whichever kind: ``kg.store.Store`` (embedded
Oxigraph on disk) or ``kg.remote.RemoteStore`` (any SPARQL 1.1 endpoint). The query runner, the hub
summary, the statistics and the exports take a ``Backend``; loading and ``kg serve`` need the embedded
store's own engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

import pyoxigraph as ox

from kg.ids import PaperId
from kg.mapping import Minter


class Backend(Protocol):
    minter: Minter
    path: Path | None

    @property
    def prefixes(self) -> dict[str, str]: ...

    @property
    def consensus_graph(self) -> ox.NamedNode: ...

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples: ...

    def paper(self, paper_id: PaperId) -> ox.NamedNode | None: ...

    def graphs(self) -> list[ox.NamedNode]: ...

    def source_graphs(self) -> list[ox.NamedNode]: ...

    def quads(self, graph: ox.NamedNode, subject: ox.NamedNode | None = None) -> Iterator[ox.Quad]: ...

    def dump(
        self,
        output: IO[bytes],
        fmt: ox.RdfFormat,
        graph: ox.NamedNode | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None: ...

    def close(self) -> None: ...
