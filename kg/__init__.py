"""citekg: papers, citations and citation-role annotations as one linked-data graph.

import kg
store = kg.Store("citekg.store")            # kg.Store(None) keeps it in memory
kg.load(store, "examples/hub.jsonl")
kg.hub_summary(store, "arxiv:2402.13929").headline
# 'Mixed citation behavior. Most common role is background (50%).'
"""

from kg.errors import (
    CitekgError,
    InvalidInput,
    InvalidSetting,
    QueryError,
    RecordError,
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
from kg.stats import Source, Stats, sources, store_stats
from kg.store import Store

__all__ = [
    "Annotation",
    "Citation",
    "CitekgError",
    "HubSummary",
    "InvalidInput",
    "InvalidSetting",
    "LoadReport",
    "Paper",
    "PaperId",
    "QueryError",
    "RecordError",
    "RestoreReport",
    "Source",
    "Stats",
    "Store",
    "StoreBusy",
    "UnknownPaper",
    "citing",
    "drop",
    "export",
    "hub_summary",
    "load",
    "parse_id",
    "restore",
    "run_query",
    "sources",
    "store_stats",
]
