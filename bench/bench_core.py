"""The core benchmark: loading and hub summaries, side by side with raw pyoxigraph on the same data.

    python bench/bench_core.py --citations 1000000 --hub 10000

For each size it generates a native JSONL file (bench/generate.py) and measures, each load in a fresh
process so that its peak memory is its own:

- ``kg load`` of the file into an empty store, end to end (the CLI, as a user runs it);
- raw ``pyoxigraph.Store.bulk_load`` of that store's own N-Quads export into an empty store: the
  engine's limit on the same quads;
- the hub summary of a paper with ``--hub`` citing papers: median of repeated runs, before and after
  ``Store.optimize()``, and each saved query it runs next to the same SPARQL run directly on pyoxigraph.

Results go to bench/results-core.json and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

RAW_LOAD = """
import sys, pyoxigraph
store = pyoxigraph.Store(sys.argv[1])
store.bulk_load(path=sys.argv[2], format=pyoxigraph.RdfFormat.N_QUADS)
store.flush()
"""


def measured(command: list[str]) -> tuple[float, int, str]:
    """Run a command; return its wall time in seconds, its own peak RSS in MiB, and its stderr."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed: {stderr}")
    return elapsed, usage.ru_maxrss // 1024, stderr


def median_ms(run, repeats: int) -> dict[str, float]:
    run()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "median_ms": round(statistics.median(times), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
    }


def hub_figures(store_path: Path, repeats: int, fmt: str = "native") -> dict[str, object]:
    from kg import hub, queries
    from kg.ids import parse_id
    from kg.store import Store

    figures: dict[str, object] = {}
    with Store(store_path) as store:
        hub_id = generate.hub_id(fmt)
        node = store.paper(parse_id(hub_id))
        assert node is not None
        figures["hub_summary"] = median_ms(lambda: hub.summary(store, hub_id), repeats)
        figures["explorer_page"] = median_ms(lambda: hub.citing(store, hub_id, role="method"), repeats)
        per_query = {}
        for name in ("paper", "paper-ids", "hub-distribution", "hub-representatives", "hub-citing"):
            sparql = queries.bound_sparql(store, queries.get(name), {"paper": node})
            citekg = median_ms(lambda name=name: queries.run_query(store, name, {"paper": node}), repeats)
            raw = median_ms(
                lambda sparql=sparql: list(
                    store.oxigraph.query(sparql, use_default_graph_as_union=True, prefixes=store.prefixes)
                ),
                repeats,
            )
            per_query[name] = {
                "citekg": citekg,
                "pyoxigraph": raw,
                "ratio": round(citekg["median_ms"] / raw["median_ms"], 2),
            }
        figures["queries"] = per_query
        start = time.perf_counter()
        store.optimize()
        figures["optimize_s"] = round(time.perf_counter() - start, 1)
        figures["hub_summary_optimized"] = median_ms(lambda: hub.summary(store, hub_id), repeats)
        figures["citing_papers"] = hub.summary(store, hub_id).citing_papers
    return figures


def run(citations: int, hub_citations: int, work: Path, repeats: int, fmt: str) -> dict[str, object]:
    work.mkdir(parents=True, exist_ok=True)
    source = work / (f"native-{citations}.jsonl" if fmt == "native" else f"index-{citations}.csv")
    if not source.exists():
        generate.write(source, citations, hub_citations, fmt=fmt)
    citekg_store, raw_store, nquads = work / "citekg.store", work / "raw.store", work / "export.nq"
    for path in (citekg_store, raw_store):
        shutil.rmtree(path, ignore_errors=True)
    kg = [sys.executable, "-m", "kg", "--store", str(citekg_store), "load", "--timings", str(source)]
    load_s, load_mib, phases = measured(kg)
    measured(
        [
            sys.executable,
            "-m",
            "kg",
            "--store",
            str(citekg_store),
            "export",
            "--format",
            "nquads",
            "-o",
            str(nquads),
        ]
    )
    quads = sum(1 for _ in nquads.open("rb"))
    raw_s, raw_mib, _ = measured([sys.executable, "-c", RAW_LOAD, str(raw_store), str(nquads)])
    result = {
        "format": fmt,
        "citations": citations,
        "hub_citing_papers": hub_citations,
        "quads": quads,
        "input_mib": round(source.stat().st_size / 2**20, 1),
        "load": {
            "citekg_s": round(load_s, 1),
            "raw_bulk_load_s": round(raw_s, 1),
            "throughput_ratio": round(raw_s / load_s, 2),
            "citekg_quads_per_s": round(quads / load_s),
            "raw_quads_per_s": round(quads / raw_s),
            "citekg_peak_mib": load_mib,
            "raw_peak_mib": raw_mib,
            "peak_memory_ratio": round(load_mib / raw_mib, 2),
            "citekg_phases_s": json.loads(phases.strip().splitlines()[-1]),
        },
    }
    print(json.dumps(result), flush=True)  # the load figures, before the longer hub measurements
    result["hub"] = hub_figures(citekg_store, repeats, fmt)
    nquads.unlink()
    shutil.rmtree(raw_store, ignore_errors=True)
    return result


def markdown(results: list[dict]) -> str:
    lines = [
        "| input | citations | quads | kg load (s) | raw bulk_load (s) | throughput ratio | kg peak MiB "
        "| raw peak MiB | memory ratio | hub median ms | hub after optimize ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        load, hub = r["load"], r["hub"]
        lines.append(
            f"| {r.get('format', 'native')} | {r['citations']:,} | {r['quads']:,} | {load['citekg_s']} | "
            f"{load['raw_bulk_load_s']} | "
            f"{load['throughput_ratio']} | {load['citekg_peak_mib']} | {load['raw_peak_mib']} | "
            f"{load['peak_memory_ratio']} | {hub['hub_summary']['median_ms']} | "
            f"{hub['hub_summary_optimized']['median_ms']} |"
        )
    lines += [
        "",
        "| input | citations | query | citekg median ms | pyoxigraph median ms | ratio |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in results:
        for name, q in r["hub"]["queries"].items():
            lines.append(
                f"| {r.get('format', 'native')} | {r['citations']:,} | {name} | {q['citekg']['median_ms']} | "
                f"{q['pyoxigraph']['median_ms']} | {q['ratio']} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citations", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--hub", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument(
        "--input", choices=generate.FORMATS, default="native", help="format of the loaded file"
    )
    args = parser.parse_args()
    machine = {
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
    }
    results = [run(n, min(args.hub, n // 2), args.work, args.repeats, args.input) for n in args.citations]
    saved = HERE / "results-core.json"  # keep the figures of sizes and formats this run did not measure
    earlier = json.loads(saved.read_text())["results"] if saved.exists() else []
    measured_now = {(r["format"], r["citations"]) for r in results}
    kept = [r for r in earlier if (r.get("format", "native"), r["citations"]) not in measured_now]
    results = sorted(kept + results, key=lambda r: (r.get("format", "native"), r["citations"]))
    saved.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    print(json.dumps(machine))
    print(markdown(results))
