"""The bounds a public server keeps, in one place: request bodies refused as soon as they pass their
limit, requests that arrive too slowly cut off, and the headers every answer carries (``nosniff``,
``Vary: Accept``), with HEAD answered on every GET route."""

from __future__ import annotations

import asyncio

import h11
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from kg.serve.problems import BadRequest, TooLarge

REQUEST_DEADLINE = 10.0  # seconds a request (headers and body) may take to arrive
MAX_QUERY_BODY = 16 * 2**20  # a query or an update sent in a request body
MAX_GRAPH_BODY = 64 * 2**20  # a graph sent to the Graph Store Protocol


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refused with 413 once it passes ``limit`` bytes: a declared length over
    the limit is refused before a byte is read, a chunked one when the limit is passed, and the rest
    is never read (the connection then closes)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadRequest("Content-Length is not a number")
        if int(declared) > limit:
            raise TooLarge(f"the request body is larger than the server's limit of {limit:,} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"the request body is larger than the server's limit of {limit:,} bytes")
    return bytes(body)


class PublicHeaders:
    """Every answer says ``X-Content-Type-Options: nosniff`` and ``Vary: Accept``; a HEAD request is
    answered as its GET would be, without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
                vary = [v for k, v in message.get("headers", []) if k.lower() == b"vary"]
                fields = {b"accept", *(f.strip().lower() for v in vary for f in v.split(b","))}
                headers += [(b"x-content-type-options", b"nosniff"), (b"vary", b", ".join(sorted(fields)))]
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, answer)


class Deadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline: a client that sends a request (headers and body)
    more slowly than ``deadline`` seconds gets 408 and the connection closes, so that slow clients
    cannot hold the server's connections (uvicorn closes idle keep-alive connections, but waits for
    a request that trickles in as long as it takes)."""

    deadline = REQUEST_DEADLINE

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._timer: asyncio.TimerHandle | None = self.loop.call_later(self.deadline, self._too_slow)

    def data_received(self, data: bytes) -> None:
        if self._timer is None and self.conn.their_state is h11.IDLE:  # a next request on the connection
            self._timer = self.loop.call_later(self.deadline, self._too_slow)
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE and self.conn.their_state is not h11.SEND_BODY:
            self._stop_timer()  # the request arrived whole

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _too_slow(self) -> None:
        self._timer = None
        if self.transport.is_closing() or self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            return
        if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):  # no answer begun: say why
            body = f"the request did not arrive within {self.deadline:g} s\n".encode()
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
            self.transport.write(self.conn.send(h11.Response(status_code=408, headers=headers)))
            self.transport.write(self.conn.send(h11.Data(data=body)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()
