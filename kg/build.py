"""``kg build FILE... --out DIR``: input files made into gzipped N-Quads for a SPARQL server's own bulk
loader, with everything citekg derives already in them.

Past one machine, a server's bulk loader (``oxigraph load``, Virtuoso's ``ld_dir`` and
``rdf_loader_run``, QLever's index builder) takes files far faster than any client can send triples
over HTTP. ``build`` loads the files one by one into an embedded store of its own, as ``kg load`` would
(so the consensus, representatives, explorer rows, tallies, provenance and aliases are the same as in
a store loaded here), writes that store as N-Quads split into gzipped parts of bounded size, the
dataset's VoID description beside them, and the commands that load the parts into each server. The
store is on disk and every step streams, so memory does not grow with the input.

Writing the store out takes about as long as loading it (the engine decodes each quad's terms from
its dictionary: one thread wrote the 23.8 million quads of 10^6 citations in 203 s), so one thread
per core writes a graph at a time into parts of its own (``part-WW-NNNNN.nq.gz``): 166 s within a
10^6 build on two cores, against 259 s before. The engine writes a graph's triples; the graph's name
is added to each line on the way to the parts.

Then ``kg --endpoint URL --base BASE ...`` answers on the server as on the embedded store
(``tests/test_build.py`` checks it on ``oxigraph load`` + ``oxigraph serve-read-only`` and on
Virtuoso's bulk loader).
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg import linked_data, literals
from kg.iris import is_part
from kg.store import Store

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from kg.loader import LoadReport, Progress

PART_BYTES = 256 * 2**20  # N-Quads per part before compression: a few minutes of a bulk loader each
PARTS = "part-*.nq.gz"


@dataclass
class BuildReport:
    """What a build wrote."""

    out: Path
    base: str
    loads: list[LoadReport] = field(default_factory=list)
    parts: list[Path] = field(default_factory=list)
    quads: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "out": str(self.out),
            "base": self.base,
            "quads": self.quads,
            "parts": [part.name for part in self.parts],
            "loads": [load.to_json() for load in self.loads],
        }


def build(
    files: list[Path],
    out: Path,
    *,
    base: str | None = None,
    part_bytes: int = PART_BYTES,
    progress: Callable[[Path], Progress | None] | None = None,
) -> BuildReport:
    """Build ``files`` into ``out`` (made if missing; earlier parts in it are replaced)."""
    from kg.loader import load

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(PARTS):
        old.unlink()
    with (
        tempfile.TemporaryDirectory(prefix=".kg-build-", dir=out) as scratch,
        Store(Path(scratch), base=base, compacts=False) as store,  # (written out once, then gone)
    ):
        report = BuildReport(out, store.minter.base)
        for file in files:
            report.loads.append(load(store, file, progress=progress(file) if progress else None))
        report.quads = len(store.oxigraph)
        writing = progress(out) if progress else None
        if writing is not None:
            writing.phase("write parts", report.quads)
        report.parts = _write_parts(store, out, part_bytes, writing.advance if writing else None)
        void = linked_data.void(store)
        ox.serialize(void, str(out / "void.ttl"), ox.RdfFormat.TURTLE, prefixes=store.prefixes)
    _write_loaders(out, report)
    return report


def _write_parts(
    store: Store, out: Path, limit: int, advance: Callable[[int], None] | None = None
) -> list[Path]:
    """Every graph of the store into gzipped parts, a graph at a time on each of the machine's cores;
    ``advance`` is told how many quads each write took."""
    graphs = store.exported_graphs()
    workers = max(1, min(os.cpu_count() or 1, len(graphs)))
    queue = iter(graphs)  # next() on it is atomic: each graph goes to one worker
    told = threading.Lock()

    def written_lines(lines: int) -> None:
        if advance is not None:
            with told:
                advance(lines)

    def work(worker: int) -> list[Path]:
        with _Parts(out, limit, f"{worker:02d}-") as parts:
            for graph in queue:
                with io.BufferedWriter(_Named(graph, parts, written_lines), buffer_size=1 << 20) as written:
                    if isinstance(graph, ox.NamedNode) and is_part(graph.value):  # literals as written
                        quads = map(
                            literals.written_quad, store.oxigraph.quads_for_pattern(None, None, None, graph)
                        )
                        ox.serialize(quads, written, ox.RdfFormat.N_QUADS)
                    else:
                        store.oxigraph.dump(written, ox.RdfFormat.N_TRIPLES, from_graph=graph)
            return parts.written

    with ThreadPoolExecutor(workers) as pool:  # the engine lets go of the GIL while it reads
        return sorted(path for written in pool.map(work, range(1, workers + 1)) for path in written)


class _Named(io.RawIOBase):
    """N-Triples of one named graph passed on as N-Quads of it: the graph's name before each line's
    final " ." (N-Triples escapes a newline inside a literal, so every newline ends a line). Other
    N-Quads, and the default graph's triples, pass unchanged."""

    def __init__(
        self, graph: ox.NamedNode | ox.DefaultGraph, parts: _Parts, lines: Callable[[int], None]
    ) -> None:
        super().__init__()
        self.parts, self.lines, self.rest = parts, lines, b""
        named = isinstance(graph, ox.NamedNode) and not is_part(graph.value)
        self.end = f" {graph} .\n".encode() if named else None

    def writable(self) -> bool:
        return True

    def write(self, data: Buffer) -> int:
        chunk = bytes(data)
        self.lines(chunk.count(b"\n"))
        if self.end is None:
            return self.parts.write(chunk)
        lines = self.rest + chunk
        cut = lines.rfind(b"\n") + 1
        self.rest = lines[cut:]
        self.parts.write(lines[:cut].replace(b" .\n", self.end))
        return len(chunk)

    def close(self) -> None:
        if self.rest:
            self.parts.write(self.rest)
            self.rest = b""
        super().close()


