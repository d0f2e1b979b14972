"""bench/RESULTS.md and bench/scaling.svg from bench/results.json (bench/run.py calls this at its end).

python bench/report.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
NA = "n/a"
TARGETS = {
    "load_ratio": 0.5,  # of raw bulk_load throughput
    "memory_ratio": 1.25,  # of raw bulk_load peak memory
    "hub_ms": 50.0,  # hub summary median, 10,000 citing papers, 10^6 citations
    "export_ratio": 0.8,  # of pyoxigraph's serialiser, Turtle and N-Quads
    "jsonld_speedup": 10.0,  # over rdflib's JSON-LD serialiser
}


def spread(figure: dict[str, float]) -> str:
    return f"{figure['median']} ({figure['min']}-{figure['max']})"


def write(saved: dict) -> None:
    results = dict(sorted(saved["results"].items(), key=lambda item: int(item[0])))
    (HERE / "RESULTS.md").write_text(markdown(saved, results), encoding="utf-8")
    plot(results, HERE / "scaling.svg")


def markdown(saved: dict, results: dict[str, dict]) -> str:
    machine = saved["machine"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `python bench/run.py` (see its docstring for what each figure is); raw figures in",
        "`bench/results.json`. Machine: "
        + ", ".join(f"{key} {value}" for key, value in machine.items())
        + ". Times in seconds unless marked ms; query times are medians (min-max) over repeated runs after",
        "a warm-up; loads and exports ran once each, in a fresh process, peak memory (MiB) is that",
        "process's own. Ratios: throughput ratio = reference time / citekg time (1 = as fast as the",
        "engine); memory ratio = citekg peak / reference peak.",
        "",
        "## Load",
        "",
        "| citations | input | quads | kg load | raw bulk_load | ratio | raw + optimize | ratio, both "
        "compacted | rdflib parse | vs rdflib | kg MiB | raw MiB | rdflib MiB | memory ratio |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, sections in results.items():
        for section, load in sections.items():
            if not section.startswith("load ") or section.endswith("_measured"):
                continue
            rdflib = load.get("rdflib_parse", {})
            lines.append(
                f"| {int(size):,} | {section[5:]} | {load['quads']:,} | {load['citekg']['s']} | "
                f"{load['raw_bulk_load']['s']} | {load['throughput_ratio']} | {_compacted(load)} | "
                f"{load.get('throughput_ratio_compacted', NA)} | {rdflib.get('s', NA)} | "
                f"{_times(load.get('speedup_over_rdflib'))} | {load['citekg']['peak_mib']} | "
                f"{load['raw_bulk_load']['peak_mib']} | {rdflib.get('peak_mib', NA)} | "
                f"{load['memory_ratio']} |"
            )
    lines += [
        "",
        "Store size as `kg load` leaves it (the engine's files, compacted):",
        "",
        "| citations | input | quads | quads a citation | store GiB | bytes a quad |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for size, sections in results.items():
        for section, load in sections.items():
            if section.startswith("load ") and not section.endswith("_measured") and "store_bytes" in load:
                quads, stored = load["quads"], load["store_bytes"]
                lines.append(
                    f"| {int(size):,} | {section[5:]} | {quads:,} | {quads / int(size):.1f} | "
                    f"{stored / 2**30:.2f} | {stored / quads:.0f} |"
                )
    lines += [
        "",
        "Phases of `kg load` (seconds, one after the other):",
        "",
    ]
    for size, sections in results.items():
        for section, load in sections.items():
            if section.startswith("load ") and not section.endswith("_measured"):
                phases = ", ".join(f"{name} {s}" for name, s in load["phases_s"].items() if s)
                lines.append(f"- {int(size):,} citations, {section[5:]}: {phases}")
    lines += [
        "",
        "## Hub summary and saved queries (ms)",
        "",
        "citekg is the library call; pyoxigraph the same bound SPARQL run on the embedded store; server the",
        "same SPARQL over HTTP to `oxigraph serve-read-only` on the same store files. The hub summary runs",
        "four saved queries (paper, paper-ids, hub-distribution, hub-representatives) and phrases them.",
        "",
        "| citations | query | rows | citekg | pyoxigraph | server | citekg/pyoxigraph | citekg/server |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size, sections in results.items():
        queries = sections.get("queries", {})
        ordered = sorted(queries, key=lambda name: (name != "hub summary", name))
        for name in ordered:
            q = queries[name]
            lines.append(
                f"| {int(size):,} | {name} | {q['rows']:,} | {spread(q['citekg_ms'])} | "
                f"{spread(q['pyoxigraph_ms'])} | {spread(q['server_ms'])} | {q['ratio_to_pyoxigraph']} | "
                f"{q['ratio_to_server']} |"
            )
    lines += [
        "",
        "## Export",
        "",
        "The reference is pyoxigraph's own serialiser of the same quads (`Store.dump`; for Turtle and",
        "N-Triples, of the union of the graphs, as `kg export` writes them; JSON-LD expanded, where citekg",
        "writes the compact form of its published context); rdflib is `serialize` alone, after a parse",
        "that is not timed.",
        "",
        "| citations | format | MiB | kg export | pyoxigraph | ratio | rdflib | vs rdflib | kg MiB "
        "| pyoxigraph MiB | rdflib MiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, sections in results.items():
        for fmt, e in sections.get("export", {}).items():
            rdflib = e.get("rdflib_serialize", {})
            lines.append(
                f"| {int(size):,} | {fmt} | {e['mib']} | {e['citekg']['s']} | {e['pyoxigraph']['s']} | "
                f"{e['throughput_ratio']} | {rdflib.get('s', NA)} | "
                f"{_times(e.get('speedup_over_rdflib'))} | "
                f"{e['citekg']['peak_mib']} | {e['pyoxigraph']['peak_mib']} | {rdflib.get('peak_mib', NA)} |"
            )
    if "serve" in saved:
        lines += ["", *serve_section(saved["serve"])]
    if "explorer" in saved:
        lines += ["", *explorer_section(saved["explorer"])]
    if "served_change" in saved:
        lines += ["", *served_change_section(saved["served_change"])]
    if "sync" in saved:
        lines += ["", *sync_section(saved["sync"])]
    if "build" in saved:
        lines += ["", *build_section(saved["build"])]
    if "update" in saved:
        lines += ["", *update_section(saved["update"])]
    if "startup" in saved:
        lines += ["", *startup_section(saved["startup"])]
    if "annotate" in saved:
        lines += ["", *annotate_section(saved["annotate"])]
    if "remote" in saved:
        lines += ["", *remote_section(saved["remote"])]
    lines += ["", "## Against the targets (issue 5)", "", *targets(results), ""]
    lines += ["![time against size](scaling.svg)", ""]
    return "\n".join(lines)


def explorer_section(explorer: dict) -> list[str]:
    """Explorer pages against the hub summary (bench/explorer.py)."""
    lines = [
        "## Citing-papers explorer (bench/explorer.py)",
        "",
        "`kg.citing` pages of the hub with 10,000 citing papers and of a paper with about 100, every order",
        "with and without filters, the first page and one in the middle (medians, ms); the first page",
        "after a change reads the hub's rows from the store into the index beside it.",
        "",
        "| store citations | hub | citing papers | summary ms | pages ms | worst page / summary "
        "| first page after a change ms | commit |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for size, run in sorted(explorer.items(), key=lambda item: int(item[0])):
        for name in ("big", "small"):
            hub = run[name]
            pages = [page["ms"] for page in hub["pages"].values()]
            lines.append(
                f"| {int(size):,} | {name} | {hub['citing_papers']:,} | {hub['summary_ms']} "
                f"| {min(pages)}-{max(pages)} | {hub['worst_ratio']} | {hub.get('first_page_ms', NA)} "
                f"| {run.get('commit', '')} |"
            )
    return lines


def served_change_section(changes: dict) -> list[str]:
    """Loads carried out by a running kg serve against the same loads offline (bench/served_change.py)."""
    lines = [
        "## Loading while serving (bench/served_change.py)",
        "",
        "`kg load FILE` on a store holding the example data, offline and with `kg serve` holding the store",
        "(the server loads into a checkpoint of it and swaps it in); the first hub summary after the swap.",
        "",
        "| file | MiB | offline s | through the server s | ratio | first hub after ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, run in sorted(changes.items(), key=lambda item: item[1]["input_mib"]):
        lines.append(
            f"| {name} | {run['input_mib']} | {run['offline_s']} | {run['through_server_s']} "
            f"| {run['ratio']} | {run['first_hub_after_ms']} |"
        )
    return lines


def sync_section(syncs: dict) -> list[str]:
    """A release update (bench/sync.py)."""
    lines = [
        "## Release updates (bench/sync.py)",
        "",
        "`kg sync` of a folder of dumps into an empty store, then again after one dump changed.",
        "",
        "| input | files | full sync s | one file changed s | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, run in syncs.items():
        lines.append(
            f"| {name} | {run['files']} | {run['full_s']} | {run['one_file_changed_s']} | {run['ratio']} |"
        )
    return lines


def annotate_section(figures: dict) -> list[str]:
    """kg annotate's model on MultiCite against TF-IDF + logistic regression (bench/annotate.py)."""
    lines = [
        "## Citation-role models (bench/annotate.py)",
        "",
        "Macro F1 over citekg's six roles on MultiCite: `cv` 5-fold cross-validation on train.json, `split`",
        "an 80/20 split of it, `dev` trained on train.json and tested on dev.json (settings chosen there).",
        "",
        "| learner | cv | split | dev |",
        "|---|---:|---:|---:|",
    ]
    macro = figures["macro_f1"]
    for learner in macro["cv"]:
        lines.append(
            f"| {learner} | {macro['cv'][learner]} | {macro['split'][learner]} | {macro['dev'][learner]} |"
        )
    run, label = figures["run"], figures["label"]
    lines += [
        "",
        f"Training on {figures['train_items']:,} contexts (cross-validated): {figures['train_s']} s; "
        f"labelling {label['contexts']:,} contexts: {label['s']} s; `kg annotate run` over "
        f"{run['citations']:,} citations: {run['run_s']} s ({run['phases_s']['label']} s reading and "
        "labelling, the rest the load of its annotations).",
    ]
    return lines


