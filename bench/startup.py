"""Start-up: how long a `kg` command takes to answer on a small store, against `python -c "import
pyoxigraph"` (issue 14's target: within 4x).

    python bench/startup.py [--repeats 20]

Installs citekg as a user does, from a wheel of this checkout into a scratch virtual environment
(its dependencies taken from the running one's site-packages by path), loads the bundled example into
a store of its own, then runs each command in a fresh process ``--repeats`` times, after a first run
that fills the page cache, and takes the medians: ``kg --help``, ``kg stats``, ``kg hub`` (text) and
``kg citing``, each through the ``kg`` script the wheel installs. Not the checkout's own environment:
an editable install (``pip install -e``) imports its path finder in every Python that starts there,
the reference's included (50 million instructions, more than starting Python), which made every
ratio look smaller than a user's. Each runs with Python writing its bytecode, as after an install (pip
compiles a package it installs; a shell with PYTHONDONTWRITEBYTECODE set would compile kg's modules
afresh at every start, some 25 ms of a command). Figures merge into bench/results.json under
"startup" and go into bench/RESULTS.md.

Wall times on a shared two-core machine move by 20-50% from one run to the next, the reference's as
much as the commands'. So each command also runs once under valgrind's callgrind, whose count of
instructions is the same from run to run (where valgrind is installed): against importing
pyoxigraph, and against the floor no kg command goes below, starting Python (``pass``) and
importing typer. Instructions leave out waiting on the disk and the pages a library maps in, most of
importing pyoxigraph, so their ratios run higher than the wall times'.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import measure  # noqa: E402
import report  # noqa: E402
from run import RESULTS  # noqa: E402

REPOSITORY = HERE.parent
EXAMPLE = REPOSITORY / "examples" / "hub.jsonl"
PAPER = "arxiv:2402.13929"


def install(folder: Path) -> Path:
    """A virtual environment in ``folder`` with citekg installed from a wheel, the way a user has it;
    its dependencies are the running environment's, by a path in a ``.pth`` file (a path, not a site
    folder: the editable install's own ``.pth`` there is not run). Returns its Python."""
    wheels = folder / "wheels"
    pip = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "--wheel-dir", str(wheels), str(REPOSITORY)], check=True)
    environment = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(environment)], check=True)
    python = environment / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", *map(str, wheels.glob("*.whl"))], check=True
    )
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    running = sysconfig.get_paths()  # (this environment's, where the dependencies are installed)
    dependencies = sorted({running["purelib"], running["platlib"]})
    (Path(site) / "citekg-dependencies.pth").write_text("".join(f"{path}\n" for path in dependencies))
    return python


def median_ms(command: list[str], repeats: int) -> float:
    """The median wall time of ``command`` in fresh processes, after one run to warm the caches and
    write the bytecode."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for attempt in range(repeats + 1):
        started = time.perf_counter()
        subprocess.run(
            command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment
        )
        if attempt:
            times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def instructions(command: list[str]) -> int | None:
    """The instructions ``command`` runs, counted by callgrind (None where valgrind is missing)."""
    if shutil.which("valgrind") is None:
        return None
    counted = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = re.search(r"Collected : (\d+)", counted.stderr)
    return int(found.group(1)) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="startup-") as scratch:
        python = install(Path(scratch))
        kg = [str(python.parent / "kg")]
        store = Path(scratch) / "store"
        subprocess.run([*kg, "--store", str(store), "load", "--quiet", str(EXAMPLE)], check=True)
        reference = median_ms([str(python), "-c", "import pyoxigraph"], args.repeats)
        typer_floor = median_ms([str(python), "-c", "import typer"], args.repeats)  # (every command's)
        commands = {
            "kg --help": [*kg, "--help"],
            "kg stats": [*kg, "--store", str(store), "stats"],
            "kg hub": [*kg, "--store", str(store), "hub", PAPER],
            "kg citing": [*kg, "--store", str(store), "citing", PAPER],
        }
        figures = {name: median_ms(command, args.repeats) for name, command in commands.items()}
        floors = {
            code: instructions([str(python), "-c", code])
            for code in ("import pyoxigraph", "pass", "import typer")
        }
        counted = {name: instructions(command) for name, command in commands.items()}
    reference_instructions = floors["import pyoxigraph"]
    startup = {
        "import_pyoxigraph_ms": reference,
        "import_typer_ms": typer_floor,
        "installed": "wheel",
        "instructions": floors,
        "commands": {
            name: {
                "ms": ms,
                "ratio": round(ms / reference, 1),
                "instructions": counted[name],
                "instructions_ratio": (
                    round(counted[name] / reference_instructions, 1)
                    if counted[name] and reference_instructions
                    else None
                ),
            }
            for name, ms in figures.items()
        },
        "repeats": args.repeats,
        **measure.stamp(),
    }
    print(json.dumps(startup, indent=2), flush=True)
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"results": {}}
    saved["startup"] = startup
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    report.write(saved)


if __name__ == "__main__":
    main()
