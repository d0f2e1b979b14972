"""Deterministic synthetic citation graphs in citekg's native format, for benchmarks.

Papers cite about 20 earlier papers each, drawn by preferential attachment, so a few papers become hubs;
one designated hub is cited by exactly ``hub_citations`` papers. A share of the citations carry a model
annotation (role, polarity, confidence) and a smaller share a human one too.

    python bench/generate.py --citations 1000000 --hub 10000 -o bench/work/native-1m.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path

ROLES = [
    "background",
    "background",
    "background",
    "method",
    "method",
    "comparison",
    "extension",
    "motivation",
    "future_work",
]
POLARITIES = ["neutral", "neutral", "neutral", "positive", "positive", "negative"]
HUB_ID = "doi:10.5555/bench.hub"


def records(
    citations: int,
    hub_citations: int,
    seed: int = 42,
    references: int = 20,
    annotated: float = 0.7,
    reviewed: float = 0.1,
) -> Iterator[dict]:
    """Yield paper, citation and annotation records: ``citations`` citations, or a few more when the
    hub's citing papers come after the budget is spent."""
    rng = random.Random(seed)
    papers = max(citations // references + 1, hub_citations + 2)  # about this many; more if needed
    yield {
        "type": "paper",
        "id": HUB_ID,
        "title": "The benchmark hub",
        "year": 2015,
        "summary": "The paper every benchmark hub query asks about.",
    }
    cited_pool: list[int] = []  # paper indexes, once per citation received: preferential attachment
    hub_citers = set(rng.sample(range(1, papers), hub_citations))
    last_hub_citer = max(hub_citers)
    emitted = 0
    index = 0
    while emitted < citations or index <= last_hub_citer:
        index += 1
        paper = f"doi:10.5555/bench.{index}"
        year = 1990 + index * 35 // papers
        yield {
            "type": "paper",
            "id": paper,
            "title": f"Synthetic paper {index}",
            "year": year,
            "summary": f"A one-line summary of synthetic paper {index}.",
        }
        targets: set[str] = set()
        if index in hub_citers:
            targets.add(HUB_ID)
        wanted = min(references, index - 1, max(citations - emitted, 0))  # earlier papers only
        while len(targets) < wanted:
            pick = rng.choice(cited_pool) if cited_pool and rng.random() < 0.8 else rng.randrange(1, index)
            targets.add(f"doi:10.5555/bench.{pick}")
        for target in sorted(targets):
            if emitted >= citations and target != HUB_ID:
                break  # the hub's citations come on top of the budget, so it has exactly hub_citations
            emitted += 1
            if target != HUB_ID:
                cited_pool.append(int(target.rsplit(".", 1)[1]))
            yield {
                "type": "citation",
                "citing": paper,
                "cited": target,
                "date": f"{year}-06-01",
                "contexts": [f"As shown in [{emitted % 50}], the method works."],
            }
            if rng.random() < annotated:
                yield {
                    "type": "annotation",
                    "citing": paper,
                    "cited": target,
                    "role": rng.choice(ROLES),
                    "polarity": rng.choice(POLARITIES),
                    "confidence": round(rng.uniform(0.3, 1.0), 2),
                    "annotator": {"id": "bench-model@1", "kind": "model"},
                }
                if rng.random() < reviewed:
                    yield {
                        "type": "annotation",
                        "citing": paper,
                        "cited": target,
                        "role": rng.choice(ROLES),
                        "annotator": {"id": "bench-reviewer", "kind": "human"},
                    }


HUB_OMID = "omid:br/060"
FORMATS = ("native", "opencitations-index")


def hub_id(fmt: str = "native") -> str:
    """The designated hub's id in a generated file of this format."""
    return HUB_ID if fmt == "native" else HUB_OMID


def paper_id(paper: str, fmt: str = "native") -> str:
    """A paper's id (as the native file names it) in a generated file of this format."""
    if fmt == "native":
        return paper
    return HUB_OMID if paper == HUB_ID else f"omid:br/06{paper.rsplit('.', 1)[1]}0"


def index_rows(citations: int, hub_citations: int, seed: int = 42) -> Iterator[str]:
    """The same citations as OpenCitations Index CSV rows (current form, omid ids), header first."""
    rng = random.Random(seed + 1)
    yield "id,citing,cited,creation,timespan,journal_sc,author_sc\n"
    for record in records(citations, hub_citations, seed):
        if record["type"] != "citation":
            continue
        citing, cited = (paper_id(str(record[end]), "opencitations-index") for end in ("citing", "cited"))
        oci = f"oci:{citing[9:]}-{cited[9:]}"
        span = f"P{rng.randrange(0, 30)}Y{rng.randrange(0, 12)}M"
        flags = ["yes" if rng.random() < 0.05 else "no" for _ in range(2)]
        yield f"{oci},{citing},{cited},{record['date']},{span},{flags[0]},{flags[1]}\n"


def write(path: Path, citations: int, hub_citations: int, seed: int = 42, fmt: str = "native") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        if fmt == "opencitations-index":
            out.writelines(index_rows(citations, hub_citations, seed))
        else:
            for record in records(citations, hub_citations, seed):
                out.write(json.dumps(record, separators=(",", ":")) + "\n")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citations", type=int, default=1_000_000)
    parser.add_argument("--hub", type=int, default=10_000, help="citing papers of the designated hub")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=FORMATS, default="native")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    write(args.output, args.citations, args.hub, args.seed, args.format)
    print(args.output)
