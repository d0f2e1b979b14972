"""citekg: papers, citations and citation-role annotations as one linked-data graph.

import kg
store = kg.Store("citekg.store")            # kg.Store(None) keeps it in memory
kg.load(store, "examples/hub.jsonl")
kg.hub_summary(store, "arxiv:2402.13929").headline
# 'Mixed citation behavior. Most common role is background (50%).'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each public name and the module that holds it, imported when first used: a command imports only what
# it needs (the loader's pydantic models, say, cost more than the engine's own import).
_WHERE = {
    "CitekgError": "kg.errors",
    "InvalidArgument": "kg.errors",
    "InvalidInput": "kg.errors",
    "InvalidSetting": "kg.errors",
    "QueryError": "kg.errors",
    "QueryTimeout": "kg.errors",
    "RecordError": "kg.errors",
    "RemoteError": "kg.errors",
    "StoreBusy": "kg.errors",
    "UnknownPaper": "kg.errors",
    "export": "kg.exporter",
    "HubSummary": "kg.hub",
    "citing": "kg.hub",
    "hub_summary": "kg.hub:summary",
    "PaperId": "kg.ids",
    "parse_id": "kg.ids",
    "LoadReport": "kg.loader",
    "drop": "kg.loader",
    "load": "kg.loader",
    "run_query": "kg.queries",
    "Annotation": "kg.records",
    "Citation": "kg.records",
    "Paper": "kg.records",
    "RestoreReport": "kg.restore",
    "restore": "kg.restore",
    "Source": "kg.stats",
    "Stats": "kg.stats",
    "sources": "kg.stats",
    "store_stats": "kg.stats",
    "Settings": "kg.settings",
    "open": "kg.settings",
    "Store": "kg.store",
    "Validation": "kg.validation",
    "validate": "kg.validation",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    module, _, attribute = _WHERE[name].partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from kg.errors import (
        CitekgError,
        InvalidArgument,
        InvalidInput,
        InvalidSetting,
        QueryError,
        QueryTimeout,
        RecordError,
        RemoteError,
        StoreBusy,
        UnknownPaper,
    )
    from kg.exporter import export
    from kg.hub import HubSummary, citing
    from kg.hub import summary as hub_summary
    from kg.ids import PaperId, parse_id
    from kg.loader import LoadReport, drop, load
    from kg.queries import run_query
    from kg.records import Annotation, Citation, Paper
    from kg.restore import RestoreReport, restore
    from kg.settings import Settings, open
    from kg.stats import Source, Stats, sources, store_stats
    from kg.store import Store
    from kg.validation import Validation, validate

__all__ = [
    "Annotation",
    "Citation",
    "CitekgError",
    "HubSummary",
    "InvalidArgument",
    "InvalidInput",
    "InvalidSetting",
    "LoadReport",
    "Paper",
    "PaperId",
    "QueryError",
    "QueryTimeout",
    "RecordError",
    "RemoteError",
    "RestoreReport",
    "Settings",
    "Source",
    "Stats",
    "Store",
    "StoreBusy",
    "UnknownPaper",
    "Validation",
    "citing",
    "drop",
    "export",
    "hub_summary",
    "load",
    "open",
    "parse_id",
    "restore",
    "run_query",
    "sources",
    "store_stats",
    "validate",
]
