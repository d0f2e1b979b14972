"""kg serve under load, next to the Oxigraph server on the same store and the same query.

    python bench/serve_load.py bench/work/native-1000000.store --clients 50 --seconds 60

1. Latency of ``/hub/ID.json`` for the designated hub, one client, median of repeated requests.
2. ``--clients`` concurrent clients on loopback for ``--seconds``, each looping over the hub JSON, a saved
   query (``/queries/hub-distribution``) and the same hub-distribution SPARQL at ``/sparql``: requests
   per second, latency percentiles, errors, and the server's peak memory (its process and its query
   workers together).
3. The same clients sending the same hub-distribution SPARQL to ``oxigraph serve-read-only`` on the
   same store files: its requests per second next to kg serve's.

Figures merge into bench/results.json under "serve" and go into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402
from run import RESULTS, OxigraphServer  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, path: str) -> None:
    for _ in range(600):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port}")


def peak_mib(pid: int) -> int:
    """The peak resident memory of a process and its children (kg serve's query workers) together."""
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        own = next((int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM:")), 0)
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(peak_mib(int(child)) for child in children)


def hammer(
    port: int, requests: list[tuple[str, str, bytes | None, dict[str, str]]], clients: int, seconds: float
) -> dict[str, object]:
    """``clients`` threads, each on its own keep-alive connection, cycling through ``requests``."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, failed = [], []
        index = offset
        while time.perf_counter() < stop:
            method, path, body, headers = requests[index % len(requests)]
            index += 1
            start = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed.append(f"{response.status} {path[:60]}")
            except (OSError, http.client.HTTPException) as error:
                failed.append(f"{type(error).__name__} {path[:60]}")
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:10],
        "latency_ms": {
            "median": round(statistics.median(ordered), 1),
            "p95": round(ordered[int(len(ordered) * 0.95)], 1),
            "max": round(ordered[-1], 1),
        },
    }


def prepare(store_path: Path, hub_id: str) -> tuple[int, str]:
    """The store's citation count and the hub's bound hub-distribution SPARQL, with its prefixes. In a
    function of its own, so that nothing keeps the store open (and locked) once it returns."""
    from kg import queries
    from kg.ids import parse_id
    from kg.store import Store

    with Store(store_path) as store:
        node = store.paper(parse_id(hub_id))
        citations = queries.run_query(store, "stats").rows[0]["citations"]
        prologue = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in store.prefixes.items())
        sparql = prologue + queries.bound_sparql(store, queries.get("hub-distribution"), {"paper": node})
    return citations, sparql


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    hub_id = generate.hub_id("native")
    size, distribution = prepare(args.store, hub_id)
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
    sparql_body = urllib.parse.urlencode({"query": distribution}).encode()
    quoted = urllib.parse.quote(hub_id, safe=":/")

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kg", "--store", str(args.store), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port, "/queries")

        def one_hub() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port)
            connection.request("GET", f"/hub/{quoted}.json")
            assert connection.getresponse().read()

        hub_json = measure.repeated_ms(one_hub, args.repeats)
        mixed = hammer(
            port,
            [
                ("GET", f"/hub/{quoted}.json", None, {}),
                ("GET", f"/queries/hub-distribution.json?paper={quoted}", None, {}),
                ("POST", "/sparql", sparql_body, form),
            ],
            args.clients,
            args.seconds,
        )
        kg_sparql = hammer(port, [("POST", "/sparql", sparql_body, form)], args.clients, args.seconds)
        mixed["server_peak_mib"] = peak_mib(server.pid)
    finally:
        server.terminate()
        server.wait()
    with OxigraphServer(args.store / "oxigraph") as oxigraph:
        oxigraph_port = int(oxigraph.url.split(":")[2].split("/")[0])
        oxigraph_body = urllib.parse.urlencode({"query": distribution, "union-default-graph": ""}).encode()
        oxigraph_sparql = hammer(
            oxigraph_port, [("POST", "/query", oxigraph_body, form)], args.clients, args.seconds
        )
        oxigraph_sparql["server_peak_mib"] = peak_mib(oxigraph.process.pid)
    figures = {
        "citations": size,
        "hub_json_ms": hub_json,
        "mixed": mixed,
        "kg_sparql": kg_sparql,
        "oxigraph_sparql": oxigraph_sparql,
        "throughput_ratio": round(kg_sparql["requests_per_s"] / oxigraph_sparql["requests_per_s"], 2),
    }
    print(json.dumps(figures, indent=2))
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"results": {}}
    saved["machine"] = measure.machine()
    saved["serve"] = {**figures, "measured": time.strftime("%Y-%m-%d")}
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    report.write(saved)


if __name__ == "__main__":
    main()
