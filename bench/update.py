"""An update that costs what it adds: k new citations loaded into a big store, against the same file
loaded into a store that holds only the papers it names.

    python bench/update.py bench/work/native-1000000.store --citations 10000

1. Writes k new citations in citekg's native format: new citing papers, each described and citing
   about 20 papers of the big store (the designated hub among them for a tenth of them, the rest drawn
   from all its papers), half of them with a one-line summary, with model annotations as the generator
   makes them; and a file that only describes the papers the update cites.
2. Copies the big store (the update changes it; a checkpoint, whose files are hard links) and times
   ``kg load --quiet`` of the update into the copy, in its own process, then loading it again (a
   replace of its graph) and dropping it; then the same three into a new store that first loaded the
   papers-only file.

Their ratio is the target's measure (issue 14: at most 3x). Figures merge into bench/results.json
under "update" and go into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402
from run import RESULTS  # noqa: E402

from kg.loader import graph_name_for  # noqa: E402
from kg.stats import store_stats  # noqa: E402
from kg.store import Store  # noqa: E402


def update_records(
    citations: int, papers: int, seed: int, summarised: float, fmt: str = "native"
) -> Iterator[dict[str, object]]:
    """``citations`` new citations from new papers (ids past the generator's) to papers 1..``papers``
    (named as a generated file of format ``fmt`` names them), a share ``summarised`` of the citing
    papers with a one-line summary (candidates for hub pages)."""
    rng = random.Random(seed)
    index, emitted = 0, 0
    while emitted < citations:
        index += 1
        paper = f"doi:10.5555/update.{index}"
        summary = {"summary": f"What update paper {index} does."} if rng.random() < summarised else {}
        yield {"type": "paper", "id": paper, "title": f"Update paper {index}", "year": 2025, **summary}
        targets = {f"doi:10.5555/bench.{rng.randrange(1, papers + 1)}" for _ in range(20)}
        if rng.random() < 0.1:
            targets.add(generate.HUB_ID)
        targets = {generate.paper_id(target, fmt) for target in targets}
        for target in sorted(targets)[: citations - emitted]:
            emitted += 1
            yield {"type": "citation", "citing": paper, "cited": target, "date": "2025-06-01"}
            if rng.random() < 0.7:
                yield {
                    "type": "annotation",
                    "citing": paper,
                    "cited": target,
                    "role": rng.choice(generate.ROLES),
                    "polarity": rng.choice(generate.POLARITIES),
                    "confidence": round(rng.uniform(0.3, 1.0), 2),
                    "annotator": {"id": "bench-model@1", "kind": "model"},
                }


def write_files(
    folder: Path, citations: int, papers: int, seed: int, summarised: float, fmt: str = "native"
) -> tuple[Path, Path]:
    update, cited_only = folder / f"update-{citations}.jsonl", folder / f"update-{citations}-papers.jsonl"
    cited: set[str] = set()
    with update.open("w", encoding="utf-8") as out:
        for record in update_records(citations, papers, seed, summarised, fmt):
            out.write(json.dumps(record) + "\n")
            if record["type"] == "citation":
                cited.add(str(record["cited"]))
    with cited_only.open("w", encoding="utf-8") as out:
        for paper in sorted(cited):
            described = {"type": "paper", "id": paper, "title": f"Cited {paper}", "year": 2000}
            out.write(json.dumps(described) + "\n")
    return update, cited_only


def kg(store: Path, *arguments: str) -> measure.Run:
    return measure.process([sys.executable, "-m", "kg", "--store", str(store), *arguments])


def kg_load(store: Path, source: Path) -> measure.Run:
    return kg(store, "load", "--quiet", str(source))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="a store bench/run.py kept (--keep)")
    parser.add_argument("--citations", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--summarised", type=float, default=0.5, help="share of citing papers with a summary")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument(
        "--format",
        choices=generate.FORMATS,
        default="native",
        help="the generated file the store was loaded from",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="update-", dir=args.work) as scratch:
        folder = Path(scratch)
        copy = folder / "big.store"
        with Store(args.store) as big:
            stats = store_stats(big)
            big.checkpoint(copy)  # (hard links: a 10^7 store has no room for a second copy)
        papers = stats.papers - 1  # the generator's papers 1..n, and the hub
        update, cited_only = write_files(
            folder, args.citations, papers, args.seed, args.summarised, args.format
        )
        small = folder / "small.store"
        kg_load(small, cited_only)
        runs = {}
        for name, store in (("into_store", copy), ("into_papers_only", small)):
            runs[name] = {
                step: {"s": round(run.seconds, 1), "peak_mib": run.peak_mib}
                for step, run in (
                    ("load", kg_load(store, update)),
                    ("replace", kg_load(store, update)),
                    ("drop", kg(store, "drop", graph_name_for(update))),
                )
            }
    figures: dict[str, object] = {
        "store_citations": stats.citations,
        "format": args.format,
        "update_citations": args.citations,
        "summarised": args.summarised,
        **runs,
        "ratio": {
            step: round(runs["into_store"][step]["s"] / runs["into_papers_only"][step]["s"], 2)
            for step in ("load", "replace", "drop")
        },
        **measure.stamp(),
    }
    print(json.dumps(figures, indent=2), flush=True)
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"results": {}}
    saved.setdefault("update", {})[f"{stats.citations}@{args.summarised}@{figures['commit']}"] = figures
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    report.write(saved)


if __name__ == "__main__":
    main()
