"""Changes to a served store, carried out by the server for other ``kg`` commands: ``kg load``, ``kg
drop`` and ``kg restore`` on a store that ``kg serve`` holds send their change here (with the update
token), and the site stays up while it runs.

A change is made on a side store, never on the served one: a checkpoint of it (RocksDB hard-links its
files, so the copy costs the disk of what the change adds), or an empty store for a restore, beside
the store's folder. A process of its own applies the change there (``kg.serve.apply``) while the
workers go on answering from the store as it was. When it has finished, the server holds every new
request back, lets the requests under way finish, stops the workers, swaps the two folders in one
step (``renameat2`` with ``RENAME_EXCHANGE``) and starts the workers on the changed store: every
answer is of the store before or after, none of a part of the change, and a request that came during
the swap (about a second) waits for it. A change that fails leaves the served store as it was.

One change at a time: another is refused (409) with the first's progress. While a change runs, SPARQL
Update and Graph Store writes are refused (503, Retry-After), since they would be lost in the swap.

    POST /changes?kind=load&name=FILE[&graph=&format=&paper=&replace=&skip_invalid=]   body: the file
    POST /changes?kind=drop&graph=GRAPH        POST /changes?kind=restore&name=DUMP   body: the dump
    GET  /changes      whether one may start: the change running, if any, and whether the store is empty
    GET  /changes/ID   the change's state, phase and progress, then its report or its errors (the last
                       21 changes are kept)
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from kg.serve import tasks
from kg.serve.app import CHANGES_KEPT, Service, service
from kg.serve.problems import BadRequest, HTTPProblem
from kg.store import hold

router = APIRouter(tags=["changes"])
Served = Annotated[Service, Depends(service)]
KINDS = ("load", "drop", "restore")
FLAGS = ("graph", "format", "paper", "shown")  # shown: the file as the client names it, for reports


@dataclass
class Change:
    """One change and how far it has gone, as ``GET /changes/ID`` tells it."""

    id: str
    kind: str
    what: str  # the file's name, or the graph dropped
    state: str = "running"  # running, swapping, done, failed
    phase: str | None = None
    total: int | None = None  # bytes of the phase under way, when it has a size
    done: int = 0
    started: float = field(default_factory=time.time)
    finished: float | None = None
    report: dict[str, Any] | None = None
    error: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list)  # bad records: line, field, message
    exit_code: int = 1  # what the command would exit with, had it failed so offline
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": f"/changes/{self.id}",
            "kind": self.kind,
            "what": self.what,
            "state": self.state,
            "phase": self.phase,
            "total": self.total,
            "done": self.done,
            "seconds": round((self.finished or time.time()) - self.started, 3),
            "report": self.report,
            "error": self.error,
            "records": self.records,
            "exit_code": self.exit_code,
            "skipped": self.skipped,
        }


@router.post("/changes", summary="Load, drop or restore on the served store, with the update token")
async def start(request: Request, served: Served, kind: str, name: str | None = None) -> Response:
    served.authorise(request, change=True)
    running = served.change
    if running is not None and running.state in ("running", "swapping"):
        return JSONResponse(running.to_json(), status_code=409)
    if kind not in KINDS:
        raise BadRequest(f"kind must be one of {', '.join(KINDS)}")
    options: dict[str, Any] = {
        key: request.query_params[key] for key in FLAGS if request.query_params.get(key)
    }
    for flag in ("replace", "skip_invalid"):
        if flag in request.query_params:
            options[flag] = request.query_params[flag].lower() in ("1", "true", "yes")
    if kind == "drop" and "graph" not in options:
        raise BadRequest("a drop names its graph: graph=NAME")
    if kind != "drop" and not _plain_name(name):
        raise BadRequest("name the file as it is called, without folders: name=FILE")
    change = Change(uuid.uuid4().hex, kind, str(options["graph"] if kind == "drop" else name), phase="upload")
    served.begin(change)  # before the first wait: a second request now finds it running
    store = Path(served.engine.path)
    folder = Path(tempfile.mkdtemp(prefix=_prefix(store), dir=store.parent))
    try:
        if kind == "restore" and not await served.engine.run(tasks.is_empty, timeout=served.settings.timeout):
            raise HTTPProblem("the served store is not empty; a restore rebuilds an empty store", 409)
        if kind != "drop":
            assert name is not None
            (folder / "upload").mkdir()
            options["file"] = str(folder / "upload" / name)
            with open(options["file"], "wb") as upload:
                async for chunk in request.stream():
                    upload.write(chunk)
    except BaseException as error:
        change.state, change.error, change.finished = "failed", f"not received: {error}", time.time()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    served.change_task = asyncio.create_task(_carry_out(served, change, folder, {"kind": kind, **options}))
    return JSONResponse(change.to_json(), status_code=202, headers={"Location": f"/changes/{change.id}"})


@router.get("/changes", summary="Whether a change may start now: the one running, if any (update token)")
async def ready(request: Request, served: Served) -> dict[str, Any]:
    """Asked before a file is sent: a refusal after the client has begun to send it would reach the
    client as a reset connection, not as its reason."""
    served.authorise(request, change=True)
    empty = await served.engine.run(tasks.is_empty, timeout=served.settings.timeout)
    return {"running": served.change.to_json() if served.changing and served.change else None, "empty": empty}


@router.get("/changes/{change_id}", summary="How a change goes, then its report (with the update token)")
async def progress(request: Request, served: Served, change_id: str) -> Response:
    served.authorise(request, change=True)
    change = served.find_change(change_id)
    if change is None:
        raise HTTPProblem(f"there is no change {change_id} (the server keeps the last {CHANGES_KEPT})", 404)
    return JSONResponse(change.to_json())


async def _carry_out(served: Service, change: Change, folder: Path, order: dict[str, Any]) -> None:
    """Make the side store, apply the change there in a process of its own, swap it in."""
    store = Path(served.engine.path)
    side = folder / "store"
    outcome = "failed"
    try:
        if change.kind == "restore":
            side.mkdir()
        else:
            change.phase = "copy"
            await served.engine.run(tasks.checkpoint, str(side), timeout=3600.0)
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kg.serve.apply",
            str(side),
            json.dumps(order),
            stdout=asyncio.subprocess.PIPE,
        )
        assert worker.stdout is not None
        async for line in worker.stdout:
            _heard(change, line)
        if await worker.wait() != 0 or change.error is not None:
            change.error = change.error or f"the change stopped (exit code {worker.returncode})"
            raise _Failed
        change.state, change.phase = "swapping", "swap"
        lock = hold(side)  # taken before the swap, kept after it: the served folder's lock
        await served.engine.swap(lambda: exchange(store, side))
        old, served.lock = served.lock, lock
        if old is not None:
            old.close()
        served.announce()  # in the folder that is the store now
        served.warm()  # the front page's figures, for the changed store
        outcome = "done"
    except _Failed:
        pass
    except Exception as error:  # told to the client that polls; the served store is as it was
        change.error = f"{type(error).__name__}: {error}"
    finally:
        # (before the change is told over: a client that sees it done finds no side store left)
        await asyncio.to_thread(shutil.rmtree, folder, True)
        change.finished = time.time()
        change.state = outcome


def _plain_name(name: str | None) -> bool:
    """Whether a file may be saved under this name here: one name, not hidden, as long as a file
    system takes (the graph is named by the client's own path, sent apart)."""
    if not name:
        return False
    return (
        Path(name).name == name
        and not name.startswith(".")
        and "\0" not in name
        and len(name.encode()) <= 200
    )


def clear_leftovers(store: Path) -> None:
    """Remove what changes cut short left beside the store (a server killed during one): a side store
    never swapped in, or the old store swapped out. Only the holder of the store's lock may."""
    for folder in store.parent.glob(_prefix(store) + "*"):
        shutil.rmtree(folder, ignore_errors=True)


def _prefix(store: Path) -> str:
    return f".{store.name}.change-"


class _Failed(Exception):
    """The change failed and said why."""


def _heard(change: Change, line: bytes) -> None:
    try:
        message = json.loads(line)
    except ValueError:  # not one of ours (a library that printed): not for the client
        return
    if not isinstance(message, dict):
        return
    if "phase" in message:
        change.phase, change.total, change.done = message["phase"], message["total"], 0
    elif "advance" in message:
        change.done += message["advance"]
    elif "skipped" in message:
        change.skipped.append(message["skipped"])
    elif "report" in message:
        change.report = message["report"]
    elif "error" in message:
        change.error, change.records = message["error"], message["records"]
        change.exit_code = int(message.get("exit_code", 2 if message["records"] else 1))


def exchange(first: Path, second: Path) -> None:
    """Swap two folders in one step: at every moment each path names one whole store (Linux's
    ``renameat2`` with ``RENAME_EXCHANGE``, in glibc since 2.28)."""
    libc = ctypes.CDLL(None, use_errno=True)
    at_cwd, rename_exchange = -100, 2
    if libc.renameat2(at_cwd, bytes(first), at_cwd, bytes(second), rename_exchange) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot swap {first} and {second}: {os.strerror(errno)}")
