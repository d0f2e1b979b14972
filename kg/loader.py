"""Loading a source file into its own named graph, all or nothing.

The file is read, validated and mapped to N-Quads in one streaming pass into a scratch file beside the
store; only when every record is valid (or the caller chose to skip the invalid ones) does the store
change, inside ``store.change(graph)``: the old version of the graph goes, the scratch file is
bulk-loaded, papers are merged (``identity``), the consensus of the touched citations is refreshed
(``consensus``), the representatives of the cited papers they touched are merged or re-ranked
(``representatives``) and the tallies follow (``tallies``). A load, replace or drop that fails part way
is undone by the embedded store (``Store.change`` puts back a snapshot) at once, or when it next opens
if the process was killed: a graph it was replacing or dropping comes back as it was, with everything
derived from it.

Into a remote store nothing can be undone, so a load is resumed instead: its scratch files live in a
work folder kept until the load ends (``RemoteStore.work_folder``), with a plan that records how far it
got. The same command run again finishes the load from there: batches the server acknowledged are not
sent again, and the steps after sending recompute from the store, so a repeat changes nothing twice.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import IO, Protocol

import pyoxigraph as ox

from kg import consensus, derivation, explorer, identity, importers, representatives, tallies, typology
from kg.backend import WritableBackend, batched, named, select
from kg.errors import CitekgError, InvalidArgument, InvalidInput, RecordError
from kg.ids import PaperId
from kg.iris import Minter
from kg.mapping import A, CitationRef, Mapper
from kg.nquads import iri, literal, quad
from kg.records import Annotation, Citation, Notice, Paper, Raw, Unplaced
from kg.spool import sorted_lines
from kg.vocab import CITO, CKG, DCTERMS, FABIO, OA, PROV, RDF, SPDX, VOID, XSD, AnnotatorKind

_REPORTED_ERRORS = 1000


class Progress(Protocol):
    """What a load tells as it goes: each phase as it starts, with its size in bytes when it has one
    (reading the file; the store's bulk load of the quads), and the bytes done of it."""

    def phase(self, name: str, total: int | None = None) -> None: ...

    def advance(self, done: int) -> None: ...


@dataclass
class LoadReport:
    """What one load did."""

    file: str
    graph: str
    counts: Counter[str] = field(default_factory=Counter)
    skipped: list[RecordError] = field(default_factory=list)
    replaced: bool = False
    unplaced: int = 0  # rows naming a citation whose cited work has no id
    seconds: dict[str, float] = field(default_factory=dict)

    resumed: bool = False  # finished a remote load that an earlier run began
    progress: Progress | None = field(default=None, repr=False, compare=False)  # told of each phase

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "graph": self.graph,
            "papers": self.counts["paper"],
            "citations": self.counts["citation"],
            "annotations": self.counts["annotation"],
            "notices": self.counts["notice"],
            "replaced": self.replaced,
            "resumed": self.resumed,
            "unplaced": self.unplaced,
            "skipped": [str(error) for error in self.skipped],
        }

    @contextmanager
    def timed(self, phase: str, total: int | None = None) -> Iterator[None]:
        """Time a phase (``seconds``, for the curious and the benchmarks), and say it has begun."""
        if self.progress is not None:
            self.progress.phase(phase, total)
        start = time.perf_counter()
        yield
        self.seconds[phase] = round(time.perf_counter() - start, 2)

    def summary(self) -> str:
        parts = [f"{self.counts[kind]} {kind}s" for kind in ("paper", "citation", "annotation")]
        if self.counts["notice"]:  # (only some sources report notices: the rest need not say none)
            parts.append(f"{self.counts['notice']} notices")
        text = f"loaded {', '.join(parts)} from {self.file} into <{self.graph}>"
        if self.replaced:
            text += " (replaced the graph's previous contents)"
        if self.resumed:
            text += " (resumed a load that had stopped part way)"
        if self.skipped:
            text += f"; skipped {len(self.skipped)} invalid records"
        if self.unplaced:
            text += f"; {self.unplaced} rows named a work without an id citekg knows and were not loaded"
        return text


