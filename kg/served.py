"""The other ``kg`` commands on a store that ``kg serve`` holds: they go through the server rather than
fail on the store's lock. Reading commands ask its SPARQL endpoint (``kg.remote``); ``kg load``, ``kg
drop`` and ``kg restore`` send their change to it with the update token (``KG_UPDATE_TOKEN``), and the
server carries it out while it goes on serving (``kg.serve.changes``), telling how far it has got.

The server says where it listens in ``served.json`` in the store's folder while it runs."""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import CitekgError, InvalidArgument, InvalidInput, RecordError, StoreBusy

SERVED = "served.json"
POLL = 0.2  # seconds between two looks at a change under way


@dataclass(frozen=True)
class Server:
    """A running ``kg serve`` on this machine, and the token its changes need."""

    url: str  # ends in /
    token: str | None = None

    @property
    def endpoint(self) -> str:
        return self.url + "sparql"

    def change(
        self,
        kind: str,
        file: Path | None = None,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Have the server carry out a load, drop or restore, and wait for it: its report. Bad records
        come back as InvalidInput naming ``file``; another change under way is StoreBusy."""
        if file is not None and not file.is_file():
            raise InvalidArgument(f"{file}: no such file")
        parameters = {"kind": kind, **{k: _flag(v) for k, v in options.items() if v is not None}}
        if file is not None:
            parameters |= {"name": file.name, "shown": str(file)}
        now = self._ask(self.url + "changes", "GET")  # before sending a file that may be refused
        if now["running"] is not None:
            raise _busy(self.url, now["running"])
        if kind == "restore" and not now["empty"]:
            raise CitekgError(
                f"the store that {self.url} serves is not empty; a restore rebuilds an empty store"
            )
        address = f"{self.url}changes?{urllib.parse.urlencode(parameters)}"
        if file is not None:
            with file.open("rb") as body:
                headers = {
                    "Content-Length": str(file.stat().st_size),
                    "Content-Type": "application/octet-stream",
                }
                started = self._ask(address, "POST", body, headers)
        else:
            started = self._ask(address, "POST", b"", {"Content-Length": "0"})
        state = started
        while state["state"] in ("running", "swapping"):
            if on_progress is not None:
                on_progress(state)
            time.sleep(POLL)
            state = self._ask(self.url + state["url"].lstrip("/"), "GET")
        if on_progress is not None:
            on_progress(state)
        if state["state"] == "failed":
            if state["records"]:
                shown = str(file) if file is not None else ""
                raise InvalidInput(
                    [RecordError(shown, r["line"], r["field"], r["message"]) for r in state["records"]]
                )
            failure = CitekgError(f"the server at {self.url} did not carry out the {kind}: {state['error']}")
            failure.exit_code = state["exit_code"]  # as the command would exit offline
            raise failure
        report: dict[str, Any] = state["report"]
        return report | {"skipped": state["skipped"]}

    def _ask(
        self, address: str, method: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        import urllib.error
        import urllib.request

        sent = {**(headers or {}), **({"Authorization": f"Bearer {self.token}"} if self.token else {})}
        request = urllib.request.Request(address, data=body, method=method, headers=sent)
        try:
            with urllib.request.build_opener().open(request, timeout=60) as response:
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace").strip()
            if error.code == 409 and text.startswith("{"):  # (a restore into a full store is a 409 too)
                raise _busy(self.url, json.loads(text)) from None
            if error.code == 403:  # a server without an update token: the store stays busy for changes
                raise StoreBusy(
                    f"kg serve holds this store ({self.url}) and takes no changes ({text}); stop it, or "
                    "start it with --update-token"
                ) from None
            if error.code == 401:
                raise CitekgError(
                    f"kg serve holds this store ({self.url}); changes go through it with its update "
                    f"token: set KG_UPDATE_TOKEN ({text})"
                ) from None
            raise CitekgError(f"the server at {self.url} refused: {text}") from None
        except (urllib.error.URLError, OSError) as error:
            raise CitekgError(f"the server at {self.url} did not answer: {error}") from None


def server_of(store: Path, token: str | None = None) -> Server | None:
    """The ``kg serve`` that holds the store at ``store``, if one runs and answers."""
    try:
        said = json.loads((store / SERVED).read_text(encoding="utf-8"))
        os.kill(int(said["pid"]), 0)  # a server that died without cleaning up is none
        url = str(said["url"])
    except (OSError, ValueError, KeyError):
        return None
    import urllib.request  # (only where a server said it runs: HTTP's modules cost a small command's start)

    try:
        with urllib.request.build_opener().open(url + "sparql?query=ASK%7B%7D", timeout=5):
            pass
    except (OSError, ValueError):  # (urllib's URLError is an OSError)
        return None
    return Server(url, token if token is not None else os.environ.get("KG_UPDATE_TOKEN"))


def _busy(url: str, running: dict[str, Any]) -> StoreBusy:
    return StoreBusy(
        f"the server at {url} is carrying out another {running['kind']} "
        f"({running['what']}, {_how_far(running)}); try again when it ends"
    )


def _flag(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _how_far(change: dict[str, Any]) -> str:
    if change.get("total"):
        return f"{change['phase']}, {100 * change['done'] / change['total']:.0f}%"
    return str(change.get("phase") or "starting")
