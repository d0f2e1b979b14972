"""Where citekg's shipped files are: ``queries/``, ``ontology/`` and ``exports/``.

In a checkout they sit beside the package, where people read them; an installed wheel carries them
inside the package as ``kg._queries`` and so on (see pyproject.toml), as files on disk. citekg reads
them by path (a query's text, the ontology for pySHACL), and finds them by path too, without
``importlib.resources`` (4 ms of every command's start).
"""

from __future__ import annotations

from pathlib import Path


def folder(name: str) -> Path:
    """The folder ``name`` (queries, ontology or exports)."""
    package = Path(__file__).resolve().parent
    beside = package.parent / name
    return beside if beside.is_dir() else package / f"_{name}"
