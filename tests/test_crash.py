"""A `kg load` killed with SIGKILL at random moments: the store opens afterwards holding all of the file
or none of it, and loading the file again gives exactly the graph of a load never interrupted. A load
that runs out of disk says so and leaves the store as it was."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import CitekgError
from kg.loader import drop, load
from kg.store import Store
from kg.vocab import PROV

from .conftest import EXAMPLE, TEST_BASE

KILLS = int(os.environ.get("KG_KILLS", "6"))
ROLES = ["background", "method", "comparison", "extension", "motivation", "future-work"]


def write_citations(path: Path, citations: int, seed: int = 1) -> Path:
    """A file of papers, citations and annotations large enough that a load takes a second or two."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        papers = citations // 10 + 2
        for index in range(1, papers):
            paper = {"type": "paper", "id": f"doi:10.5555/crash.{index}", "title": f"Paper {index}"}
            out.write(json.dumps({**paper, "year": 2000 + index % 20, "summary": f"Summary {index}."}) + "\n")
        for number in range(citations):
            citing, cited = rng.sample(range(1, papers), 2)
            pair = {"citing": f"doi:10.5555/crash.{citing}", "cited": f"doi:10.5555/crash.{cited}"}
            out.write(json.dumps({"type": "citation", **pair}) + "\n")
            if number % 2:
                role = rng.choice(ROLES)
                annotator = {"id": "crash-model@1", "kind": "model"}
                out.write(
                    json.dumps({"type": "annotation", **pair, "role": role, "annotator": annotator}) + "\n"
                )
    return path


def quads(store: Store) -> set[ox.Quad]:
    """The store's quads less the load times. citekg's graphs have no blank nodes, so two of them are
    isomorphic exactly when these sets are equal."""
    found = {q for q in store.oxigraph if q.predicate != PROV["generatedAtTime"]}
    assert not any(isinstance(term, ox.BlankNode) for q in found for term in (q.subject, q.object))
    return found


def writing(path: Path) -> bool:
    """Whether the store at ``path`` says a load, replace or drop is changing it now."""
    try:
        return bool(json.loads((path / "citekg.json").read_text(encoding="utf-8")).get("loading"))
    except (OSError, ValueError):
        return False


def kill_at(process: subprocess.Popen[bytes], path: Path, when: float | None, rng: random.Random) -> None:
    """SIGKILL the process ``when`` seconds after it started, or (``when`` None) within a moment of its
    marking the store as changing: aimed from a measured run, or at the writes themselves, so the kills
    land where they matter however busy the machine is."""
    started = time.perf_counter()
    if when is not None:
        time.sleep(when)
    else:
        while process.poll() is None and not writing(path) and time.perf_counter() - started < 120:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.3))
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_a_killed_load_leaves_all_or_nothing_and_a_reload_gives_the_whole(tmp_path: Path) -> None:
    source = write_citations(tmp_path / "big.jsonl", 2500)
    reference = Store(None, base=TEST_BASE)
    load(reference, EXAMPLE)
    before = quads(reference)
    big = load(reference, source).graph  # the graph the command below loads too
    after = quads(reference)

    path = tmp_path / "store"
    with Store(path, base=TEST_BASE) as store:
        load(store, EXAMPLE)
    command = [sys.executable, "-m", "kg", "--store", str(path), "load", str(source)]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    whole = time.perf_counter() - start  # one uninterrupted load, to aim the kills inside it
    with Store(path) as store:
        assert quads(store) == after
        drop(store, big)
        assert quads(store) == before

    rng = random.Random(7)
    outcomes = []
    for kill in range(KILLS):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_at(process, path, rng.uniform(0.3 * whole, whole) if kill % 2 else None, rng)
        changing = writing(path)  # killed while the store was being written
        with Store(path) as store:
            found = quads(store)
        assert found in (before, after), "the store holds part of the file"
        outcomes.append(("all" if found == after else "none", changing))
        subprocess.run(command, check=True, capture_output=True)
        with Store(path) as store:
            assert quads(store) == after
            drop(store, big)
    assert any(changing for _, changing in outcomes), outcomes  # some kills did land in the writes


