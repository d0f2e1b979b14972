"""kg build: the parts read back by an independent parser hold the embedded store's quads, and loaded
by each server's own bulk loader (oxigraph load; Virtuoso's ld_dir and rdf_loader_run) they answer
every saved query and the hub summary as the embedded store does."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset
from typer.testing import CliRunner

from kg import hub, queries
from kg.build import build
from kg.cli import app as kg_command
from kg.iris import is_part
from kg.loader import load
from kg.remote import RemoteStore
from kg.store import Store

from .conftest import DATA, EXAMPLE, assert_same_dataset, rdflib_dataset
from .readers import riot
from .servers import OXIGRAPH, free_port, running, virtuoso_server, wait_for
from .test_remote import PAPER, as_set, params_for

FILES = [EXAMPLE, DATA / "pages.jsonl"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Store]]:
    """The files built into small parts, and the same files loaded into an embedded store."""
    folder = tmp_path_factory.mktemp("build")
    report = build(FILES, folder / "out", part_bytes=60_000)
    assert len(report.parts) > 3
    with Store(folder / "embedded") as embedded:
        for file in FILES:
            load(embedded, file)
        yield folder / "out", embedded


def test_the_parts_hold_the_store_and_read_cleanly(built: tuple[Path, Store], tmp_path: Path) -> None:
    out, embedded = built
    found: set[str] = set()
    for part in sorted(out.glob("part-*.nq.gz")):
        data = gzip.decompress(part.read_bytes())
        assert data.endswith(b" .\n")  # cut between lines
        riot(data, "nquads", tmp_path)
        found |= {str(q) for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)}
    timeless = {
        str(q)
        for q in embedded.oxigraph.quads_for_pattern(None, None, None)
        if "generatedAtTime" not in str(q)
    }
    assert {q for q in found if "generatedAtTime" not in q} == timeless
    riot((out / "void.ttl").read_bytes(), "turtle", tmp_path)
    loader = (out / "load-oxigraph.sh").read_text()
    assert "oxigraph load --location" in loader and "oxigraph optimize --location" in loader


def test_a_source_s_own_rdf_leaves_in_its_graphs_with_its_literals_as_written(tmp_path: Path) -> None:
    """Parts are written a graph at a time, the graph's name added to the engine's N-Triples, on several
    threads: the same quads as the embedded store's own N-Quads dump, part graphs (a source's RDF, its
    literals as written) and blank nodes included."""
    files = [DATA / "oc-meta.nq", DATA / "oc-citations.nt", EXAMPLE]
    report = build(files, tmp_path / "out", part_bytes=20_000)
    with Store(tmp_path / "embedded") as embedded:
        for file in files:
            load(embedded, file)
        dumped = io.BytesIO()
        embedded.dump(dumped, ox.RdfFormat.N_QUADS)
    written = b"".join(gzip.decompress(part.read_bytes()) for part in report.parts)
    graphs = {q.graph_name for q in ox.parse(written, format=ox.RdfFormat.N_QUADS)}
    assert len(graphs) > 3 and any(is_part(str(g.value)) for g in graphs if isinstance(g, ox.NamedNode))
    riot(written, "nquads", tmp_path)

    def timeless(nquads: bytes) -> Dataset:
        kept = b"\n".join(line for line in nquads.splitlines() if b"generatedAtTime" not in line)
        return rdflib_dataset(kept, "nquads")

    assert_same_dataset(timeless(written), timeless(dumped.getvalue()))


def test_writing_the_parts_shows_its_progress_quad_by_quad(tmp_path: Path) -> None:
    told: dict[Path, list[tuple[str, int | None]]] = {}

    class Recorder:
        def __init__(self, file: Path) -> None:
            self.file = file

        def phase(self, name: str, total: int | None = None) -> None:
            told.setdefault(self.file, []).append((name, total))

        def advance(self, done: int) -> None:
            told[self.file].append(("advance", done))

    out = tmp_path / "out"
    report = build(FILES, out, part_bytes=20_000, progress=Recorder)
    writing = told[out]
    assert writing[0] == ("write parts", report.quads)
    assert sum(done or 0 for name, done in writing[1:] if name == "advance") == report.quads
    assert set(FILES) < set(told)  # each file's load told its own


def assert_answers_as_embedded(remote: RemoteStore, embedded: Store) -> None:
    for name in sorted(queries.catalogue()):
        params = params_for(name)
        far, local = queries.run_query(remote, name, params), queries.run_query(embedded, name, params)
        assert (far.columns, far.total) == (local.columns, local.total), name
        if name not in ("sources", "stats"):  # (times of loading differ, and so does what they count)
            assert as_set(far.rows) == as_set(local.rows), name
    for paper in (PAPER, "doi:10.5555/results.json"):
        assert hub.summary(remote, paper).to_json() == hub.summary(embedded, paper).to_json()


def test_oxigraph_s_own_loader_takes_the_build(built: tuple[Path, Store], tmp_path: Path) -> None:
    out, embedded = built
    database = tmp_path / "database"
    env = {**os.environ, "PATH": f"{Path(OXIGRAPH).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        ["sh", str(out / "load-oxigraph.sh"), str(database)], check=True, env=env, capture_output=True
    )
    port = free_port()
    command = [OXIGRAPH, "serve-read-only", "--location", str(database), "--bind", f"127.0.0.1:{port}"]
    with running(command, tmp_path / "oxigraph.log") as server:
        endpoint = wait_for(f"http://127.0.0.1:{port}/query", server, tmp_path / "oxigraph.log")
        assert_answers_as_embedded(RemoteStore(endpoint, base=embedded.minter.base), embedded)


def test_virtuoso_s_bulk_loader_takes_the_build(built: tuple[Path, Store], tmp_path: Path) -> None:
    out, embedded = built
    with virtuoso_server(tmp_path, build=out) as endpoint:
        assert_answers_as_embedded(RemoteStore(endpoint, base=embedded.minter.base, timeout=30), embedded)


def test_kg_build_on_the_command_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        kg_command, ["build", *map(str, FILES), "--out", str(tmp_path / "out"), "--report", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["parts"] == [f"part-{n:02d}-00001.nq.gz" for n in range(1, len(report["parts"]) + 1)]
    assert report["quads"] > 1000
    assert {"Qleverfile", "load-virtuoso.sql", "load-oxigraph.sh", "void.ttl", "README.txt"} <= {
        p.name for p in (tmp_path / "out").iterdir()
    }
    assert not list((tmp_path / "out").glob(".kg-build-*"))  # its store is gone
    bad = CliRunner().invoke(
        kg_command, ["build", str(DATA / "bad" / "aclarc-unknown-intent.jsonl"), "--out", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2 and "aclarc-unknown-intent.jsonl:1" in bad.output
