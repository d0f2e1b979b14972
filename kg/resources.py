"""Where citekg's shipped files are: ``queries/``, ``ontology/`` and ``exports/``.

In a checkout they sit beside the package, where people read them; an installed wheel carries them
inside the package as ``kg._queries`` and so on (see pyproject.toml).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def folder(name: str) -> Path:
    """The folder ``name`` (queries, ontology or exports)."""
    beside = Path(__file__).resolve().parent.parent / name
    if beside.is_dir():
        return beside
    return Path(str(files(f"kg._{name}")))
