"""Timing helpers shared by the benchmarks: whole processes with their peak memory, and repeated calls."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    seconds: float
    peak_mib: int
    stderr: str


def process(command: list[str]) -> Run:
    """Run a command to its end; its wall time and its own peak resident memory (not its parent's)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = child.stderr.read() if child.stderr else ""
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    return Run(elapsed, usage.ru_maxrss // 1024, stderr)


def spread(values: list[float], digits: int = 2) -> dict[str, float]:
    """Median, min and max of repeated measurements."""
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "runs": len(values),
    }


def repeated_ms(call: Callable[[], object], repeats: int, budget_s: float = 60.0) -> dict[str, float]:
    """Milliseconds per call after one warm-up call: median, min and max over ``repeats`` calls, fewer
    (at least one) when the calls would take more than ``budget_s`` in all."""
    start = time.perf_counter()
    call()
    warm_up = time.perf_counter() - start
    times = []
    for _ in range(max(1, min(repeats, int(budget_s / max(warm_up, 1e-6))))):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return spread(times)


def stamp() -> dict[str, str]:
    """When and at which commit figures were measured, to keep beside them."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent
    ).stdout.strip()
    return {"measured": time.strftime("%Y-%m-%d"), "commit": commit}


def machine() -> dict[str, object]:
    """What a reader needs to compare a run with one on another machine."""
    import pyoxigraph
    import rdflib

    return {
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__,
        "rdflib": rdflib.__version__,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