def build_section(builds: dict) -> list[str]:
    """kg build against the raw engine, and the time to a loaded Virtuoso (bench/build.py)."""
    lines = [
        "## Builds for servers' bulk loaders (bench/build.py)",
        "",
        "`kg build FILE --out DIR` against raw `bulk_load` of the same input; Virtuoso's bulk loader on the",
        "parts (its start included), and the two together: the time to a loaded Virtuoso.",
        "",
        "| input | MiB | build s | raw bulk_load s | ratio | parts MiB | Virtuoso loader s "
        "| to a loaded Virtuoso s | commit |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, run in builds.items():
        lines.append(
            f"| {name} | {run['input_mib']} | {run['build_s']} | {run.get('raw_bulk_load_s', NA)} "
            f"| {run.get('throughput_ratio', NA)} | {run['parts_mib']} | {run.get('virtuoso_loader_s', NA)} "
            f"| {run.get('to_loaded_virtuoso_s', NA)} | {run.get('commit', NA)} |"
        )
    return lines


def startup_section(startup: dict) -> list[str]:
    """How long a command takes to answer on a small store (bench/startup.py)."""
    lines = [
        "## Start-up (bench/startup.py)",
        "",
        f"Each command on a store holding the bundled example, median of {startup['repeats']} fresh "
        f'processes, against `python -c "import pyoxigraph"` ({startup["import_pyoxigraph_ms"]} ms); '
        f"measured {startup['measured']} at {startup['commit']}.",
    ]
    if startup.get("installed") == "wheel":
        lines += [
            "citekg installed from a wheel, as a user has it (an editable install's path finder runs in "
            "every Python that starts, the reference's too). Importing typer alone, which every command "
            f"does, takes {startup['import_typer_ms']} ms.",
        ]
    floors = startup.get("instructions")
    if floors:
        lines += [
            "Instructions (millions, callgrind, one run each: the same from run to run) against importing "
            f"pyoxigraph ({_millions(floors['import pyoxigraph'])}); starting Python (`pass`) takes "
            f"{_millions(floors['pass'])}, starting it and importing typer "
            f"{_millions(floors['import typer'])}.",
        ]
    lines += ["", "| command | ms | ratio | instructions (M) | ratio |", "|---|---:|---:|---:|---:|"]
    for name, figure in startup["commands"].items():
        counted = _millions(figure.get("instructions"))
        counted_ratio = figure.get("instructions_ratio") or "n/a"
        lines.append(f"| `{name}` | {figure['ms']} | {figure['ratio']} | {counted} | {counted_ratio} |")
    return lines


def _millions(count: int | None) -> str:
    return "n/a" if count is None else f"{count / 1e6:.1f}"


def update_section(update: dict) -> list[str]:
    """Updates against the store's size (bench/update.py)."""
    lines = [
        "## Updates (bench/update.py)",
        "",
        "`kg load` of new citations (from new, described citing papers, 70% annotated, a share of them",
        "summarised) into a store of the size shown, the same file loaded again (a replace of its graph),",
        "and `kg drop` of it; against the same three in a store that holds only the papers the file cites.",
        "",
        "| store citations | new citations | summarised | step | into the store s | into its papers only s "
        "| ratio | MiB | commit |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for u in sorted(update.values(), key=lambda u: (u["store_citations"], u.get("summarised", 0.0))):
        for step in ("load", "replace", "drop"):
            big, small = u["into_store"].get(step), u["into_papers_only"].get(step)
            if big is None or small is None:
                continue
            loaded = u.get("format", "native")  # the generated file the store was loaded from
            store = f"{u['store_citations']:,}" + ("" if loaded == "native" else f" ({loaded})")
            lines.append(
                f"| {store} | {u['update_citations']:,} | {u.get('summarised', 0.0)} "
                f"| {step} | {big['s']} | {small['s']} | {u['ratio'][step]} | {big['peak_mib']} "
                f"| {u.get('commit', '')} |"
            )
    return lines


def serve_section(serve: dict) -> list[str]:
    """kg serve under load (bench/serve_load.py)."""
    lines = [
        f"## kg serve under load ({serve['citations']:,} citations)",
        "",
        "`/hub/ID.json` of the hub with 10,000 citing papers, one client: "
        f"{spread(serve['hub_json_ms'])} ms.",
        "",
        "| run | clients | seconds | requests | requests/s | errors | median ms | p95 ms | max ms "
        "| server MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {
        "mixed": "kg serve: hub JSON, saved query, SPARQL in turn",
        "kg_sparql": "kg serve: hub-distribution SPARQL",
        "oxigraph_sparql": "oxigraph serve-read-only: the same SPARQL",
    }
    for key, name in names.items():
        run = serve[key]
        latency = run["latency_ms"]
        lines.append(
            f"| {name} | {run['clients']} | {run['seconds']} | {run['requests']:,} | "
            f"{run['requests_per_s']} | "
            f"{run['errors']} | {latency['median']} | {latency['p95']} | {latency['max']} | "
            f"{run.get('server_peak_mib', NA)} |"
        )
    lines += [
        "",
        f"kg serve's SPARQL throughput is {serve['throughput_ratio']} of the Oxigraph server's.",
        "Each request's work runs in a worker process that is killed at the time limit (two workers per",
        "core, each with the store opened read-only); server MiB is the server's process and its",
        "workers together.",
    ]
    return lines


def remote_section(remote: dict) -> list[str]:
    """kg load and the hub summary through SPARQL servers (bench/remote.py)."""
    lines = [
        f"## Through SPARQL servers ({remote['citations']:,} citations, {remote['input_mib']} MiB of JSONL)",
        "",
        "`kg load` of the same file into the embedded store, and through `--endpoint`/`--update-endpoint`",
        "into a writable Oxigraph server (each scratch file whole, in one POST to its bulk loader) and",
        "into Virtuoso (Graph Store POSTs of 50,000 triples); then the hub summary of the hub with 10,000",
        "citing papers read back through each; then an update, a second file of 10,000 citations among",
        "the same papers, loaded on top.",
        "",
        "| store | load s | citations/s | kg MiB | server MiB | disk GiB | hub summary ms | update s "
        "| measured |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    names = {"embedded": "embedded Oxigraph", "oxigraph": "oxigraph serve", "virtuoso": "Virtuoso 7"}
    for key, name in names.items():
        if key in remote:
            run = remote[key]
            lines.append(
                f"| {name} | {run['load_s']} | {run['citations_per_s']:,} | {run['kg_peak_mib']} | "
                f"{run['server_peak_mib'] or NA} | {run['disk_gib']} | {spread(run['hub_summary_ms'])} | "
                f"{run['update_s']} | {run.get('measured', remote['measured'])} |"
            )
    return lines


def _times(value: float | None) -> str:
    return NA if value is None else f"{value}x"


def _compacted(load: dict) -> str:
    """Raw bulk_load plus the engine's compaction after it, where measured (since kg load compacts)."""
    if "raw_optimize_s" not in load:
        return NA
    return str(round(load["raw_bulk_load"]["s"] + load["raw_optimize_s"], 1))


def targets(results: dict[str, dict]) -> list[str]:
    found = []
    loads = [
        (size, section[5:], load)
        for size, sections in results.items()
        for section, load in sections.items()
        if section.startswith("load ") and not section.endswith("_measured")
    ]
    worst = min(loads, key=lambda item: item[2]["throughput_ratio"], default=None)
    if worst:
        size, fmt, load = worst
        found.append(
            f"- Load throughput at least {TARGETS['load_ratio']} of raw bulk_load: "
            f"{_verdict(load['throughput_ratio'] >= TARGETS['load_ratio'])} "
            f"(lowest {load['throughput_ratio']}, "
            f"{fmt} at {int(size):,} citations)."
        )
        heaviest = max(loads, key=lambda item: item[2]["memory_ratio"])
        size, fmt, load = heaviest
        found.append(
            f"- Peak memory within {TARGETS['memory_ratio']}x of raw bulk_load: "
            f"{_verdict(load['memory_ratio'] <= TARGETS['memory_ratio'])} (highest {load['memory_ratio']}, "
            f"{fmt} at {int(size):,} citations)."
        )
        largest = max(int(size) for size, _, _ in loads)
        found.append(f"- Largest load measured: {largest:,} citations.")
    hub = results.get("1000000", {}).get("queries", {}).get("hub summary")
    if hub:
        median = hub["citekg_ms"]["median"]
        found.append(
            "- Hub summary of a 10,000-citing-paper hub in a 10^6-citation store "
            f"at most {TARGETS['hub_ms']} ms: "
            f"{_verdict(median <= TARGETS['hub_ms'])} ({median} ms median)."
        )
        growth = [
            f"{int(size):,}: {sections['queries']['hub summary']['citekg_ms']['median']} ms"
            for size, sections in results.items()
            if "queries" in sections
        ]
        found.append(f"- Hub summary against store size: {', '.join(growth)}.")
    for fmt in ("turtle", "nquads"):
        ratios = [
            s["export"][fmt]["throughput_ratio"] for s in results.values() if fmt in s.get("export", {})
        ]
        if ratios:
            found.append(
                f"- Export {fmt} at least {TARGETS['export_ratio']} of pyoxigraph's serialiser: "
                f"{_verdict(min(ratios) >= TARGETS['export_ratio'])} (lowest {min(ratios)})."
            )
    speedups = [
        s["export"]["jsonld"]["speedup_over_rdflib"]
        for s in results.values()
        if "speedup_over_rdflib" in s.get("export", {}).get("jsonld", {})
    ]
    if speedups:
        found.append(
            f"- JSON-LD export at least {TARGETS['jsonld_speedup']}x rdflib's serialiser: "
            f"{_verdict(min(speedups) >= TARGETS['jsonld_speedup'])} (lowest {min(speedups)}x)."
        )
    memory = {
        fmt: [s["export"][fmt]["citekg"]["peak_mib"] for s in results.values() if fmt in s.get("export", {})]
        for fmt in ("nquads", "turtle", "jsonld")
    }
    if any(memory.values()):
        found.append(
            "- Export peak memory (MiB) from the smallest to the largest size: "
            + "; ".join(f"{fmt} {' → '.join(map(str, peaks))}" for fmt, peaks in memory.items() if peaks)
            + "."
        )
    return found


def _verdict(met: bool) -> str:
    return "**met**" if met else "**not met**"


def plot(results: dict[str, dict], path: Path) -> None:
    """Time against size, log-log, for each cost that grows with the data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [int(size) for size in results]
    series: dict[str, list[tuple[int, float]]] = {}

    def add(name: str, size: int, seconds: float | None) -> None:
        if seconds is not None:
            series.setdefault(name, []).append((size, seconds))

    for size, sections in zip(sizes, results.values(), strict=True):
        load = sections.get("load native", {})
        add("kg load (native)", size, load.get("citekg", {}).get("s"))
        add("raw bulk_load", size, load.get("raw_bulk_load", {}).get("s"))
        add("rdflib parse", size, load.get("rdflib_parse", {}).get("s"))
        index = sections.get("load opencitations-index", {})
        add("kg load (OpenCitations CSV)", size, index.get("citekg", {}).get("s"))
        queries = sections.get("queries", {})
        if "hub summary" in queries:
            add("hub summary", size, queries["hub summary"]["citekg_ms"]["median"] / 1000)
        export = sections.get("export", {}).get("nquads", {})
        add("kg export N-Quads", size, export.get("citekg", {}).get("s"))
        add("pyoxigraph dump N-Quads", size, export.get("pyoxigraph", {}).get("s"))
    figure, axes = plt.subplots(figsize=(8, 5))
    for name, points in series.items():
        xs, ys = zip(*points, strict=True)
        axes.plot(xs, ys, marker="o", label=name)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("citations")
    axes.set_ylabel("seconds")
    axes.set_title("citekg: time against size")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, format="svg", metadata={"Date": None})
    plt.close(figure)


if __name__ == "__main__":
    write(json.loads((HERE / "results.json").read_text()))
