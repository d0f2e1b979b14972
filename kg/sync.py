"""``kg sync DIR``: bring a store in line with a folder of dump files, as a release update does.

A file new to the store, or changed since it was loaded (its SHA-256, which every load records in
its graph: ``spdx:checksum``), is loaded, replacing its graph; a graph loaded from a file of the folder
that is no longer there is dropped; every other file is left alone. Each load and drop is the one
``kg load`` and ``kg drop`` make, so the store ends as a fresh load of the folder would leave it, and a
sync where a few files changed costs what loading those few costs.

The plan is read from any store (``plan``); ``kg sync`` carries it out on the embedded store, or has a
running ``kg serve`` carry each step out (``kg.served``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kg.backend import Backend
from kg.errors import InvalidArgument
from kg.loader import graph_name_for
from kg.stats import sources


@dataclass
class Plan:
    """What a sync does: files to load (new) or load again (changed), graphs to drop, files to leave."""

    new: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # graph IRIs whose file left the folder
    unchanged: list[Path] = field(default_factory=list)

    def to_json(self) -> dict[str, list[str]]:
        return {
            "new": [str(f) for f in self.new],
            "changed": [str(f) for f in self.changed],
            "dropped": self.gone,
            "unchanged": [str(f) for f in self.unchanged],
        }

    def summary(self) -> str:
        return (
            f"{len(self.new)} new, {len(self.changed)} changed, {len(self.gone)} gone, "
            f"{len(self.unchanged)} unchanged"
        )


def plan(store: Backend, folder: Path) -> Plan:
    """What brings the store in line with ``folder``: every file below it but hidden ones (a name
    starting with a dot), each in the graph ``kg load`` would give it."""
    if not folder.is_dir():
        raise InvalidArgument(f"{folder}: no such folder")
    if graph_name_for(folder) == ".":
        raise InvalidArgument("name the folder of the dumps (kg sync dumps/), not the working directory")
    loaded = {source.graph: source.sha256 for source in sources(store)}
    minter = store.minter
    found = Plan()
    wanted = set()
    for file in sorted(folder.rglob("*")):
        if not file.is_file() or any(part.startswith(".") for part in file.relative_to(folder).parts):
            continue
        graph = minter.source_graph(graph_name_for(file))
        wanted.add(graph)
        if graph not in loaded:
            found.new.append(file)
        elif loaded[graph] != sha256(file):
            found.changed.append(file)
        else:
            found.unchanged.append(file)
    below = minter.source_graph(graph_name_for(folder)) + "/"
    found.gone = sorted(graph for graph in loaded if graph.startswith(below) and graph not in wanted)
    return found


def sha256(file: Path) -> str:
    with file.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()