def graph_name_for(path: Path) -> str:
    """The default graph name of a file: its path, relative to the working directory when it lies
    below it, so that two files never share a graph (``x/data.csv`` and ``y/data.csv``, ``data.csv``
    and ``data.ttl``) and loading the same path again replaces what it loaded before.

    >>> graph_name_for(Path("dumps/2024/citations.csv.gz"))
    'dumps/2024/citations.csv.gz'
    """
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix().lstrip("/")


def _source_graph(store: WritableBackend, source: Path, graph: str | None) -> ox.NamedNode:
    """The graph a file loads into: the one named (a name or an IRI), else the one its path names,
    always under the base; never the consensus graph, which is citekg's own."""
    minter = store.minter
    iri = minter.graph(graph) if graph is not None else minter.source_graph(graph_name_for(source))
    if iri in (minter.consensus_graph, minter.aliases_graph):
        raise CitekgError(f"<{iri}> is a graph citekg derives itself; load into another graph")
    return ox.NamedNode(iri)


def load(
    store: WritableBackend,
    path: str | os.PathLike[str],
    graph: str | None = None,
    *,
    fmt: str | None = None,
    paper: str | None = None,
    replace: bool = True,
    skip_invalid: bool = False,
    on_skip: Callable[[RecordError], None] | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Load one file into its graph (replacing what the graph held); raise InvalidInput if it has errors.

    ``fmt`` names the file's format (``kg.importers.formats()``); by default its content tells. ``paper``
    is the paper a Semantic Scholar citations or references page lists the citations or references of.
    A graph that exists is replaced, unless ``replace`` is false: then the load is refused.
    With ``skip_invalid`` the valid records are loaded, and every invalid one is passed to ``on_skip``
    and listed in the report.
    """
    source = Path(path)
    if not source.is_file():
        raise InvalidArgument(f"{source}: no such file")
    name = graph or graph_name_for(source)  # also the annotator of annotations that name none
    format_name = fmt or importers.detect(source).name
    graph_iri = _source_graph(store, source, graph)
    fingerprint = _fingerprint(source, format_name, paper, skip_invalid)
    with _work(store, graph_iri) as folder:
        scratch = _Scratch(folder, compressed=_short_of_disk(store, graph_iri, source, folder))
        plan = _Plan.read(scratch.plan, fingerprint, folder)
        if plan is None:
            derivation.check(store)
            if not replace and store.has_graph(graph_iri):
                raise CitekgError(
                    f"the graph <{graph_iri.value}> is loaded already; replace it with --replace"
                )
            plan = _map(
                store, name, graph_iri, source, format_name, paper, scratch, skip_invalid, on_skip, progress
            )
            plan.fingerprint = fingerprint
            plan.save(scratch.plan)
        else:
            plan.report.resumed = True
            plan.report.progress = progress
        with store.change(graph_iri):
            _apply(store, graph_iri, scratch, plan)
    with plan.report.timed("optimize"):  # (once the scratch files are gone: compacting takes disk)
        store.settle()
    return plan.report


@contextmanager
def _work(store: WritableBackend, graph: ox.NamedNode) -> Iterator[Path]:
    """The load's scratch folder: temporary beside a store that undoes loads cut short; where they
    resume instead, the store's work folder, kept when a load stops after it has begun to change the
    store, so that running it again resumes it."""
    kept = store.work_folder(graph)
    if kept is None:
        with tempfile.TemporaryDirectory(prefix="load-", dir=store.path) as folder:
            yield Path(folder)
        return
    kept.mkdir(parents=True, exist_ok=True)
    try:
        yield kept
    except BaseException:
        if not (kept / _Scratch.PLAN).exists():
            shutil.rmtree(kept)
        raise
    shutil.rmtree(kept)


def _fingerprint(source: Path, format_name: str, paper: str | None, skip_invalid: bool) -> list[object]:
    """What must be the same for a run to resume an earlier one: the file (as far as its size and time
    of change tell) and the options that change what is loaded."""
    stat = source.stat()
    return [str(source.resolve()), stat.st_size, stat.st_mtime_ns, format_name, paper, skip_invalid]


# Free disk, in multiples of the input file, below which a load's quads are written gzipped: plain, they
# took 50x the file (OpenCitations CSV: 39 GB for 775 MB at 10^7 citations) beside a store of about 40x
# it; gzipped (level 1) 2.1 GB, for loads 4-6% longer (measured at 10^5 citations).
ROOM_FOR_PLAIN_QUADS = 120


def _short_of_disk(store: WritableBackend, graph: ox.NamedNode, source: Path, folder: Path) -> bool:
    """Whether the load's quads go to the disk gzipped: where the engine reads them back in this
    process (a remote store's resumed load sends them again as they are) and the disk is short."""
    if store.work_folder(graph) is not None:
        return False
    return shutil.disk_usage(folder).free < ROOM_FOR_PLAIN_QUADS * source.stat().st_size


@dataclass
class _Plan:
    """A mapped load: its report, and the steps it has passed (``mapped``, then ``removed``: the graph's
    previous version is gone, and what it held is noted in the scratch folder)."""

    report: LoadReport
    links_ids: bool
    from_file: bool
    phase: str = "mapped"
    fingerprint: list[object] = field(default_factory=list)

    def save(self, path: Path) -> None:
        report = self.report
        state = {
            "fingerprint": self.fingerprint,
            "phase": self.phase,
            "links_ids": self.links_ids,
            "from_file": self.from_file,
            "report": {
                "file": report.file,
                "graph": report.graph,
                "counts": dict(report.counts),
                "skipped": [asdict(error) for error in report.skipped],
                "replaced": report.replaced,
                "unplaced": report.unplaced,
            },
        }
        scratch = path.with_suffix(".new")
        scratch.write_text(json.dumps(state), encoding="utf-8")
        os.replace(scratch, path)

    @classmethod
    def read(cls, path: Path, fingerprint: list[object], folder: Path) -> _Plan | None:
        """The plan of an unfinished load of the same file, if there is one; another file's is an error,
        since finishing it is the only way to leave the store as a whole load would."""
        if not path.exists():
            return None
        state = json.loads(path.read_text(encoding="utf-8"))
        if state["fingerprint"] != fingerprint:
            raise CitekgError(
                f"a load of {state['fingerprint'][0]} into <{state['report']['graph']}> stopped part way; "
                f"run it again to finish it first (its work folder is {folder})"
            )
        saved = state["report"]
        report = LoadReport(
            saved["file"],
            saved["graph"],
            Counter(saved["counts"]),
            [RecordError(**error) for error in saved["skipped"]],
            saved["replaced"],
            saved["unplaced"],
        )
        return cls(report, state["links_ids"], state["from_file"], state["phase"], fingerprint)


def _map(
    store: WritableBackend,
    name: str,
    graph_iri: ox.NamedNode,
    source: Path,
    format_name: str,
    paper: str | None,
    scratch: _Scratch,
    skip_invalid: bool,
    on_skip: Callable[[RecordError], None] | None,
    progress: Progress | None,
) -> _Plan:
    """Read, check and map the file, and derive what the store will need of it, into the scratch files;
    the store is only read."""
    report = LoadReport(str(source), graph_iri.value, progress=progress)
    empty = store.is_empty()
    with report.timed("map", source.stat().st_size), importers.counting_reads(_advance(progress)):
        errors, links_ids, passed_through = _map_file(
            store,
            name,
            graph_iri,
            importers.read(source, format_name, paper),
            scratch,
            report,
            skip_invalid,
            on_skip,
        )
    if errors:
        raise InvalidInput(errors)
    scratch.close_mapping()
    # Into an empty store, every citation is new and every citing paper described here, if
    # anywhere: the file alone ranks the representatives, before the bulk load.
    from_file = empty and not links_ids and not passed_through

    # Oxigraph's bulk loader keeps both cores busy: computing this beside it was measured slower
    # (docs/performance.md), so it comes first.
    with scratch.write_quads(scratch.derived) as quads:
        with report.timed("consensus of new citations"), scratch.ranked.open("w", encoding="utf-8") as ranked:
            _provenance(quads, graph_iri, source, format_name, report)
            annotated = consensus.write_new(scratch.judgements, quads, store.consensus_graph, ranked)
            tallies.save(annotated, scratch.tallied)
        if from_file:
            with report.timed("representatives"):
                representatives.write_new(
                    scratch.described, scratch.ranked, quads, store.consensus_graph, scratch.folder
                )
            with report.timed("paper behaviour"):
                typology.write_new(scratch.ranked, quads, store.consensus_graph, scratch.folder)
            with report.timed("explorer rows"):
                explorer.write_new(scratch.described, scratch.ranked, quads, store.consensus_graph)
            with report.timed("years and titles"):
                consensus.write_descriptions(scratch.described, quads, store.consensus_graph)
    return _Plan(report, links_ids, from_file)


class _Scratch:
    """The files of a load: before it touches the store, its quads, the judgements of the citations new
    to the store (for their consensus), the citations it shares with the store, the papers it
    describes, the citations it adds or changes under the papers they cite (for the representatives),
    the new citations ranked, the quads derived from all that and the tallies of its annotations;
    then, as it changes the store, the papers to re-rank whole, the citations of the graph's previous
    version and of the graph itself, the papers the previous version described and what its removal
    takes from the tallies; and the plan."""

    PLAN = "plan.json"

    def __init__(self, folder: Path, *, compressed: bool = False) -> None:
        self.folder = folder
        self.compressed = compressed  # the quads files gzipped
        nquads = ".nq.gz" if compressed else ".nq"
        names = (
            "quads" + nquads,
            "judgements.tsv",
            "shared",
            "described.tsv",
            "changed.tsv",
            "touched",
            "ranked.tsv",
            "derived" + nquads,
            "previous",
            "in_graph",
            "undescribed",
            "tallied.json",
            "untallied.json",
            self.PLAN,
        )
        (
            self.quads,
            self.judgements,
            self.shared,
            self.described,
            self.changed,
            self.touched,
            self.ranked,
            self.derived,
            self.previous,
            self.in_graph,
            self.undescribed,
            self.tallied,
            self.untallied,
            self.plan,
        ) = (folder / name for name in names)
        self.files: list[IO[str]] = []

    def write_quads(self, path: Path) -> IO[str]:
        """One of the quads files, opened for writing."""
        if self.compressed:
            return gzip.open(path, "wt", compresslevel=1, encoding="utf-8")
        return path.open("w", encoding="utf-8")

    def open_mapping(self) -> tuple[Callable[[str], object], ...]:
        """Writers of the files the mapping pass fills."""
        self.files = [
            self.write_quads(self.quads),
            *(
                path.open("w", encoding="utf-8")
                for path in (self.judgements, self.shared, self.described, self.changed)
            ),
        ]
        return tuple(file.write for file in self.files)

    def close_mapping(self) -> None:
        for file in self.files:
            file.close()


def _map_file(
    store: WritableBackend,
    name: str,
    graph: ox.NamedNode,
    items: Iterator[importers.Item],
    scratch: _Scratch,
    report: LoadReport,
    skip_invalid: bool,
    on_skip: Callable[[RecordError], None] | None,
) -> tuple[list[RecordError], bool, bool]:
    """Validate and map the file into the scratch files; return the errors, whether any record linked
    several ids of one paper (only then can papers need merging), and whether RDF passed through as
    written (its titles and years are in no record).

    Records go a chunk at a time: the papers a chunk names, and which of its citations the store has,
    are looked up together (one query each over HTTP, not one a record)."""
    empty = store.is_empty()
    known: dict[PaperId, str] = {}
    mapper = Mapper(store.minter, graph.value, known.get, source=name)
    write_quads, write_judgement, write_shared, write_described, write_changed = scratch.open_mapping()
    errors: list[RecordError] = []
    passed_through = False
    for chunk in batched(items, _CHUNK):
        records = []
        for item in chunk:
            if isinstance(item, RecordError):
                if skip_invalid:
                    report.skipped.append(item)
                    if on_skip is not None:
                        on_skip(item)
                elif len(errors) < _REPORTED_ERRORS:
                    errors.append(item)
            elif not errors:  # after an error, keep reading only to report every error in the file
                records.append(item[1])
        if errors:
            continue
        if not empty:
            known.clear()
            known.update(store.papers({paper_id for record in records for paper_id in _ids_named(record)}))
        pending: list[tuple[CitationRef, Paper | Citation | Annotation | Notice, str | None]] = []
        for record in records:
            if isinstance(record, Unplaced):
                report.unplaced += 1
                continue
            if isinstance(record, Raw):
                write_quads(_as_published(store.minter, graph, record))
                passed_through = True
                continue
            report.counts[record.type] += 1
            mapped = mapper.map(record)
            write_quads(mapped.quads)
            if isinstance(record, Paper) and mapped.paper is not None:
                write_described(
                    representatives.described_row(
                        mapped.paper, record.publication_year, record.title, record.summary is not None
                    )
                )
            if mapped.citation is not None:
                write_changed(representatives.changed_row(mapped.citation.cited, mapped.citation.iri))
                pending.append((mapped.citation, record, mapped.annotation))
        maybe_stored = [citation.iri for citation, _, _ in pending if citation.maybe_stored]
        stored = store.stored_citations(maybe_stored) if maybe_stored else set()
        for citation, record, annotation in pending:
            if citation.iri in stored:
                write_shared(citation.iri + "\n")  # its consensus needs the other sources' annotations too
            elif isinstance(record, Annotation):
                labels = [label for label in (record.role, record.polarity) if label is not None]
                human = record.annotator is not None and record.annotator.kind is AnnotatorKind.HUMAN
                write_judgement(
                    consensus.judgement_rows(
                        citation,
                        annotation or "",
                        mapper.annotator_iri(record),
                        labels,
                        record.confidence,
                        human,
                    )
                )
            else:
                write_judgement(consensus.judgement_rows(citation))
    return errors, mapper.links_ids, passed_through


_CHUNK = 1000  # records mapped together, with their lookups batched


def _as_published(minter: Minter, graph: ox.NamedNode, raw: Raw) -> str:
    """A source's own triples in a part of its graph (``Minter.part_graph``), and the source graph's
    word for it: a VoID subset, from the file's graph of that name (written with every batch; the
    store keeps a quad once)."""
    part = ox.NamedNode(minter.part_graph(graph.value, raw.graph))
    said = quad(graph, VOID["subset"], part, graph) + quad(part, A, VOID["Dataset"], graph)
    if raw.graph is not None:
        said += quad(part, DCTERMS["source"], ox.NamedNode(raw.graph), graph)
    return "".join(f"{triple} {part} .\n" for triple in raw.triples) + said  # (triples as N-Triples)


def _ids_named(record: object) -> list[PaperId]:
    """The paper ids the mapper will look up for a record."""
    if isinstance(record, Paper):
        return record.all_ids
    if isinstance(record, (Citation, Annotation)):
        return [record.citing, record.cited]
    if isinstance(record, Notice):
        return [record.paper]
    return []


def _advance(progress: Progress | None) -> Callable[[int], None] | None:
    """What to call with the bytes a phase has just done; None without a progress display, so that
    nothing counts them (the engine then reads the scratch file itself, by its path: faster than
    through a Python file object)."""
    return progress.advance if progress is not None else None


_PARTITIONS = {"papers": FABIO["Expression"], "citations": CITO["Citation"], "annotations": OA["Annotation"]}
# What each source's publisher allows (dcterms:license), and the attribution it asks for.
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
LICENCES = {
    "opencitations-index": CC0,
    "opencitations-meta": CC0,
    "opencitations-rdf": CC0,
    "openalex": CC0,
    "crossref": "https://www.crossref.org/documentation/retrieve-metadata/rest-api/rest-api-metadata-license-information/",
    "s2-citations": "https://opendatacommons.org/licenses/by/1.0/",
}
ATTRIBUTIONS = {
    "s2-citations": "Kinney et al. 2023, The Semantic Scholar Open Data Platform, https://doi.org/10.48550/arXiv.2301.10140",
}


def _provenance(
    out: IO[str], graph: ox.NamedNode, source: Path, format_name: str, report: LoadReport
) -> None:
    """Say in the graph itself where its triples came from, when, in what format and under what
    licence, so that all of it leaves with the graph (PROV-O, DCMI terms). The source is the file's
    name, as a literal: a local path names nothing another machine could resolve."""
    g = str(graph)
    loaded = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    out.write(quad(g, A, PROV["Entity"], g))
    out.write(quad(g, A, VOID["Dataset"], g))
    out.write(quad(g, DCTERMS["source"], literal(source.name), g))
    out.write(quad(g, DCTERMS["format"], literal(format_name), g))
    out.write(quad(g, PROV["generatedAtTime"], literal(loaded, XSD["dateTime"]), g))
    checksum = iri(f"{graph.value}#sha256")  # of the file as loaded: kg sync loads it again once it changed
    with source.open("rb") as data:
        digest = hashlib.file_digest(data, "sha256").hexdigest()
    out.write(quad(g, SPDX["checksum"], checksum, g))
    out.write(quad(checksum, A, SPDX["Checksum"], g))
    out.write(quad(checksum, SPDX["algorithm"], SPDX["checksumAlgorithm_sha256"], g))
    out.write(quad(checksum, SPDX["checksumValue"], literal(digest, XSD["hexBinary"]), g))
    if format_name in LICENCES:
        out.write(quad(g, DCTERMS["license"], iri(LICENCES[format_name]), g))
    if format_name in ATTRIBUTIONS:
        out.write(quad(g, DCTERMS["bibliographicCitation"], literal(ATTRIBUTIONS[format_name]), g))


def _class_partitions(store: WritableBackend, graph: ox.NamedNode) -> None:
    """VoID class partitions of the graph, counting its instances of each class (once each, also the
    papers that only citations name), as they stand once the graph is loaded and merged."""
    quads = []
    for kind, cls in _PARTITIONS.items():
        instances = f"GRAPH {graph} {{ ?x {RDF['type']} {cls} }}"
        rows = select(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {instances} }}")
        count = next(rows)["n"].value
        partition = ox.NamedNode(f"{graph.value}#{kind}")
        quads += [
            quad(graph, VOID["classPartition"], partition, graph),
            quad(partition, VOID["class"], cls, graph),
            quad(partition, VOID["entities"], literal(count, XSD["integer"]), graph),
        ]
    store.add("".join(quads))


def _apply(store: WritableBackend, graph: ox.NamedNode, scratch: _Scratch, plan: _Plan) -> None:
    report = plan.report
    if plan.phase == "mapped":
        report.replaced = store.has_graph(graph)
        scratch.touched.touch()
        changed = scratch.changed.open("a", encoding="utf-8")
        undescribed = scratch.undescribed.open("w", encoding="utf-8")
        with changed, undescribed, report.timed("remove previous version"):
            if report.replaced:
                tallies.save(_remove(store, graph, changed, scratch.previous, undescribed), scratch.untallied)
            else:
                scratch.previous.touch()
        plan.phase = "removed"
        plan.save(scratch.plan)
    resumable = store.work_folder(graph) is not None  # (a load that resumes sends its files again)
    with report.timed("bulk load", scratch.quads.stat().st_size + scratch.derived.stat().st_size):
        for nquads in (scratch.quads, scratch.derived):
            store.bulk_load_nquads(nquads, _advance(report.progress))
            if not resumable:  # its disk for the store's: at 10^7 citations they did not fit side by side
                nquads.unlink()
    with report.timed("tally differences"):
        tally = tallies.read(scratch.tallied)  # the new citations', from the file
        # each shared citation once: a file may state one several times, and a batch reads each it names
        tally.update(tallies.of_graph(store, graph, _unique(scratch.shared)))
        tally.update(tallies.read(scratch.untallied))  # the removal of the graph's previous version
    with report.timed("merge papers"):
        merged = identity.canonicalise(store, graph) if plan.links_ids else identity.NOTHING_RENAMED
        renamed = merged.citations
        consensus.one_value_each(store, graph)
        _class_partitions(store, graph)
    with report.timed("consensus of shared citations"):  # (a replace shares most with its previous version)
        consensus.refresh(store, _unique(scratch.shared, scratch.previous))
        consensus.refresh(store, renamed)
    with report.timed("store counts"):  # (once the consensus is refreshed: a graph alone counts it whole)
        tally.update(tallies.of_entities(store, graph))

    def removed_papers() -> Iterator[ox.NamedNode]:  # those the graph's previous version described
        return _unique(scratch.undescribed) if report.replaced else iter(())

    if not plan.from_file:  # (into an empty store, these came from the file's own spools)
        with report.timed("years and titles"):
            consensus.refresh_descriptions(store, graph, removed_papers())
        with report.timed("explorer rows"):
            with scratch.in_graph.open("w", encoding="utf-8") as ours:  # (shared ones among them)
                ours.writelines(citation.value + "\n" for citation in consensus.citations_in(store, graph))
            explorer.refresh(store, chain(_unique(scratch.in_graph, scratch.previous), renamed))
            described = (ox.NamedNode(line.partition("\t")[0]) for line in sorted_lines(scratch.described))
            explorer.refresh_citing(store, chain(described, removed_papers()), besides=graph)  # years, titles
    if not plan.from_file:
        with report.timed("representatives"):
            with (
                scratch.touched.open("a", encoding="utf-8") as touched,
                scratch.changed.open("a", encoding="utf-8") as changed,
            ):
                _described_and_renamed(store, scratch.described, renamed, changed, touched)
            representatives.update(
                store, representatives.changes(sorted_lines(scratch.changed), sorted_lines(scratch.touched))
            )
        with report.timed("paper behaviour"):
            typology.refresh(store, _cited(sorted_lines(scratch.changed), sorted_lines(scratch.touched)))
    with report.timed("annotator tallies"):
        # recounted after a resume (differences that may have been applied already) or a merge of
        # papers (what merged citations added apart is not what they add as one; the store's counts
        # alone when only papers were renamed: a second each at 10^6 citations)
        if report.resumed or renamed:
            tallies.rebuild(store)
        else:
            tallies.apply(store, tally)
            if merged.papers:
                tallies.recount_store(store)
    with report.timed("finish"):
        consensus.describe_itself(store)


def _described_and_renamed(
    store: WritableBackend, described: Path, renamed: list[ox.NamedNode], changed: IO[str], touched: IO[str]
) -> None:
    """Note the citations made by the papers a file describes (their rank may change with the paper's
    year, title or summary), and the papers cited by the citations that merging papers renamed (to be
    re-ranked whole)."""
    with described.open(encoding="utf-8") as lines:
        for line in lines:
            changed.writelines(_citations_made(store, ox.NamedNode(line.partition("\t")[0])))
    objects = _objects_in(store, store.consensus_graph)
    for citation in renamed:
        touched.writelines(objects(citation, CITO["hasCitedEntity"]))


def _citations_made(store: WritableBackend, paper: ox.NamedNode) -> Iterator[str]:
    """The citations a paper makes, as the consensus graph says, as ``changed_row`` lines."""
    graph, cited = store.consensus_graph, CITO["hasCitedEntity"]
    for found in store.quads_for_pattern(None, CITO["hasCitingEntity"], paper, graph):
        citation = named(found.subject)
        for end in store.quads_for_pattern(citation, cited, None, graph):
            yield representatives.changed_row(named(end.object).value, citation.value)


def _objects_in(
    store: WritableBackend, graph: ox.NamedNode
) -> Callable[[ox.NamedNode, ox.NamedNode], Iterator[str]]:
    """A reader of the objects of a subject and predicate in one graph, as spool lines."""

    def objects(subject: ox.NamedNode, predicate: ox.NamedNode) -> Iterator[str]:
        for found in store.quads_for_pattern(subject, predicate, None, graph):
            yield named(found.object).value + "\n"

    return objects


def _iris(spool: Path) -> Iterator[ox.NamedNode]:
    """The IRIs of a spool, a line each."""
    with spool.open(encoding="utf-8") as lines:
        yield from (ox.NamedNode(line.rstrip("\n")) for line in lines)


def _unique(*spools: Path) -> Iterator[ox.NamedNode]:
    """The IRIs of these spools, a line each, sorted, each once."""
    previous = None
    for line in heapq.merge(*map(sorted_lines, spools)):
        if line != previous:
            yield ox.NamedNode(line.rstrip("\n"))
        previous = line


def _cited(changed: Iterator[str], touched: Iterator[str]) -> Iterator[ox.NamedNode]:
    """The papers cited by the changed citations or touched whole, each once (as ``representatives.update``
    takes them): those whose behaviour a write may change."""
    return (paper for paper, _ in representatives.changes(changed, touched))


# what ranking and the explorer read of a citing paper, from whichever graph states it
_DESCRIBING = (DCTERMS["title"], FABIO["hasPublicationYear"], CKG["summary"])


def _remove(
    store: WritableBackend, graph: ox.NamedNode, changed: IO[str], previous: Path, described: IO[str]
) -> tallies.Tally:
    """Remove a graph, noting its citations in ``previous`` (their consensus must be refreshed), the
    papers it described in ``described`` (their year, title and explorer rows may change), and in
    ``changed`` (``representatives.changed_row``) the citations whose rank may change with it: its
    own, and those made by the papers it described. A paper the graph only names (the cited end of a
    citation, say) keeps its year, title and summary, so what cites it elsewhere keeps its rank and
    rows. Return what the removal takes from the tallies."""
    in_graph = _objects_in(store, graph)
    with previous.open("w", encoding="utf-8") as citations:
        for citation in consensus.citations_in(store, graph):
            citations.write(citation.value + "\n")
            changed.writelines(
                representatives.changed_row(cited.rstrip("\n"), citation.value)
                for cited in in_graph(citation, CITO["hasCitedEntity"])
            )
    for found in store.quads_for_pattern(None, RDF["type"], FABIO["Expression"], graph):
        paper = named(found.subject)
        if any(next(store.quads_for_pattern(paper, said, None, graph), None) for said in _DESCRIBING):
            described.write(paper.value + "\n")
            changed.writelines(_citations_made(store, paper))
    tally = tallies.of_graph(store, graph, _iris(previous), removing=True)
    tally.update(tallies.of_entities(store, graph, removing=True))
    for removed in (graph, *store.parts(graph)):
        store.remove_graph(removed)
    return tally


def drop(store: WritableBackend, graph: str) -> ox.NamedNode:
    """Remove a source graph and everything it brought, and refresh the consensus it fed. ``graph``
    is its name, its IRI, or the path of the file loaded into it (as ``kg load`` was given it)."""
    loaded = store.source_graphs()
    named = ox.NamedNode(store.minter.graph(graph))
    from_path = ox.NamedNode(store.minter.source_graph(graph_name_for(Path(graph))))
    graph_iri = next((g for g in (named, from_path) if g in loaded), None)
    if graph_iri is None:
        raise InvalidArgument(f"there is no loaded source graph <{named.value}>")
    derivation.check(store)
    with store.change(graph_iri), tempfile.TemporaryDirectory(prefix="drop-", dir=store.path) as folder:
        changed, previous = Path(folder) / "changed", Path(folder) / "previous"
        described = Path(folder) / "undescribed"
        with changed.open("w", encoding="utf-8") as cited, described.open("w", encoding="utf-8") as gone:
            tally = _remove(store, graph_iri, cited, previous, gone)
        with previous.open(encoding="utf-8") as lines:
            consensus.refresh(store, (ox.NamedNode(line.rstrip("\n")) for line in lines))
        consensus.refresh_descriptions(store, papers=_unique(described))
        explorer.refresh(store, _iris(previous))
        explorer.refresh_citing(store, _unique(described))
        representatives.update(store, representatives.changes(sorted_lines(changed), iter(())))
        typology.refresh(store, _cited(sorted_lines(changed), iter(())))
        tallies.apply(store, tally)
        consensus.describe_itself(store)
    store.settle()
    return graph_iri


def rebuild(store: WritableBackend) -> None:
    """Derive everything again from the source graphs (``consensus.rebuild``: the consensus, ranks,
    explorer rows, paper behaviour, tallies), all or nothing: a store loaded by an older citekg lacks
    what newer versions derive (``hub-typology`` answers nothing without the papers' behaviour)."""
    with store.change(store.consensus_graph):
        consensus.rebuild(store)
    store.settle()
