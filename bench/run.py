"""The benchmark suite: citekg next to raw pyoxigraph, the Oxigraph server and rdflib, at several sizes.

    python bench/run.py                                   # 10^4, 10^5 and 10^6 citations, everything
    python bench/run.py --sizes 10000000 --only load --formats opencitations-index   # 10^7, loading

For each size it generates the citation graph (bench/generate.py) as native JSONL and as OpenCitations
Index CSV, and measures, each figure side by side with its reference in the same run:

- load: ``kg load`` of each file into an empty store, end to end, vs raw ``pyoxigraph.Store.bulk_load``
  of the same quads (that store's own N-Quads export) into an empty store, vs rdflib ``Dataset.parse``
  of those N-Quads (up to ``--rdflib-max`` citations: rdflib holds everything in Python objects). Each
  in a fresh process, so that its peak memory is its own.
- queries, on the native store: the hub summary of the designated hub and every saved query, through
  citekg, as the same bound SPARQL on pyoxigraph, and over HTTP to the Oxigraph server (``oxigraph
  serve-read-only`` on the same store files).
- export, on the native store: ``kg export`` in each format vs pyoxigraph's own serialiser of the same
  quads vs rdflib ``serialize`` (up to ``--rdflib-max``), with each one's peak memory.

Figures merge into bench/results.json (keyed by size and section); bench/report.py then writes
bench/RESULTS.md and bench/scaling.svg from it (run.py calls it at the end).
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402

RESULTS = HERE / "results.json"
EXPORT_FORMATS = ("nquads", "trig", "ntriples", "turtle", "jsonld")
RDFLIB_FORMATS = {
    "nquads": "nquads",
    "trig": "trig",
    "ntriples": "nt",
    "turtle": "turtle",
    "jsonld": "json-ld",
}

RAW_LOAD = """
import json, sys, time, pyoxigraph
store = pyoxigraph.Store(sys.argv[1])
store.bulk_load(path=sys.argv[2], format=pyoxigraph.RdfFormat.N_QUADS)
store.flush()
started = time.perf_counter()
store.optimize()  # Oxigraph's advice after a bulk load; kg load compacts a store it has doubled
print(json.dumps({"optimize": time.perf_counter() - started}), file=sys.stderr)
"""
RDFLIB_LOAD = """
import sys, rdflib
rdflib.Dataset().parse(sys.argv[1], format="nquads")
"""
# The reference for each export: pyoxigraph's own serialiser of the same quads (for the triple formats,
# every graph in turn, as kg export writes them).
RAW_EXPORT = """
import sys, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
fmt = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "ntriples": ox.RdfFormat.N_TRIPLES,
       "turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}[sys.argv[2]]
with open(sys.argv[3], "wb") as out:
    if sys.argv[2] in ("ntriples", "turtle"):
        for graph in store.named_graphs():
            store.dump(out, fmt, from_graph=graph)
    else:
        store.dump(out, fmt)
