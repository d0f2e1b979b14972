"""Every saved query on a loaded benchmark store, timed next to the same SPARQL run on pyoxigraph.

    python bench/bench_queries.py bench/work/citekg.store --repeats 5

Per-paper queries run for the designated hub (bench/generate.py); queries over the whole graph once per
repeat. Prints a Markdown table of medians in milliseconds and the ratio citekg / pyoxigraph.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

from kg import queries  # noqa: E402
from kg.ids import parse_id  # noqa: E402
from kg.store import Store  # noqa: E402


def median_ms(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--input", choices=generate.FORMATS, default="native")
    args = parser.parse_args()
    with Store(args.store) as store:
        hub = store.paper(parse_id(generate.hub_id(args.input)))
        print("| query | citekg median ms | pyoxigraph median ms | ratio | rows |")
        print("|---|---:|---:|---:|---:|")
        for name, query in queries.catalogue().items():
            params = {"paper": hub} if any(p.name == "paper" for p in query.params) else {}
            sparql = queries.bound_sparql(store, query, params)
            rows = queries.run_query(store, name, params).total
            citekg = median_ms(
                lambda name=name, params=params: queries.run_query(store, name, params), args.repeats
            )
            raw = median_ms(
                lambda sparql=sparql: list(
                    store.oxigraph.query(sparql, use_default_graph_as_union=True, prefixes=store.prefixes)
                ),
                args.repeats,
            )
            print(
                f"| {name} | {citekg} | {raw} | {round(citekg / raw, 2) if raw else '-'} | {rows} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