def test_a_killed_replace_or_drop_leaves_the_old_graph_or_the_new(tmp_path: Path) -> None:
    """Replacing a graph by a new version of its file, or dropping it, killed at random moments: the
    store opens with the old version or the new state, consensus and derived data included."""
    first = write_citations(tmp_path / "first.jsonl", 1200, seed=1)
    second = write_citations(tmp_path / "second.jsonl", 1200, seed=2)
    source = tmp_path / "big.jsonl"  # one path, two versions: a load of the second replaces the first
    reference = Store(None, base=TEST_BASE)
    load(reference, EXAMPLE)
    shutil.copy(first, source)
    big = load(reference, source).graph
    old = quads(reference)
    shutil.copy(second, source)
    load(reference, source)
    replaced = quads(reference)
    drop(reference, big)
    dropped = quads(reference)

    path = tmp_path / "store"
    with Store(path, base=TEST_BASE) as store:
        load(store, EXAMPLE)
    rng = random.Random(11)
    outcomes = []
    for kill in range(KILLS):
        shutil.copy(first, source)
        with Store(path) as store:
            load(store, source)
            assert quads(store) == old
        if kill % 2:
            shutil.copy(second, source)
            operation, results = "load", (old, replaced)
        else:
            operation, results = "drop", (old, dropped)
        command = [sys.executable, "-m", "kg", "--store", str(path), operation, str(source)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_at(process, path, None, rng)
        changing = writing(path)
        with Store(path) as store:
            found = quads(store)
        assert found in results, f"a {operation} killed part way left neither the old state nor the new"
        outcomes.append((operation, found == results[1], changing))
    assert any(changing for *_, changing in outcomes), outcomes


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB file system of its own (tmpfs), so that a load can run out of space for real."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


@pytest.mark.parametrize("citations", [4000, 2500])  # the disk fills in the bulk load, or at its end
def test_a_full_disk_refuses_the_load_and_keeps_what_was_stored(
    small_disk: Path, tmp_path: Path, citations: int
) -> None:
    source = write_citations(tmp_path / "big.jsonl", citations)
    path = small_disk / "store"
    with Store(path, base=TEST_BASE) as store:
        load(store, EXAMPLE)
        before = quads(store)
    full = subprocess.run(
        [sys.executable, "-m", "kg", "--store", str(path), "load", str(source)],
        capture_output=True,
        text=True,
    )
    assert full.returncode == 1 and "No space left on device" in full.stderr, full.stderr
    assert "Traceback" not in full.stderr, full.stderr
    try:
        reopened = Store(path)
    except CitekgError as error:  # undoing the load needs room the disk does not have yet
        assert "free some space and open it again" in str(error)
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        reopened = Store(path)
    with reopened as store:
        assert quads(store) == before


def test_a_compaction_without_disk_leaves_the_store_as_it_was(small_disk: Path, tmp_path: Path) -> None:
    """Compacting after a change needs free disk for the files it writes; without it the change stays
    made and the store reads as before, rather than the command failing after its work is done."""
    path = small_disk / "store"
    extra = tmp_path / "extra.nq"
    with extra.open("w", encoding="utf-8") as out:
        for n in range(20_000):
            text = f"{n} {'x' * 200}"
            out.write(f'<http://example.org/s{n}> <http://example.org/p> "{text}" <http://example.org/g> .\n')
    with Store(path, base=TEST_BASE) as store:
        load(store, EXAMPLE)
        store.bulk_load_nquads(extra)  # many times what the last compaction left: settle would compact
        before = quads(store)
        filler = fill(small_disk)
        assert store.settle() is False
        filler.unlink()
        assert quads(store) == before
    with Store(path) as store:
        assert quads(store) == before


def fill(disk: Path) -> Path:
    """Fill a file system up to its last byte; the file that fills it."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * size)
    return filler
