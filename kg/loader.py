"""Loading a source file into its own named graph, all or nothing.

The file is read, validated and mapped to N-Quads in one streaming pass into a scratch file beside the
store; only when every record is valid (or the caller chose to skip the invalid ones) does the store
change: the old version of the graph goes, the scratch file is bulk-loaded, papers are merged
(``identity``) and the consensus of the touched citations is refreshed (``consensus``). A load that is
killed part way is undone when the store next opens (``Store.recover``).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from kg import consensus, identity, importers
from kg.errors import CitekgError, InvalidInput, RecordError
from kg.ids import PaperId
from kg.mapping import A, Mapper, literal
from kg.store import Store
from kg.vocab import DCTERMS, PROV, XSD

_REPORTED_ERRORS = 1000

Progress = Callable[[int], None]


@dataclass
class LoadReport:
    """What one load did."""

    file: str
    graph: str
    counts: Counter[str] = field(default_factory=Counter)
    skipped: list[RecordError] = field(default_factory=list)
    replaced: bool = False

    def summary(self) -> str:
        parts = [f"{self.counts[kind]} {kind}s" for kind in ("paper", "citation", "annotation")]
        text = f"loaded {', '.join(parts)} from {self.file} into <{self.graph}>"
        if self.replaced:
            text += " (replaced the graph's previous contents)"
        if self.skipped:
            text += f"; skipped {len(self.skipped)} invalid records"
        return text


def graph_name_for(path: Path) -> str:
    """The default graph name of a file: its name without compression and format extensions."""
    name = path.name
    for suffix in (".gz", ".jsonl", ".ndjson", ".json"):
        name = name.removesuffix(suffix)
    return name


def load(
    store: Store,
    path: str | os.PathLike[str],
    graph: str | None = None,
    *,
    skip_invalid: bool = False,
    on_skip: Callable[[RecordError], None] | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Load one file into its graph (replacing what the graph held); raise InvalidInput if it has errors.

    With ``skip_invalid`` the valid records are loaded, and every invalid one is passed to ``on_skip``
    and listed in the report.
    """
    source = Path(path)
    if not source.is_file():
        raise CitekgError(f"{source}: no such file")
    name = graph or graph_name_for(source)
    graph_iri = ox.NamedNode(store.minter.graph(name))
    report = LoadReport(str(source), graph_iri.value)
    scratch_dir = store.path if store.path is not None else Path(tempfile.gettempdir())
    scratch_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".nq", dir=scratch_dir, encoding="utf-8") as scratch:
        mapper = Mapper(store.minter, graph_iri.value, lambda paper_id: _known(store, paper_id), source=name)
        errors = _map_file(mapper, source, scratch, report, skip_invalid, on_skip, progress)
        if errors:
            raise InvalidInput(errors)
        _provenance(scratch, graph_iri, source, report)
        scratch.flush()
        _apply(store, graph_iri, Path(scratch.name), report)
    return report


def _map_file(
    mapper: Mapper,
    source: Path,
    out: tempfile._TemporaryFileWrapper[str],
    report: LoadReport,
    skip_invalid: bool,
    on_skip: Callable[[RecordError], None] | None,
    progress: Progress | None,
) -> list[RecordError]:
    errors: list[RecordError] = []
    write = out.write
    for item in _with_progress(importers.read(source), source, progress):
        if isinstance(item, RecordError):
            if skip_invalid:
                report.skipped.append(item)
                if on_skip is not None:
                    on_skip(item)
            elif len(errors) < _REPORTED_ERRORS:
                errors.append(item)
            continue
        if errors:
            continue  # keep reading only to report every error in the file
        _, record = item
        report.counts[record.type] += 1
        for quad in mapper.quads(record):
            write(quad)
    return errors


def _known(store: Store, paper_id: PaperId) -> str | None:
    node = store.paper(paper_id)
    return node.value if node is not None else None


def _with_progress(
    items: Iterator[importers.Item], source: Path, progress: Progress | None
) -> Iterator[importers.Item]:
    if progress is None:
        yield from items
        return
    for count, item in enumerate(items, 1):
        yield item
        if count % 10_000 == 0:
            progress(count)


def _provenance(
    out: tempfile._TemporaryFileWrapper[str], graph: ox.NamedNode, source: Path, report: LoadReport
) -> None:
    """Say in the graph itself where its triples came from and when, so they leave together."""
    g = str(graph)
    loaded = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    out.write(f"{g} {A} {PROV['Entity']} {g} .\n")
    out.write(f"{g} {DCTERMS['source']} {literal(source.name)} {g} .\n")
    out.write(f"{g} {PROV['generatedAtTime']} {literal(loaded, XSD['dateTime'])} {g} .\n")


def _apply(store: Store, graph: ox.NamedNode, quads: Path, report: LoadReport) -> None:
    store.record_base()
    store.mark_loading(graph)
    replaced = store.has_graph(graph)
    report.replaced = replaced
    with _removed(store, graph) if replaced else _nothing() as previous_citations:
        store.bulk_load_nquads(quads)
        renamed = identity.canonicalise(store, graph)
        consensus.refresh(store, previous_citations)
        consensus.refresh(store, consensus.citations_in(store, graph))
        consensus.refresh(store, renamed)
    store.unmark_loading(graph)


@contextmanager
def _removed(store: Store, graph: ox.NamedNode) -> Iterator[Iterator[ox.NamedNode]]:
    """Remove a graph, yielding its citations (spooled to disk, not memory) for a consensus refresh."""
    scratch_dir = store.path if store.path is not None else None
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=scratch_dir) as spool:
        for citation in consensus.citations_in(store, graph):
            spool.write(citation.value + "\n")
        store.remove_graph(graph)
        spool.seek(0)
        yield (ox.NamedNode(line.rstrip("\n")) for line in spool)


@contextmanager
def _nothing() -> Iterator[Iterator[ox.NamedNode]]:
    yield iter(())


def drop(store: Store, graph: str) -> None:
    """Remove a source graph and everything it brought, and refresh the consensus it fed."""
    graph_iri = ox.NamedNode(store.minter.graph(graph))
    if graph_iri not in store.source_graphs():
        raise CitekgError(f"there is no loaded source graph <{graph_iri.value}>")
    with _removed(store, graph_iri) as citations:
        consensus.refresh(store, citations)
