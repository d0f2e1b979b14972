"""Real SPARQL servers on loopback for the tests: the Oxigraph server (the `oxigraph` package from
PyPI) and Debian's Virtuoso, each with its output kept in a log so that a failed start says why."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.store import Store

OXIGRAPH = str(Path(sys.executable).parent / "oxigraph")
VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or "isql-vt"  # Virtuoso's SQL client, from the same package
VIRTUOSO_USER = ("dba", "dba")  # Debian's default, on loopback only


@dataclass
class Server:
    """A running server: where to query it, update it, and as whom."""

    endpoint: str
    update_endpoint: str
    user: str | None = None
    password: str | None = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def oxigraph_server(folder: Path, source: Store) -> Iterator[str]:
    """`oxigraph serve-read-only` on a backup of ``source``: the embedded store stays open beside it, and
    its background compactions would pull files from under a server reading the same folder."""
    served = folder / "served"
    source.oxigraph.backup(str(served))
    port = free_port()
    command = [OXIGRAPH, "serve-read-only", "--location", str(served), "--bind", f"127.0.0.1:{port}"]
    log = folder / "oxigraph.log"
    with running(command, log) as server:
        yield wait_for(f"http://127.0.0.1:{port}/query", server, log)


@contextmanager
def writable_oxigraph(location: Path, port: int | None = None) -> Iterator[Server]:
    """`oxigraph serve` (queries, updates, Graph Store) on a database folder of its own."""
    port = port or free_port()
    command = [OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    log = location.parent / f"{location.name}.log"
    with running(command, log) as server:
        endpoint = wait_for(f"http://127.0.0.1:{port}/query", server, log)
        yield Server(endpoint, f"http://127.0.0.1:{port}/update")


@contextmanager
def virtuoso_server(
    folder: Path,
    source: Store | None = None,
    build: Path | None = None,
    buffers: int | None = None,
    result_rows: int | None = None,
) -> Iterator[str]:
    """Debian's Virtuoso on loopback with its database in ``folder``; ``source``'s graphs PUT into it,
    or the parts of a ``kg build`` loaded by Virtuoso's own bulk loader (the build's isql script).
    ``buffers``: its NumberOfBuffers (8 KiB pages; its virtuoso.ini suggests 1,360,000 for 16 GB);
    ``result_rows``: its ResultSetMaxRows (10,000 in Debian's virtuoso.ini)."""
    if VIRTUOSO is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs virtuoso-opensource (.ci/system-packages)")
        pytest.skip("Debian's virtuoso-opensource is not installed")
    database = folder / "virtuoso"
    database.mkdir()
    sql_port, http_port = free_port(), free_port()
    settings = (Path("/etc/virtuoso-opensource-7/virtuoso.ini")).read_text(encoding="utf-8")
    settings = settings.replace("/var/lib/virtuoso-opensource-7/db", str(database))
    settings = re.sub(r"(?m)^ServerPort\s*=\s*1111", f"ServerPort = 127.0.0.1:{sql_port}", settings)
    settings = re.sub(r"(?m)^ServerPort\s*=\s*8890", f"ServerPort = 127.0.0.1:{http_port}", settings)
    # Virtuoso refuses a query its cost estimator guesses slow, and the guess moves with its sampled
    # statistics (a representative-candidates lookup was refused at an estimated 480 s in one CI run
    # and ran in milliseconds in others): citekg's operators are told to raise it (docs/scaling.md)
    settings = re.sub(
        r"(?m)^MaxQueryCostEstimationTime\s*=.*$", "MaxQueryCostEstimationTime = 100000", settings
    )
    if buffers is not None:
        settings = re.sub(r"(?m)^NumberOfBuffers\s*=.*$", f"NumberOfBuffers = {buffers}", settings)
        settings = re.sub(r"(?m)^MaxDirtyBuffers\s*=.*$", f"MaxDirtyBuffers = {buffers * 3 // 4}", settings)
    if result_rows is not None:
        settings = re.sub(r"(?m)^ResultSetMaxRows\s*=.*$", f"ResultSetMaxRows = {result_rows}", settings)
    if build is not None:  # the bulk loader reads only from folders the configuration allows
        settings = re.sub(r"(?m)^DirsAllowed\s*=\s*", f"DirsAllowed = {build.resolve()}, ", settings)
    (database / "virtuoso.ini").write_text(settings, encoding="utf-8")
    command = [VIRTUOSO, "+foreground", "+configfile", str(database / "virtuoso.ini")]
    base = f"http://127.0.0.1:{http_port}"
    log = folder / "virtuoso.log"
    with running(command, log, cwd=database) as server:
        endpoint = wait_for(f"{base}/sparql", server, log, tries=600)
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, base, *VIRTUOSO_USER)
        opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
        for graph in source.graphs() if source is not None else []:
            body = source.oxigraph.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
            target = f"{base}/sparql-graph-crud-auth?{urllib.parse.urlencode({'graph-uri': graph.value})}"
            put = urllib.request.Request(
                target, data=body, method="PUT", headers={"Content-Type": "application/n-triples"}
            )
            opener.open(put, timeout=60).read()
        if build is not None:
            script = str(build / "load-virtuoso.sql")
            done = subprocess.run(
                [ISQL, f"127.0.0.1:{sql_port}", *VIRTUOSO_USER, script], capture_output=True, timeout=300
            )
            said = (done.stdout + done.stderr).decode(errors="replace")
            assert done.returncode == 0 and "Error" not in said, said[-2000:]
        yield endpoint


@contextmanager
def running(command: list[str], log: Path, cwd: Path | None = None) -> Iterator[subprocess.Popen]:
    """A server process whose output goes to ``log``, so that a failed start can say why."""
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield server
        finally:
            server.terminate()
            server.wait()


def wait_for(endpoint: str, server: subprocess.Popen, log: Path, tries: int = 200) -> str:
    for _ in range(tries):
        if server.poll() is not None:
            break
        try:
            urllib.request.urlopen(f"{endpoint}?query=ASK%7B%7D", timeout=1).read()
            return endpoint
        except OSError:
            time.sleep(0.1)
    state = f"exited with {server.returncode}" if server.poll() is not None else "still not answering"
    output = log.read_text(encoding="utf-8", errors="replace")[-3000:]
    raise AssertionError(f"{endpoint} did not start ({state}); its log:\n{output}")
