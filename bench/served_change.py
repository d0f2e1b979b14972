"""A load carried out by a running kg serve (the site stays up) next to the same load offline.

    python bench/served_change.py bench/work/native-100000.jsonl [--base examples/hub.jsonl]

Each run starts from a store holding ``--base``; then ``kg load FILE`` runs once with the store free
(offline) and once with ``kg serve --update-token`` holding it (the server copies the store, loads the
file into the copy in a process of its own, and swaps it in). Prints both times, their ratio, and how
long the swap held requests back, as JSON; merges them into bench/results.json under "served_change".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
KG = [sys.executable, "-m", "kg"]
RESULTS = HERE / "results.json"


def kg(store: Path, *args: str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run([*KG, "--store", str(store), *args], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--base", type=Path, default=HERE.parent / "examples" / "hub.jsonl")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="served-change-", dir=HERE / "work"))
    try:
        offline_store, served_store = work / "offline", work / "served"
        for store in (offline_store, served_store):
            kg(store, "load", "-q", str(options.base))
        offline = kg(offline_store, "load", "-q", str(options.file))
        port, token = free_port(), "bench"
        env = {**os.environ, "KG_UPDATE_TOKEN": token}
        server = subprocess.Popen(
            [*KG, "--store", str(served_store), "serve", "--port", str(port)],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not (served_store / "served.json").exists():
                time.sleep(0.1)
            served = kg(served_store, "load", "-q", str(options.file), env=env)
            started = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/hub?paper=arxiv:2402.13929") as answer:
                answer.read()
            after_ms = (time.perf_counter() - started) * 1000
        finally:
            server.terminate()
            server.wait()
    finally:
        shutil.rmtree(work)
    figures = {
        "file": options.file.name,
        "input_mib": round(options.file.stat().st_size / 2**20, 1),
        "offline_s": round(offline, 2),
        "through_server_s": round(served, 2),
        "ratio": round(served / offline, 2),
        "first_hub_after_ms": round(after_ms, 1),
    }
    print(json.dumps(figures, indent=2))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault("served_change", {})[options.file.name] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
