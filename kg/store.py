"""The embedded store: Oxigraph on disk, with citekg's bookkeeping beside it.

A store is a folder: ``oxigraph/`` holds the RocksDB database (any Oxigraph tool opens it, e.g.
``oxigraph serve-read-only --location STORE/oxigraph``) and ``citekg.json`` records the IRI base the
store mints under and which loads and drops are under way, so that one cut short is undone the next
time the store opens; ``undo/`` holds, meanwhile, a snapshot of the database to undo it to (a RocksDB
checkpoint: hard links to the engine's immutable files, taken in milliseconds at any size); ``lock``
is the folder's lock (``hold``), which one writer, or one server and its read-only workers, holds. The
database itself holds only published data: each loaded source in its own named graph, plus the
consensus graph (one ``cito:Citation`` per citing-cited pair with its primary role and polarity, see
``consensus``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from kg import literals
from kg.backend import named
from kg.counting import open_counted
from kg.errors import CitekgError, StoreBusy
from kg.ids import PaperId
from kg.iris import DEFAULT_BASE, Minter, check_base, is_part, parts_of
from kg.settings import DEFAULT_STORE
from kg.vocab import DATACITE, PREFIXES


class Store:
    """An Oxigraph store holding citekg's graphs.

    >>> store = Store(None)          # in memory, for trying things out
    >>> store.minter.base
    'https://w3id.org/citekg/data/'
    """

    resumes_loads = False  # a change cut short is undone (``change``: its snapshot is put back)

    def __init__(
        self,
        path: str | os.PathLike[str] | None = DEFAULT_STORE,
        base: str | None = None,
        *,
        lock: bool = True,
        compacts: bool = True,
    ) -> None:
        """Open (or create) the store at ``path``, or one in memory for ``None``. ``lock=False`` is for a
        process whose parent already holds the folder's lock (``kg serve``'s query workers);
        ``compacts=False`` for a store written once, read through once and thrown away (``kg build``'s):
        ``settle`` leaves it as loaded."""
        if base is not None:
            check_base(base)  # before anything is created
        self.path = Path(path) if path is not None else None
        self._lock = hold(self.path) if self.path is not None and lock else None
        self._writable, self.compacts = True, compacts
        self._in_memory_snapshot: ox.Store | None = None
        self._state = _read_state(self.path)
        try:
            self._finish_cut_short()
        except OSError as error:  # a full disk, say: nothing is lost, the next opening tries again
            self._writable = False
            self.close()
            raise CitekgError(
                f"the store {self.path} must undo a change that was cut short and cannot now: {error}; "
                "free some space and open it again"
            ) from None
        stored_base = self._state.get("base")
        if stored_base is not None and base is not None and base != stored_base:
            raise CitekgError(
                f"the store {self.path} mints IRIs under {stored_base}, not {base}; "
                "use a new store for another base"
            )
        self.minter = Minter(str(stored_base or base or DEFAULT_BASE))
        self._paper_by_identifier = lru_cache(maxsize=200_000)(self._find_paper)

    def _open_engine(self) -> None:
        try:
            self.oxigraph = ox.Store() if self.path is None else ox.Store(str(self.path / "oxigraph"))
        except OSError as error:
            if "lock" in str(error).lower():
                raise _busy(self.path) from None
            raise CitekgError(f"cannot open the store {self.path}: {error}") from None

    def _finish_cut_short(self) -> None:
        """On opening: put back the snapshot of a change the process died in, or empty a store whose
        restore was cut short (it was empty before), then open the engine."""
        if self.path is not None and self._loading():
            self._put_back()
        elif self.path is not None:
            shutil.rmtree(self.path / "undo", ignore_errors=True)  # of a change that ended
        self._open_engine()
        if self._state.get("restoring"):
            self.oxigraph.clear()
            self.unmark_restoring()

    @classmethod
    def read_only(cls, path: str | os.PathLike[str]) -> Store:
        """The store at ``path`` opened for reading only, by a process that holds the folder's lock
        shared (``for_reading``) or whose parent holds it (``kg serve``'s query workers): several such
        processes can read one store at once, which is safe only while nothing writes it (Oxigraph's
        rule for read-only opening)."""
        store = cls.__new__(cls)
        store.path, store._lock, store._writable, store.compacts = Path(path), None, False, False
        try:
            store.oxigraph = ox.Store.read_only(str(store.path / "oxigraph"))
        except OSError as error:
            raise CitekgError(f"cannot open the store {store.path}: {error}") from None
        store._state = _read_state(store.path)
        store.minter = Minter(str(store._state.get("base") or DEFAULT_BASE))
        store._paper_by_identifier = lru_cache(maxsize=200_000)(store._find_paper)
        return store

    @classmethod
    def for_reading(cls, path: str | os.PathLike[str], base: str | None = None) -> Store:
        """The store at ``path`` opened to read, under a shared lock: readers run side by side, and a
        writer waits until they are done (Oxigraph's read-only opening is safe while nothing writes;
        it is also 9 ms quicker). A store not yet made, one a change left cut short (to be put
        back) and a ``base`` to check are opened as ``Store`` opens them."""
        folder = Path(path)
        if base is not None or not (folder / "oxigraph").exists():
            return cls(folder, base)
        handle = hold(folder, shared=True)
        state = _read_state(folder)  # (read under the lock: no change begins meanwhile)
        if state.get("loading") or state.get("restoring"):
            handle.close()
            return cls(folder, base)
        store = cls.read_only(folder)
        store._lock = handle
        return store

    def _save_state(self) -> None:
        """Write citekg.json atomically (write a new file, then rename it over the old one)."""
        if self.path is None:
            return
        scratch = self.path / "citekg.json.new"
        scratch.write_text(json.dumps(self._state, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(scratch, self.path / "citekg.json")

    @property
    def generation(self) -> int | None:
        """A number that grows whenever the store changes, for caches of what it holds to key on
        (``kg.explorer_index``); None while a change is under way, or for a store in memory."""
        return None if self.path is None or self._changing() else self._count()

    def _count(self) -> int:
        found = self._state.get("generation", 0)
        return found if isinstance(found, int) else 0

    def _changing(self) -> bool:
        """Whether a load, drop or restore is under way (marked, not yet ended)."""
        return bool(self._loading() or self._state.get("restoring"))

    def _changed(self) -> None:
        """Count a change in ``generation`` (saved with the rest of the bookkeeping by the caller)."""
        self._state["generation"] = self._count() + 1

    def wrote(self) -> None:
        """After any write, also one made on the engine directly: forget the id lookups (papers may
        have moved) and count the change in ``generation`` (a change under way is counted when it is
        marked and when it ends, not at every write)."""
        self._paper_by_identifier.cache_clear()
        if not self._changing():
            self._changed()
            self._save_state()

    def record_base(self) -> None:
        """Remember the base, so that later loads mint IRIs under the same one."""
        if self._state.get("base") != self.minter.base:
            self._state["base"] = self.minter.base
            self._save_state()

    # --- reading -------------------------------------------------------------------------------

    @property
    def prefixes(self) -> dict[str, str]:
        """citekg's prefixes, and ``data:`` for this store's base (so ``data:consensus`` names its graph)."""
        return {**PREFIXES, "data": self.minter.base}

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run SPARQL over the union of all graphs, with citekg's prefixes declared."""
        return self.oxigraph.query(sparql, use_default_graph_as_union=True, prefixes=self.prefixes)

    def paper(self, paper_id: PaperId) -> ox.NamedNode | None:
        """The node of the paper that has this id, if the store has one."""
        found = self._paper_by_identifier(self.minter.identifier(paper_id.scheme, paper_id.value))
        return ox.NamedNode(found) if found else None

    def _find_paper(self, identifier: str) -> str | None:
        quad = next(
            self.oxigraph.quads_for_pattern(None, DATACITE["hasIdentifier"], ox.NamedNode(identifier)), None
        )
        return named(quad.subject).value if quad is not None else None

    @property
    def consensus_graph(self) -> ox.NamedNode:
        return ox.NamedNode(self.minter.consensus_graph)

    def graphs(self) -> list[ox.NamedNode]:
        """Every named graph, sorted by IRI."""
        return sorted((g for g in self.oxigraph.named_graphs() if isinstance(g, ox.NamedNode)), key=str)

    def source_graphs(self) -> list[ox.NamedNode]:
        """The named graphs that hold loaded sources (all but the consensus and aliases graphs, and
        the parts of sources: ``parts``)."""
        own = (self.consensus_graph, ox.NamedNode(self.minter.aliases_graph))
        return [g for g in self.graphs() if g not in own and not is_part(g.value)]

    def parts(self, graph: ox.NamedNode) -> list[ox.NamedNode]:
        """The graphs that keep a source file's own triples as it has them (``Minter.part_graph``)."""
        return [ox.NamedNode(g) for g in parts_of(graph.value, (g.value for g in self.graphs()))]

    def exported_graphs(self) -> list[ox.NamedNode | ox.DefaultGraph]:
        default = next(self.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph()), None)
        return [*([ox.DefaultGraph()] if default is not None else []), *self.graphs()]

    def quads(
        self, graph: ox.NamedNode | ox.DefaultGraph, subject: ox.NamedNode | None = None
    ) -> Iterator[ox.Quad]:
        """The quads of one graph (about one subject, if given), in index order, literals as written
        (``kg.literals``)."""
        return map(literals.written_quad, self.oxigraph.quads_for_pattern(subject, None, None, graph))

    def _holds_parts(self) -> bool:
        """Whether some graph keeps a source's triples as written (only there are literals carried)."""
        return any(is_part(graph.value) for graph in self.graphs())

    def dump(
        self,
        output: IO[bytes],
        fmt: ox.RdfFormat,
        graph: ox.NamedNode | ox.DefaultGraph | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """Every graph (or one) into ``output``, the default graph included. A dataset format keeps
        the graph names, also of one graph; the triple formats get the graphs one after the other,
        each streamed by the engine, so memory stays flat whatever the store's size (a CONSTRUCT of
        the union would hold every triple it has written); a triple in two graphs comes twice. The
        parts that keep a source's own RDF pass through here instead, to give their literals back as
        written (``kg.literals``)."""
        if fmt.supports_datasets:
            if graph is not None:
                ox.serialize(self.quads(graph), output, fmt, prefixes=prefixes)
            elif self._holds_parts():
                ox.serialize(map(literals.written_quad, self.oxigraph), output, fmt, prefixes=prefixes)
            else:
                self.oxigraph.dump(output, fmt, prefixes=prefixes)
            return
        for exported in [graph] if graph is not None else self.exported_graphs():
            if isinstance(exported, ox.NamedNode) and is_part(exported.value):
                ox.serialize((quad.triple for quad in self.quads(exported)), output, fmt, prefixes=prefixes)
            else:
                self.oxigraph.dump(output, fmt, from_graph=exported, prefixes=prefixes)

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | None,
        graph: ox.NamedNode | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads that match, from the engine's indexes (``None`` matches anything)."""
        return self.oxigraph.quads_for_pattern(subject, predicate, object, graph)

    def is_empty(self) -> bool:
        return next(iter(self.oxigraph), None) is None

    def papers(self, paper_ids: Iterable[PaperId]) -> dict[PaperId, str]:
        """The IRIs of the papers the store has under these ids (the ids it lacks are left out)."""
        found = {paper_id: self.paper(paper_id) for paper_id in paper_ids}
        return {paper_id: node.value for paper_id, node in found.items() if node is not None}

    def stored_citations(self, iris: list[str]) -> set[str]:
        """Those of these citations the consensus graph knows already (some source has them)."""
        graph, quads = self.consensus_graph, self.oxigraph.quads_for_pattern
        return {iri for iri in iris if next(quads(ox.NamedNode(iri), None, None, graph), None) is not None}

    def has_graph(self, graph: ox.NamedNode) -> bool:
        return next(self.oxigraph.quads_for_pattern(None, None, None, graph), None) is not None

    # --- writing -------------------------------------------------------------------------------

    def add(self, nquads: str) -> None:
        """Add a batch of quads written as N-Quads."""
        self.oxigraph.load(nquads, ox.RdfFormat.N_QUADS)
        self.wrote()

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        for quad in quads:
            self.oxigraph.remove(quad)
        self.wrote()

    def bulk_load_nquads(self, path: Path, on_read: Callable[[int], None] | None = None) -> None:
        """Add an N-Quads file, gzipped if its name ends in ``.gz``, through the bulk loader (telling
        ``on_read`` the bytes it takes in from the disk)."""
        try:
            if on_read is None and path.suffix != ".gz":
                self.oxigraph.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
            else:
                import gzip  # (here: loads read it, not every command's start)

                with open_counted(path, on_read, 8 << 20) if on_read else path.open("rb") as read:
                    if path.suffix == ".gz":
                        with gzip.GzipFile(fileobj=read) as unzipped:  # (a file of bytes to read)
                            self.oxigraph.bulk_load(
                                input=cast(IO[bytes], unzipped), format=ox.RdfFormat.N_QUADS
                            )
                    else:
                        self.oxigraph.bulk_load(input=read, format=ox.RdfFormat.N_QUADS)
        except (MemoryError, OSError, SyntaxError, ValueError) as error:
            raise CitekgError(f"the store refused the load: {error}") from None
        finally:
            self.wrote()

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self.oxigraph.remove_graph(graph)
        self.wrote()

    def update(self, sparql: str) -> None:
        self.oxigraph.update(sparql, prefixes=self.prefixes)
        self.wrote()

    @contextmanager
    def change(self, graph: ox.NamedNode) -> Iterator[None]:
        """Change the store for one source graph all or nothing: a snapshot of the store is taken and
        the change noted before the block runs. If the block does not end (an error, Ctrl-C), the
        snapshot takes the store's place at once; if the process dies, or that fails too, when the
        store next opens. The snapshot holds everything the change may touch (the source graph, the
        consensus and its derived data, other graphs a merge of papers rewrites), so undoing needs
        nothing of how the change was made. On disk it costs milliseconds, and meanwhile the disk of
        the engine's files the change compacts away; in memory, a copy of the store."""
        if self._changing():  # one snapshot a store: a change inside another would replace it
            raise CitekgError(f"a change of the store {self.path or '(in memory)'} is under way already")
        self.record_base()
        self._take_snapshot()
        self.mark_loading(graph)
        try:
            yield
            self.unmark_loading(graph)  # (its flush writes the change's last bytes: a full disk undoes it)
        except BaseException as error:
            try:
                self._undo(error)
            except (OSError, CitekgError):
                raise CitekgError(
                    f"{error}; the store undoes the partial change when it next opens"
                ) from None
            if isinstance(error, OSError):  # the engine could not write (a full disk): the user's to fix
                raise CitekgError(f"the store could not be written: {error}; nothing was changed") from None
            raise
        self._drop_snapshot()

    def mark_loading(self, graph: ox.NamedNode) -> None:
        """Note a load under way before the store changes (after its snapshot is taken): the next opening
        puts the snapshot back if it never ends."""
        self.oxigraph.flush()
        self._state["loading"] = sorted({*self._loading(), graph.value})
        self._changed()
        self._save_state()

    def unmark_loading(self, graph: ox.NamedNode) -> None:
        self.oxigraph.flush()
        self._state["loading"] = [g for g in self._loading() if g != graph.value]
        self._changed()
        self._save_state()

    def mark_restoring(self) -> None:
        """Note a restore under way (``kg.restore``): the next opening empties the store if it never ends."""
        self._state["restoring"] = True
        self._changed()
        self._save_state()

    def unmark_restoring(self) -> None:
        self.oxigraph.flush()
        self._state.pop("restoring", None)
        self._changed()
        self._save_state()

    def adopt_base(self, base: str) -> None:
        """Mint under ``base`` from now on: the base of the data a restore brought."""
        recorded = self._state.get("base")
        if recorded is not None and recorded != base:
            raise CitekgError(f"the store {self.path} mints IRIs under {recorded}, the dump under {base}")
        self.minter = Minter(base)
        self.record_base()

    def _take_snapshot(self) -> None:
        """What ``_undo`` puts back: a checkpoint of the database in ``undo/`` (taken before the change
        is marked, so a marked change always has one), or a copy of a store in memory."""
        if self.path is None:
            self._in_memory_snapshot = ox.Store()
            self._in_memory_snapshot.bulk_extend(self.oxigraph)
            return
        shutil.rmtree(self.path / "undo", ignore_errors=True)
        self.oxigraph.backup(str(self.path / "undo"))

    def _drop_snapshot(self) -> None:
        self._in_memory_snapshot = None
        if self.path is not None:
            shutil.rmtree(self.path / "undo", ignore_errors=True)

    def _undo(self, error: BaseException) -> None:
        """Put the store back as the snapshot has it, in this process (the change failed)."""
        if self.path is None:
            assert self._in_memory_snapshot is not None
            self.oxigraph.clear()
            self.oxigraph.bulk_extend(self._in_memory_snapshot)
            self._in_memory_snapshot = None
            self._state["loading"] = []
            self._changed()
            self._paper_by_identifier.cache_clear()
            return
        # the failed change's finished frames may hold iterators over the database, which keep it open
        traceback.clear_frames(error.__traceback__)
        del self.oxigraph
        self._put_back()
        self._open_engine()
        self._paper_by_identifier.cache_clear()

    def _put_back(self) -> None:
        """Put the snapshot in the database's place, the engine closed: two renames, each atomic; an
        opening after a death between them finds no database and the snapshot, and does the second."""
        assert self.path is not None
        database, snapshot, undone = self.path / "oxigraph", self.path / "undo", self.path / "undone"
        if snapshot.exists():
            shutil.rmtree(undone, ignore_errors=True)
            if database.exists():
                os.replace(database, undone)
            os.replace(snapshot, database)
        shutil.rmtree(undone, ignore_errors=True)
        self._state["loading"] = []
        self._changed()
        self._save_state()

    def _loading(self) -> list[str]:
        loading = self._state.get("loading", [])
        return list(loading) if isinstance(loading, list) else []

    def work_folder(self, graph: ox.NamedNode) -> None:
        """None: a load's scratch folder is temporary, beside the store; one cut short is undone."""
        return None

    def checkpoint(self, target: Path) -> None:
        """A copy of the store in the new folder ``target``, with its bookkeeping: RocksDB hard-links
        its files, so it costs the disk of what changes in one of the two afterwards."""
        if self.path is None or self._changing():
            raise CitekgError("only a store on disk with no change under way can be copied")
        target.mkdir()
        self.oxigraph.backup(str(target / "oxigraph"))
        (target / "citekg.json").write_text(
            json.dumps(self._state, indent=2, sort_keys=True), encoding="utf-8"
        )

    def optimize(self) -> None:
        """Compact the database, and note its size for ``settle``: Oxigraph's bulk loader adds its
        files to the database as they are, each overlapping the ones before it, and RocksDB leaves them
        so while each level stays under its size target; every lookup then searches them all. On a
        store of 10^6 citations fresh from ``kg load``, saved queries that read many rows ran 3 to 9x
        slower than after compacting (``hub-citing`` 3.4 s against 1.0 s), which took 57 s."""
        if self.path is None:
            return
        self.oxigraph.optimize()
        self._state["optimized_bytes"] = self._engine_bytes()
        self._save_state()

    def settle(self) -> bool:
        """After a change: compact the database if it has grown to twice its size when last compacted
        (or was never compacted), so that each compaction costs about what the loads since the last
        one added and all of them together within twice the store's size. Whether it compacted."""
        if self.path is None or not self.compacts:
            return False
        compacted = self._state.get("optimized_bytes", 0)
        if self._engine_bytes() < 2 * (compacted if isinstance(compacted, int) else 0):
            return False
        try:
            self.optimize()
        except OSError:  # no disk for the compacted files: the change is made, and reads as it was
            return False
        return True

    def _engine_bytes(self) -> int:
        """The size of the database's table files (RocksDB may delete one meanwhile: it is not counted)."""
        assert self.path is not None
        total = 0
        with os.scandir(self.path / "oxigraph") as files:
            for file in files:
                if file.name.endswith(".sst"):
                    with suppress(FileNotFoundError):
                        total += file.stat().st_size
        return total

    def close(self) -> None:
        """Release the store so another process can open it (what a full disk kept from being flushed
        is in the engine's write-ahead log)."""
        engine = self.__dict__.pop("oxigraph", None)  # none if opening or undoing failed
        try:
            if self._writable and engine is not None:
                engine.flush()
        finally:
            del engine
            if self._lock is not None:
                self._lock.close()
                self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        try:
            self.close()
        except OSError:
            if kind is None:
                raise  # otherwise the error on its way out says more than a failed flush


def hold(path: Path, *, shared: bool = False) -> IO[bytes]:
    """Take the store folder's lock (a ``flock`` on ``lock`` in it) for as long as the returned file is
    open: alone, or ``shared`` with other readers. RocksDB locks only writers out of each other; this
    lock also keeps a writer away from readers and from a server whose workers read the folder
    without RocksDB's lock."""
    path.mkdir(parents=True, exist_ok=True)
    handle = (path / "lock").open("ab")
    try:
        fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise _busy(path) from None
    return handle


def stored_minter(path: str | os.PathLike[str]) -> Minter:
    """The minter of the store at ``path``, read from its bookkeeping without opening the database."""
    return Minter(str(_read_state(Path(path)).get("base") or DEFAULT_BASE))


def _read_state(path: Path | None) -> dict[str, object]:
    if path is None or not (path / "citekg.json").exists():
        return {}
    state: dict[str, object] = json.loads((path / "citekg.json").read_text(encoding="utf-8"))
    return state


def _busy(path: Path | None) -> StoreBusy:
    return StoreBusy(
        f"the store {path} is in use by another process (a load or a server); "
        "wait for it to finish or stop it, then try again"
    )
