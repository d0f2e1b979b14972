"""A change that ``kg serve`` carries out for another ``kg`` command (``kg.serve.changes``), run in a
process of its own on the side store the server made for it: ``python -m kg.serve.apply SIDE CHANGE``,
where CHANGE is the change as JSON. It tells how it goes as JSON lines on its standard output::

    {"phase": "map", "total": 1048576}   {"advance": 65536}   {"skipped": {"line": 3, "field": ...}}
    {"report": {...}}   or   {"error": "...", "records": [{"line": 3, "field": ..., "message": ...}]}

and exits 0 once the side store holds the change, 1 when it does not (nothing to swap in)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kg.errors import CitekgError, InvalidInput, RecordError
from kg.store import Store


class Reporter:
    """The loader's progress (``kg.loader.Progress``) as JSON lines, at most one advance line per
    64 KiB read, so that the server reads a few hundred lines for a large file."""

    def __init__(self) -> None:
        self.pending = 0

    def phase(self, name: str, total: int | None = None) -> None:
        self.flush()
        say({"phase": name, "total": total})

    def advance(self, done: int) -> None:
        self.pending += done
        if self.pending >= 1 << 16:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            say({"advance": self.pending})
            self.pending = 0


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def apply(side: Path, change: dict[str, Any]) -> dict[str, Any]:
    """Carry out the change on the store at ``side``; what the command would report."""
    from kg import loader
    from kg.restore import restore

    with Store(side) as store:
        if change["kind"] == "load":
            reporter = Reporter()
            report = loader.load(
                store,
                change["file"],
                change.get("graph"),
                fmt=change.get("format"),
                paper=change.get("paper"),
                replace=change.get("replace", True),
                skip_invalid=change.get("skip_invalid", False),
                on_skip=lambda error: say({"skipped": _record(error)}),
                progress=reporter,
            )
            reporter.flush()
            report.file = change.get("shown", report.file)  # the file as the client named it
            found: dict[str, Any] = report.to_json()
            return found | {"summary": report.summary()}
        if change["kind"] == "drop":
            return {"dropped": loader.drop(store, change["graph"]).value}
        restored = restore(store, change["file"])
        return {"base": restored.base, "quads": restored.quads, **restored.stats.to_json()}


def main() -> None:
    side, change = Path(sys.argv[1]), json.loads(sys.argv[2])
    try:
        say({"report": apply(side, change)})
    except InvalidInput as error:
        say({"error": "the file has invalid records", "records": [_record(e) for e in error.errors]})
        sys.exit(1)
    except CitekgError as error:
        say({"error": str(error), "records": [], "exit_code": error.exit_code})
        sys.exit(1)


def _record(error: RecordError) -> dict[str, Any]:
    """A bad record by line and field (the file is the one the client sent)."""
    return {"line": error.line, "field": error.field, "message": error.message}


if __name__ == "__main__":
    main()
