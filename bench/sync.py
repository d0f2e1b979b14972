"""A release update by ``kg sync``: the whole folder loaded, then one file of it changed.

    python bench/sync.py bench/work/native-1000000.jsonl [--files 100]

Splits the file into ``--files`` dumps (by lines: every record stands alone), syncs an empty store with
the folder (the full load), changes one dump (its last tenth of lines replaced by new citations) and
syncs again. Prints both times and their ratio as JSON; merges them into bench/results.json under
"sync".
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def sync(store: Path, folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kg", "--store", str(store), "sync", "-q", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--files", type=int, default=100)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sync-", dir=HERE / "work"))
    try:
        folder = work / "release"
        folder.mkdir()
        lines = options.file.read_text(encoding="utf-8").splitlines(keepends=True)
        size = -(-len(lines) // options.files)
        for n in range(options.files):
            (folder / f"part-{n:04d}.jsonl").write_text("".join(lines[n * size : (n + 1) * size]))
        full = sync(work / "store", folder)
        changed = folder / "part-0000.jsonl"
        kept = changed.read_text().splitlines(keepends=True)
        fresh = [
            json.dumps(
                {"type": "citation", "citing": f"doi:10.9999/sync.{i}", "cited": f"doi:10.9999/sync.{i + 1}"}
            )
            + "\n"
            for i in range(len(kept) // 10)
        ]
        changed.write_text("".join(kept[: len(kept) - len(fresh)] + fresh))
        one = sync(work / "store", folder)
    finally:
        shutil.rmtree(work)
    figures = {
        "input": options.file.name,
        "files": options.files,
        "full_s": round(full, 1),
        "one_file_changed_s": round(one, 1),
        "ratio": round(one / full, 4),
    }
    print(json.dumps(figures, indent=2))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault("sync", {})[options.file.name] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