class _Parts(io.RawIOBase):
    """N-Quads written into gzipped files of about ``limit`` bytes each (before compression), cut
    between lines, named part-PREFIX00001.nq.gz and so on."""

    def __init__(self, out: Path, limit: int, prefix: str = "") -> None:
        super().__init__()
        self.out, self.limit, self.prefix = out, limit, prefix
        self.written: list[Path] = []
        self.current: gzip.GzipFile | None = None
        self.size = 0

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None
        super().close()

    def writable(self) -> bool:
        return True

    def write(self, data: Buffer) -> int:
        chunk = bytes(data)
        while chunk:
            current = self.current if self.current is not None else self._next()
            room = self.limit - self.size
            if len(chunk) <= room:
                current.write(chunk)
                self.size += len(chunk)
                break
            cut = chunk.rfind(b"\n", 0, room) + 1 or chunk.find(b"\n") + 1 or len(chunk)
            current.write(chunk[:cut])
            current.close()
            self.current, chunk = None, chunk[cut:]
        return memoryview(data).nbytes

    def _next(self) -> gzip.GzipFile:
        path = self.out / f"part-{self.prefix}{len(self.written) + 1:05d}.nq.gz"
        self.written.append(path)
        self.current, self.size = (
            gzip.GzipFile(path, "wb", compresslevel=3),
            0,
        )  # closed once full, or by close
        return self.current


def _write_loaders(out: Path, report: BuildReport) -> None:
    """The commands that load the parts into each server, and how to point kg at it afterwards."""
    folder = out.resolve()
    (out / "load-oxigraph.sh").write_text(
        "#!/bin/sh\n"
        "# Load this build into the database folder of an Oxigraph server (stopped), then serve it:\n"
        "#   sh load-oxigraph.sh DATABASE && oxigraph serve-read-only --location DATABASE\n"
        "# (compacted after loading: a read-only server never compacts, and the bulk loader's files\n"
        "# left as loaded made citekg's saved queries 3 to 9x slower at 10^6 citations)\n"
        "set -e\n"
        f'cd "{folder}"\n'
        'oxigraph load --location "$1" --file part-*.nq.gz\n'
        'oxigraph optimize --location "$1"\n',
        encoding="utf-8",
    )
    (out / "load-virtuoso.sql").write_text(
        "-- Load this build with Virtuoso's bulk loader: this folder must be in DirsAllowed\n"
        "-- (virtuoso.ini), then:  isql 1111 dba PASSWORD load-virtuoso.sql\n"
        f"ld_dir('{folder}', '{PARTS}', 'urn:citekg:default');\n"
        "rdf_loader_run();\n"
        "checkpoint;\n",
        encoding="utf-8",
    )
    (out / "Qleverfile").write_text(
        "# QLever (qlever-control): qlever index && qlever start, in this folder\n"
        "[data]\n"
        "NAME = citekg\n"
        "DESCRIPTION = citekg build (kg build): citations, roles and their provenance\n"
        "FORMAT = nq\n\n"
        "[index]\n"
        f"INPUT_FILES = {PARTS}\n"
        f'MULTI_INPUT_JSON = {{ "cmd": "zcat {{}}", "format": "nq", "for-each": "{PARTS}", '
        '"parallel": "true" }\n'
        'SETTINGS_JSON = { "num-triples-per-batch": 5000000 }\n\n'
        "[server]\n"
        "PORT = 7019\n"
        "TIMEOUT = 60s\n\n"
        "[runtime]\n"
        "SYSTEM = docker\n",
        encoding="utf-8",
    )
    (out / "README.txt").write_text(
        f"A citekg build: {report.quads:,} quads in {len(report.parts)} parts ({PARTS}), the VoID\n"
        "description of the dataset (void.ttl), and the commands that load the parts into an Oxigraph\n"
        "server (load-oxigraph.sh), Virtuoso (load-virtuoso.sql) or QLever (Qleverfile).\n\n"
        "Once loaded, point kg at the server with the IRI base the build minted under:\n"
        f"  kg --endpoint http://HOST:PORT/query --base {report.base} hub doi:10....\n",
        encoding="utf-8",
    )
