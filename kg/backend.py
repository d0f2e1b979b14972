"""What citekg needs of a store, whichever kind: ``kg.store.Store`` (embedded Oxigraph on disk) or
``kg.remote.RemoteStore`` (any SPARQL 1.1 endpoint). The query runner, the hub summary, the statistics
and the exports take a ``Backend``; loads, drops and the consensus take a ``WritableBackend``; only
``kg serve`` needs the embedded store's own engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from itertools import islice
from pathlib import Path
from typing import IO, Protocol, TypeVar

import pyoxigraph as ox

from kg.ids import PaperId
from kg.iris import Minter


class Backend(Protocol):
    minter: Minter
    path: Path | None

    @property
    def prefixes(self) -> dict[str, str]: ...

    @property
    def consensus_graph(self) -> ox.NamedNode: ...

    @property
    def generation(self) -> int | None:
        """A number that grows whenever the store changes; None where a cache cannot trust one."""
        ...

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples: ...

    def paper(self, paper_id: PaperId) -> ox.NamedNode | None: ...

    def graphs(self) -> list[ox.NamedNode]: ...

    def exported_graphs(self) -> list[ox.NamedNode | ox.DefaultGraph]:
        """What an export of everything writes: the named graphs, and the default graph first when
        it holds anything (a triple added by SPARQL Update, say)."""
        ...

    def source_graphs(self) -> list[ox.NamedNode]: ...

    def parts(self, graph: ox.NamedNode) -> list[ox.NamedNode]: ...

    def quads(
        self, graph: ox.NamedNode | ox.DefaultGraph, subject: ox.NamedNode | None = None
    ) -> Iterator[ox.Quad]: ...

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | None,
        graph: ox.NamedNode | None = None,
    ) -> Iterator[ox.Quad]: ...

    def dump(
        self,
        output: IO[bytes],
        fmt: ox.RdfFormat,
        graph: ox.NamedNode | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None: ...

    def close(self) -> None: ...


class WritableBackend(Backend, Protocol):
    """The writes a load, a drop and the consensus make, and the lookups they make them with."""

    resumes_loads: bool  # a load cut short is resumed by running it again, rather than undone

    def work_folder(self, graph: ox.NamedNode) -> Path | None:
        """Where a load of ``graph`` keeps its scratch files until it ends, when a load cut short
        resumes (None: a temporary folder, the load is undone instead)."""
        ...

    def is_empty(self) -> bool: ...

    def papers(self, paper_ids: Iterable[PaperId]) -> dict[PaperId, str]: ...

    def stored_citations(self, iris: list[str]) -> set[str]: ...

    def has_graph(self, graph: ox.NamedNode) -> bool: ...

    def add(self, nquads: str) -> None: ...

    def remove(self, quads: Iterable[ox.Quad]) -> None: ...

    def bulk_load_nquads(self, path: Path, on_read: Callable[[int], None] | None = None) -> None: ...

    def remove_graph(self, graph: ox.NamedNode) -> None: ...

    def update(self, sparql: str) -> None: ...

    def change(self, graph: ox.NamedNode) -> AbstractContextManager[None]:
        """Change one source graph all or nothing: what the block does stays only if it ends; a change
        cut short is undone, or resumed when run again where ``resumes_loads``."""
        ...

    def settle(self) -> bool:
        """After a change, make the engine fast to read again where that is the store's to do (the
        embedded store compacts its database when a change has made it grow); whether it did."""
        ...


T = TypeVar("T")
BATCH = 500  # values in one query's VALUES block


def batched(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last may be shorter), read lazily."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def select(store: Backend, sparql: str) -> ox.QuerySolutions:
    """The solutions of a SELECT query (the engine types every answer as any of three kinds)."""
    answer = store.query(sparql)
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: its answer is {type(answer).__name__}")
    return answer


def named(term: object) -> ox.NamedNode:
    """A term that citekg's own data always holds as an IRI, typed as one."""
    if not isinstance(term, ox.NamedNode):
        raise TypeError(f"expected an IRI, got {term}")
    return term


def value_of(term: object) -> str:
    """The value of an IRI, blank node or literal (a quoted triple has none)."""
    if not isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        raise TypeError(f"expected an IRI, blank node or literal, got {term}")
    return term.value


def solutions(
    store: Backend, variable: str, terms: Iterable[ox.NamedNode], pattern: str
) -> Iterator[ox.QuerySolution]:
    """The solutions of ``pattern`` for each of these terms as the value of ``variable``, a batch of
    terms a query: over HTTP a query is a round trip, so lookups go by the hundred."""
    for batch in batched(terms):
        values = " ".join(map(str, batch))
        yield from select(store, f"SELECT * WHERE {{ VALUES {variable} {{ {values} }} {pattern} }}")
