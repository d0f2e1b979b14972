"""Writing query results for people and programs: a terminal table, JSON, NDJSON, CSV or TSV of typed
rows, and the W3C SPARQL results formats (JSON, XML, CSV, TSV) written by Oxigraph itself."""

from __future__ import annotations

import csv
import json
from typing import IO, Any

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from kg.queries import Result

ROW_FORMATS = ("table", "json", "ndjson", "csv", "tsv")
W3C_FORMATS = {
    "sparql-json": ox.QueryResultsFormat.JSON,
    "sparql-xml": ox.QueryResultsFormat.XML,
    "sparql-csv": ox.QueryResultsFormat.CSV,
    "sparql-tsv": ox.QueryResultsFormat.TSV,
}


def write_rows(result: Result, fmt: str, out: IO[str]) -> None:
    """Typed rows in one of ROW_FORMATS; JSON is ``{"columns", "rows", "truncated"}``."""
    if fmt == "json":
        json.dump(
            {"columns": result.columns, "rows": result.rows, "truncated": result.truncated},
            out,
            ensure_ascii=False,
            indent=2,
        )
        out.write("\n")
    elif fmt == "ndjson":
        for row in result.rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt in ("csv", "tsv"):
        writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([[_cell(row[column]) for column in result.columns] for row in result.rows])
    else:
        table = Table(*result.columns, show_lines=False)
        for row in result.rows:
            table.add_row(*(_cell(row[column]) for column in result.columns))
        Console(file=out, width=200).print(table)
        if result.truncated:
            out.write(f"(showing {len(result.rows)} of {result.total} rows)\n")


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
