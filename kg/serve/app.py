"""The ``kg serve`` application: settings, the routers by resource, the middleware, and the engine
that runs the work (``kg.serve.engine``)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import jinja2
import uvicorn
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from kg.iris import Minter
from kg.serve import problems
from kg.serve.engine import Engine
from kg.serve.limits import REQUEST_DEADLINE, Deadline, PublicHeaders
from kg.serve.problems import HTTPProblem
from kg.store import Store, hold, stored_minter
from kg.vocab import PREFIXES

if TYPE_CHECKING:
    from kg.serve.changes import Change

SERVED = "served.json"  # in the store's folder while kg serve holds it: its address and process
TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("kg", "templates"), autoescape=True)


@dataclass(frozen=True)
class Settings:
    """What an operator sets (``kg serve --help``)."""

    update_token: str | None = None  # writes (SPARQL Update, Graph Store writes) need it as a bearer token
    timeout: float = 30.0  # seconds a request's work may take before it is stopped
    max_bytes: int = 64 * 2**20  # the largest answer
    allow_service: tuple[str, ...] = ()  # IRI prefixes of the endpoints SERVICE may call
    cors: tuple[str, ...] = ()  # origins whose scripts may read the answers
    processes: int | None = None  # query workers of a read-only server (default: two per core)
    address: str | None = None  # where other kg commands on this machine reach the server (SERVED)


CHANGES_KEPT = 21  # the last change and the ones before it that GET /changes/ID still answers


@dataclass
class Service:
    """One served store, as the routers see it."""

    engine: Engine
    settings: Settings
    minter: Minter
    lock: IO[bytes] | None = field(default=None, repr=False)
    dumping: asyncio.Lock = field(default_factory=asyncio.Lock)  # one /dump.nq at a time
    change: Change | None = None  # the last change carried out for another command (kg.serve.changes)
    earlier: dict[str, Change] = field(default_factory=dict, repr=False)  # the ones before it, by id
    change_task: asyncio.Task[None] | None = field(default=None, repr=False)
    warming: asyncio.Task[None] | None = field(default=None, repr=False)

    def begin(self, change: Change) -> None:
        """Make ``change`` the last one, keeping those before it up to ``CHANGES_KEPT``: the client of
        an earlier change may ask how it ended after another has begun."""
        if self.change is not None:
            self.earlier[self.change.id] = self.change
            while len(self.earlier) >= CHANGES_KEPT:
                del self.earlier[next(iter(self.earlier))]
        self.change = change

    def find_change(self, change_id: str) -> Change | None:
        if self.change is not None and self.change.id == change_id:
            return self.change
        return self.earlier.get(change_id)

    @property
    def changing(self) -> bool:
        return self.change is not None and self.change.state in ("running", "swapping")

    def announce(self) -> None:
        """Say in the store's folder where the server is, so that other kg commands on the store go
        through it rather than fail on its lock (``kg.served``)."""
        if self.settings.address is not None:
            found = {"url": self.settings.address, "pid": os.getpid()}
            (self.engine.path / SERVED).write_text(json.dumps(found), encoding="utf-8")

    def withdraw(self) -> None:
        if self.settings.address is not None:
            (self.engine.path / SERVED).unlink(missing_ok=True)

    def warm(self) -> None:
        """Count the front page's figures now, in the background, rather than for the first visitor."""
        self.warming = asyncio.create_task(_warm(self))

    @property
    def prefixes(self) -> dict[str, str]:
        return {**PREFIXES, "data": self.minter.base}

    def authorise(self, request: Request, change: bool = False) -> None:
        """Writes need the update token as a bearer token: 403 when the server takes no writes, 401
        when the request carries no token or a wrong one (RFC 6750: ``invalid_token``); and, but for
        the changes themselves, 503 while a change runs (the swap would lose the write)."""
        token = self.settings.update_token
        if token is None:
            raise HTTPProblem("this server is read-only; start it with --update-token to allow updates", 403)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise HTTPProblem(
                "updates need Authorization: Bearer TOKEN", 401, {"WWW-Authenticate": 'Bearer realm="citekg"'}
            )
        if not secrets.compare_digest(given.strip().encode("latin-1"), token.encode()):  # the bytes sent
            raise HTTPProblem(
                "the update token is wrong",
                401,
                {"WWW-Authenticate": 'Bearer realm="citekg", error="invalid_token"'},
            )
        if self.changing and not change:
            raise HTTPProblem(
                "a load or drop is being carried out on this store; writes wait until it ends",
                503,
                {"Retry-After": "30"},
            )

    def allows(self, endpoint: str | None) -> bool:
        """Whether SERVICE may call this endpoint (None: one that cannot be checked, never)."""
        return endpoint is not None and any(endpoint.startswith(p) for p in self.settings.allow_service)


def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


def create_app(path: str | Path, settings: Settings | None = None) -> FastAPI:
    """The HTTP application for the store at ``path``. It holds the store folder's lock until it
    shuts down; its workers start with it (or with the first request, where no lifespan runs)."""
    settings = settings or Settings()
    path = Path(path)
    lock = hold(path)
    from kg.serve.changes import clear_leftovers

    clear_leftovers(path)  # the side stores of changes a server stopped in the middle of
    writable = settings.update_token is not None
    if not writable:
        Store(path, lock=False).close()  # finish or undo a load cut short before readers open it
    # a read-only server that calls no service needs no Internet: its workers get none (kg.serve.sandbox)
    offline = not writable and not settings.allow_service
    engine = Engine(path, writable=writable, processes=settings.processes, offline=offline)
    served = Service(engine, settings, stored_minter(path), lock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await served.engine.start()
        served.warm()  # the front page's figures, before the first visitor
        served.announce()
        yield
        served.withdraw()
        for running in (served.warming, served.change_task):
            if running is not None:
                running.cancel()
        await served.engine.close()
        if served.lock is not None:
            served.lock.close()

    app = FastAPI(
        title="citekg",
        summary="A citation knowledge graph as linked data: SPARQL 1.1, saved queries and hub summaries.",
        version="0.2",
        lifespan=lifespan,
        docs_url=None,  # served below with its assets from this machine, not a CDN
        redoc_url=None,
    )
    app.state.service = served
    problems.install(app)
    from kg.serve import (
        api,
        changes,
        docs,
        graph_store,
        pages,
        protocol,
        query_pages,
        resources,
        saved_queries,
    )

    docs.install(app)
    routers = (protocol, graph_store, changes, saved_queries, query_pages, api, pages, resources)
    for module in routers:  # resources last: it has /{path}
        app.include_router(module.router)
    app.add_middleware(PublicHeaders)
    if settings.cors:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors),
            allow_methods=["GET", "POST", "HEAD"],
            allow_headers=["Accept", "Content-Type", "Authorization"],
            max_age=600,
        )
    return app


async def _warm(served: Service) -> None:
    from kg.serve import tasks

    with suppress(Exception):  # a store too big for the time limit: the first visitor waits instead
        await served.engine.run(tasks.front_page, timeout=served.settings.timeout)


def server_config(app: Any, host: str, port: int, deadline: float = REQUEST_DEADLINE) -> uvicorn.Config:
    """uvicorn's settings for kg serve: its HTTP/1.1 protocol, with a deadline for requests to arrive."""
    protocol = type("DeadlineProtocol", (Deadline,), {"deadline": deadline})
    return uvicorn.Config(app, host=host, port=port, log_level="warning", http=protocol)