"""
RDFLIB_EXPORT = """
import sys, time, rdflib
dataset = rdflib.Dataset()
dataset.parse(sys.argv[1], format="nquads")
graph = dataset if sys.argv[2] in ("nquads", "trig", "json-ld") else rdflib.ConjunctiveGraph(dataset.store)
start = time.perf_counter()
graph.serialize(sys.argv[3], format=sys.argv[2])
print(time.perf_counter() - start, file=sys.stderr)
"""


def kg(store: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "kg", "--store", str(store), *args]


def store_path(work: Path, fmt: str, citations: int) -> Path:
    return work / f"{fmt}-{citations}.store"


def source_file(work: Path, fmt: str, citations: int, hub: int) -> Path:
    path = work / (f"native-{citations}.jsonl" if fmt == "native" else f"index-{citations}.csv")
    if not path.exists():
        generate.write(path, citations, hub, fmt=fmt)
    return path


def bench_load(work: Path, fmt: str, citations: int, hub: int, rdflib_max: int) -> dict[str, object]:
    source = source_file(work, fmt, citations, hub)
    store, raw_store, nquads = store_path(work, fmt, citations), work / "raw.store", work / "export.nq"
    for path in (store, raw_store):
        shutil.rmtree(path, ignore_errors=True)
    citekg = measure.process(kg(store, "load", "--timings", str(source)))
    store_bytes = sum(file.stat().st_size for file in (store / "oxigraph").iterdir() if file.is_file())
    measure.process(kg(store, "export", "--format", "nquads", "-o", str(nquads)))
    quads = sum(1 for _ in nquads.open("rb"))
    if fmt != "native":
        shutil.rmtree(store)  # only the native store is queried later: free its disk for the raw store
    raw = measure.process([sys.executable, "-c", RAW_LOAD, str(raw_store), str(nquads)])
    optimize_s = json.loads(raw.stderr.strip().splitlines()[-1])["optimize"]
    shutil.rmtree(raw_store)
    figures: dict[str, object] = {
        "input_mib": round(source.stat().st_size / 2**20, 1),
        "quads": quads,
        "store_bytes": store_bytes,  # the engine's files as kg load leaves them (compacted)
        "citekg": {"s": round(citekg.seconds, 1), "peak_mib": citekg.peak_mib},
        "raw_bulk_load": {"s": round(raw.seconds - optimize_s, 1), "peak_mib": raw.peak_mib},
        "raw_optimize_s": round(optimize_s, 1),
        "throughput_ratio": round((raw.seconds - optimize_s) / citekg.seconds, 2),
        "throughput_ratio_compacted": round(raw.seconds / citekg.seconds, 2),  # both stores compacted
        "memory_ratio": round(citekg.peak_mib / raw.peak_mib, 2),
        "phases_s": json.loads(citekg.stderr.strip().splitlines()[-1]),
    }
    if citations <= rdflib_max:
        parsed = measure.process([sys.executable, "-c", RDFLIB_LOAD, str(nquads)])
        figures["rdflib_parse"] = {"s": round(parsed.seconds, 1), "peak_mib": parsed.peak_mib}
        figures["speedup_over_rdflib"] = round(parsed.seconds / citekg.seconds, 1)
    nquads.unlink()
    return figures


def bench_queries(store_path: Path, fmt: str, repeats: int, budget_s: float) -> dict[str, object]:
    from kg import hub, queries
    from kg.ids import parse_id
    from kg.store import Store

    hub_id = generate.hub_id(fmt)
    figures: dict[str, dict[str, object]] = {}
    bound: dict[str, str] = {}
    # read-only, as kg serve's workers read: a writable opening lets the engine compact meanwhile
    with Store.read_only(store_path) as store:
        node = store.paper(parse_id(hub_id))
        assert node is not None, "the designated hub is not in the store"
        prologue = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in store.prefixes.items())

        def raw(sparql: str) -> list[object]:
            return list(
                store.oxigraph.query(sparql, use_default_graph_as_union=True, prefixes=store.prefixes)
            )

        summary_parts = ("paper", "paper-ids", "hub-distribution", "hub-representatives")
        for name, query in queries.catalogue().items():
            asked = {"paper": node, "words": "paper 4242"}  # (papers are titled "Synthetic paper N")
            params = {p.name: asked[p.name] for p in query.params if p.name in asked}
            bound[name] = prologue + queries.bound_sparql(store, query, params)
            figures[name] = {
                "rows": queries.run_query(store, name, params).total,
                "citekg_ms": measure.repeated_ms(
                    lambda name=name, params=params: queries.run_query(store, name, params), repeats, budget_s
                ),
                "pyoxigraph_ms": measure.repeated_ms(lambda s=bound[name]: raw(s), repeats, budget_s),
            }
        figures["hub summary"] = {
            "rows": hub.summary(store, hub_id).citing_papers,
            "citekg_ms": measure.repeated_ms(lambda: hub.summary(store, hub_id), repeats, budget_s),
            "pyoxigraph_ms": measure.repeated_ms(
                lambda: [raw(bound[name]) for name in summary_parts], repeats, budget_s
            ),
        }
    bound_summary = [bound[name] for name in summary_parts]
    with OxigraphServer(store_path / "oxigraph") as server:
        for name, sparql in bound.items():
            figures[name]["server_ms"] = measure.repeated_ms(
                lambda s=sparql: server.query(s), repeats, budget_s
            )
        figures["hub summary"]["server_ms"] = measure.repeated_ms(
            lambda: [server.query(s) for s in bound_summary], repeats, budget_s
        )
    for row in figures.values():
        row["ratio_to_pyoxigraph"] = round(row["citekg_ms"]["median"] / row["pyoxigraph_ms"]["median"], 2)
        row["ratio_to_server"] = round(row["citekg_ms"]["median"] / row["server_ms"]["median"], 2)
    return figures


class OxigraphServer:
    """``oxigraph serve-read-only`` (the Oxigraph server from PyPI) on a free loopback port."""

    def __init__(self, location: Path) -> None:
        self.location = location

    def __enter__(self) -> OxigraphServer:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        self.process = subprocess.Popen(
            [binary, "serve-read-only", "--location", str(self.location), "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{port}/query"
        for _ in range(300):
            try:
                self.query("ASK {}")
                return self
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the Oxigraph server did not start")

    def query(self, sparql: str) -> bytes:
        body = urllib.parse.urlencode({"query": sparql, "union-default-graph": ""}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.read()

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait()


def bench_export(store: Path, work: Path, citations: int, rdflib_max: int) -> dict[str, object]:
    figures: dict[str, object] = {}
    nquads = work / "export.nq"
    if citations <= rdflib_max:
        measure.process(kg(store, "export", "--format", "nquads", "-o", str(nquads)))
    for fmt in EXPORT_FORMATS:
        out = work / f"export.{fmt}"
        citekg = measure.process(kg(store, "export", "--format", fmt, "-o", str(out)))
        size = out.stat().st_size
        out.unlink()
        raw = measure.process([sys.executable, "-c", RAW_EXPORT, str(store / "oxigraph"), fmt, str(out)])
        out.unlink()
        row: dict[str, object] = {
            "mib": round(size / 2**20, 1),
            "citekg": {"s": round(citekg.seconds, 2), "peak_mib": citekg.peak_mib},
            "pyoxigraph": {"s": round(raw.seconds, 2), "peak_mib": raw.peak_mib},
            "throughput_ratio": round(raw.seconds / citekg.seconds, 2),
        }
        if citations <= rdflib_max:
            done = measure.process(
                [sys.executable, "-c", RDFLIB_EXPORT, str(nquads), RDFLIB_FORMATS[fmt], str(out)]
            )
            out.unlink()
            serialize_s = float(done.stderr.strip().splitlines()[-1])
            row["rdflib_serialize"] = {"s": round(serialize_s, 2), "peak_mib": done.peak_mib}
            row["speedup_over_rdflib"] = round(serialize_s / citekg.seconds, 1)
        figures[fmt] = row
    nquads.unlink(missing_ok=True)
    return figures


def save(key: str, section: str, figures: dict[str, object]) -> None:
    """Merge one section's figures into the results file, keeping what other runs measured."""
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"results": {}}
    saved["machine"] = measure.machine()
    saved["results"].setdefault(key, {})[section] = figures
    saved["results"][key][section + "_measured"] = time.strftime("%Y-%m-%d")
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    print(f"{key} {section}: {json.dumps(figures)[:400]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--hub", type=int, default=10_000, help="citing papers of the designated hub")
    parser.add_argument("--only", choices=("load", "queries", "export"), nargs="+")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per query and backend at most")
    parser.add_argument("--rdflib-max", type=int, default=100_000, help="largest size rdflib runs at")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--formats", choices=generate.FORMATS, nargs="+", default=list(generate.FORMATS))
    parser.add_argument("--keep", action="store_true", help="keep the native stores (for serve_load.py)")
    args = parser.parse_args()
    sections = set(args.only or ("load", "queries", "export"))
    args.work.mkdir(parents=True, exist_ok=True)
    for citations in args.sizes:
        hub = min(args.hub, citations // 2)
        key = str(citations)
        store = store_path(args.work, "native", citations)
        if "load" in sections:
            for fmt in args.formats:
                save(key, f"load {fmt}", bench_load(args.work, fmt, citations, hub, args.rdflib_max))
        elif not store.exists():
            measure.process(kg(store, "load", str(source_file(args.work, "native", citations, hub))))
        if "queries" in sections:
            save(key, "queries", bench_queries(store, "native", args.repeats, args.budget))
        if "export" in sections:
            save(key, "export", bench_export(store, args.work, citations, args.rdflib_max))
        if not args.keep:
            shutil.rmtree(store, ignore_errors=True)
    report.write(json.loads(RESULTS.read_text()))


if __name__ == "__main__":
    main()
