"""citekg against SPARQL servers, next to the embedded store: ``kg load`` of the same generated file
through ``--endpoint`` into a writable Oxigraph server (``oxigraph serve``, from PyPI) and into Debian's
Virtuoso, then the hub summary of the designated hub read back through each, and an update: a second file of
10,000 citations among the same papers loaded on top (its ids and citations are looked up in the store).

    python bench/remote.py --citations 1000000

Each load runs as its own ``kg`` process (wall time and its peak memory); each server's peak memory is
read from /proc. Virtuoso runs with the buffer settings its own virtuoso.ini suggests for a 16 GB
machine (the Debian default, 10,000 buffers, is for trying it out). Figures merge into
bench/results.json under "remote" and go into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402
from run import RESULTS, source_file  # noqa: E402
from serve_load import free_port, peak_mib  # noqa: E402

from kg import hub  # noqa: E402
from kg.remote import RemoteStore  # noqa: E402
from kg.store import Store  # noqa: E402

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
VIRTUOSO_USER = ("dba", "dba")  # Debian's default; the server listens on loopback only
VIRTUOSO_16GB = {"NumberOfBuffers": 1360000, "MaxDirtyBuffers": 1000000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citations", type=int, default=1_000_000)
    parser.add_argument("--hub", type=int, default=10_000, help="citing papers of the designated hub")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--servers", nargs="+", default=["embedded", "oxigraph", "virtuoso"])
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    source = source_file(args.work, "native", args.citations, args.hub)
    update = args.work / "update-10000.jsonl"
    if not update.exists():
        generate.write(update, 10_000, 100, seed=7)
    input_mib = round(source.stat().st_size / 2**20)
    figures: dict[str, object] = {"citations": args.citations, "input_mib": input_mib}
    for name in args.servers:
        folder = args.work / f"remote-{name}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        with SERVERS[name](folder) as (options, pid):
            print(f"{name}: loading {source.name}", file=sys.stderr)
            kg = [sys.executable, "-m", "kg", *options, "load", "--timings"]
            loaded = measure.process([*kg, str(source)])
            with open_backend(name, options) as store:
                latency = measure.repeated_ms(lambda: hub.summary(store, generate.hub_id()), args.repeats)
                citing = hub.summary(store, generate.hub_id()).citing_papers
            updated = measure.process([*kg, str(update)])
            figures[name] = {
                "load_s": round(loaded.seconds, 1),
                "citations_per_s": round(args.citations / loaded.seconds),
                "kg_peak_mib": loaded.peak_mib,
                "server_peak_mib": peak_mib(pid) if pid else None,
                "hub_summary_ms": latency,
                "hub_citing_papers": citing,
                "phases_s": json.loads(loaded.stderr.strip().splitlines()[-1]),
                "update_s": round(updated.seconds, 1),
                "update_phases_s": json.loads(updated.stderr.strip().splitlines()[-1]),
                "disk_gib": round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**30, 1),
                "measured": time.strftime("%Y-%m-%d"),  # a later run of other servers keeps this one
            }
            print(f"{name}: {figures[name]}", file=sys.stderr)
        shutil.rmtree(folder)
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"results": {}}
    saved["machine"] = measure.machine()
    saved["remote"] = {**saved.get("remote", {}), **figures, "measured": time.strftime("%Y-%m-%d")}
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    report.write(saved)


@contextmanager
def embedded(folder: Path) -> Iterator[tuple[list[str], int | None]]:
    yield ["--store", str(folder / "store")], None


@contextmanager
def oxigraph(folder: Path) -> Iterator[tuple[list[str], int | None]]:
    port = free_port()
    binary = str(Path(sys.executable).parent / "oxigraph")
    command = [binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"]
    with _running(command, folder, f"http://127.0.0.1:{port}/query") as server:
        base = f"http://127.0.0.1:{port}"
        yield ["--endpoint", f"{base}/query", "--update-endpoint", f"{base}/update"], server.pid


@contextmanager
def virtuoso(folder: Path) -> Iterator[tuple[list[str], int | None]]:
    binary = shutil.which("virtuoso-t")
    if binary is None:
        raise SystemExit("Debian's virtuoso-opensource is not installed (.ci/system-packages installs it)")
    sql_port, http_port = free_port(), free_port()
    settings = VIRTUOSO_INI.read_text(encoding="utf-8")
    settings = settings.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
    settings = re.sub(r"(?m)^ServerPort\s*=\s*1111", f"ServerPort = 127.0.0.1:{sql_port}", settings)
    settings = re.sub(r"(?m)^ServerPort\s*=\s*8890", f"ServerPort = 127.0.0.1:{http_port}", settings)
    for key, value in VIRTUOSO_16GB.items():
        settings = re.sub(rf"(?m)^{key}\s*=.*$", f"{key} = {value}", settings, count=1)
    (folder / "virtuoso.ini").write_text(settings, encoding="utf-8")
    command = [binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")]
    base = f"http://127.0.0.1:{http_port}"
    with _running(command, folder, f"{base}/sparql") as server:
        user, password = VIRTUOSO_USER
        options = ["--endpoint", f"{base}/sparql", "--update-endpoint", f"{base}/sparql-auth"]
        yield [*options, "--user", user, "--password", password], server.pid


SERVERS = {"embedded": embedded, "oxigraph": oxigraph, "virtuoso": virtuoso}


@contextmanager
def _running(command: list[str], folder: Path, endpoint: str) -> Iterator[subprocess.Popen]:
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
        try:
            for _ in range(600):
                try:
                    RemoteStore(endpoint, timeout=5)
                    break
                except Exception:  # not up yet
                    time.sleep(0.2)
            yield server
        finally:
            server.terminate()
            server.wait()


@contextmanager
def open_backend(name: str, options: list[str]) -> Iterator[Store | RemoteStore]:
    settings = dict(zip(options[::2], options[1::2], strict=True))
    if name == "embedded":
        with Store(settings["--store"]) as store:
            yield store
        return
    user, password = settings.get("--user"), settings.get("--password")
    yield RemoteStore(settings["--endpoint"], user=user, password=password)


if __name__ == "__main__":
    main()
