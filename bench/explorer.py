"""The citing-papers explorer against the hub summary, for a big hub and a small one in one store.

    python bench/explorer.py bench/work/ex.store [--hub doi:10.5555/bench.hub] [--repeats 5]

Prints JSON: for each hub (the designated one, and a paper with about 100 citing papers), the summary's
median milliseconds, the first page after a change (the hub's rows read from the store into the index
beside it, ``kg.explorer_index``) and, for each explorer page asked (every sort, with and without
filters, the first page and one in the middle), its median milliseconds and its ratio to that hub's
summary. The figures merge into bench/results.json under "explorer" (bench/report.py shows them).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import measure
import report

from kg import explorer_index, hub
from kg.stats import store_stats
from kg.store import Store

HERE = Path(__file__).parent
RESULTS = HERE / "results.json"

SORTS = ("year", "year-asc", "title", "title-desc")
FILTERS: dict[str, dict[str, object]] = {
    "none": {},
    "role": {"role": "background"},
    "polarity": {"polarity": "positive"},
    "years": {"from_year": 2000, "to_year": 2010},
    "role+years": {"role": "method", "from_year": 1995},
}


def small_hub(store: Store, citing: int = 100) -> str:
    """The IRI of a paper with about ``citing`` citing papers (the closest there is)."""
    rows = store.query(
        "SELECT ?paper (COUNT(?citing) AS ?n) WHERE { GRAPH ?g { ?citing cito:cites ?paper } "
        f"FILTER(?g = <{store.consensus_graph.value}>) }} GROUP BY ?paper"
    )
    return min(rows, key=lambda row: abs(int(row["n"].value) - citing))["paper"].value  # type: ignore[index]


def first_page_ms(store: Store, paper: str) -> float:
    """The first page of a hub the index does not hold: as after a change to the store."""
    assert store.path is not None
    for kept in store.path.glob(explorer_index.FILE + "*"):
        kept.unlink()
    start = time.perf_counter()
    hub.citing(store, paper)
    return (time.perf_counter() - start) * 1000


def explore(store: Store, paper: str, repeats: int) -> dict[str, object]:
    summary_ms = measure.repeated_ms(lambda: hub.summary(store, paper), repeats)["median"]
    first_ms = first_page_ms(store, paper)
    pages: dict[str, object] = {}
    for sort in SORTS:
        for name, filters in FILTERS.items():
            total, _ = hub.citing(store, paper, sort=sort, **filters)  # type: ignore[arg-type]
            for page in sorted({1, max(1, total // 40)}):
                ms = measure.repeated_ms(
                    lambda sort=sort, page=page, filters=filters: hub.citing(  # type: ignore[misc]
                        store, paper, sort=sort, page=page, **filters
                    ),
                    repeats,
                )["median"]
                pages[f"{sort} {name} page {page}/{max(1, -(-total // 20))}"] = {
                    "ms": round(ms, 1),
                    "ratio_to_summary": round(ms / summary_ms, 1),
                }
    worst = max(row["ratio_to_summary"] for row in pages.values())  # type: ignore[index]
    return {
        "citing_papers": hub.summary(store, paper).citing_papers,
        "summary_ms": round(summary_ms, 1),
        "first_page_ms": round(first_ms, 1),
        "worst_ratio": worst,
        "pages": pages,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--hub", default="doi:10.5555/bench.hub")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with Store.read_only(args.store) as store:
        found: dict[str, object] = {
            name: explore(store, paper, args.repeats)
            for name, paper in (("big", args.hub), ("small", small_hub(store)))
        }
        found["store_citations"] = store_stats(store).citations
    found |= measure.stamp()
    print(json.dumps(found, indent=1))
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"results": {}}
    saved.setdefault("explorer", {})[str(found["store_citations"])] = found
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    report.write(saved)
