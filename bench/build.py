"""``kg build`` against the raw engine, and the time to a loaded Virtuoso.

    python bench/build.py bench/work/native-1000000.jsonl [--virtuoso]

Times ``kg build FILE --out DIR`` and sets it beside raw ``bulk_load`` of the same input (the figure
bench/run.py saved for the same size and format in bench/results.json). With ``--virtuoso`` it also
starts Debian's Virtuoso on loopback and times its bulk loader on the parts (the build's own
``load-virtuoso.sql``): the time to a loaded Virtuoso is the build plus that. Merges the figures into
bench/results.json under "build" and goes into bench/RESULTS.md.
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
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import measure  # noqa: E402
import report  # noqa: E402

RESULTS = HERE / "results.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--virtuoso", action="store_true")
    options = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    size = options.file.stem.rsplit("-", 1)[-1]
    work = Path(tempfile.mkdtemp(prefix="build-", dir=HERE / "work"))
    try:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kg", "build", "-q", str(options.file), "--out", str(work / "out")],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        built = time.perf_counter() - started
        parts = sorted((work / "out").glob("part-*.nq.gz"))
        figures: dict[str, object] = {
            "input_mib": round(options.file.stat().st_size / 2**20, 1),
            "build_s": round(built, 1),
            "parts": len(parts),
            "parts_mib": round(sum(p.stat().st_size for p in parts) / 2**20, 1),
        }
        raw = (
            results.get("results", {}).get(size, {}).get("load native", {}).get("raw_bulk_load", {}).get("s")
        )
        if raw:
            figures |= {"raw_bulk_load_s": raw, "throughput_ratio": round(raw / built, 2)}
        if options.virtuoso:
            from tests.servers import virtuoso_server

            (work / "virtuoso-run").mkdir()
            started = time.perf_counter()  # the server's start (seconds) is counted too
            with virtuoso_server(work / "virtuoso-run", build=work / "out", buffers=1_360_000):  # 16 GB
                figures["virtuoso_loader_s"] = round(time.perf_counter() - started, 1)
            figures["to_loaded_virtuoso_s"] = round(built + float(figures["virtuoso_loader_s"]), 1)  # type: ignore[arg-type]
    finally:
        shutil.rmtree(work)
    figures |= measure.stamp()
    print(json.dumps(figures, indent=2))
    results.setdefault("build", {})[options.file.name] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    report.write(results)


if __name__ == "__main__":
    main()
