"""What can go wrong in a request, as exception types, and the one table that gives each its status.

- ``HTTPProblem``: a refusal with its status, raised where the reason is known (406, 415, 401, ...).
- ``BadRequest``: the request is malformed (400).
- ``FederationRefused``: the query calls a service this server may not call (400).
- ``TooLarge``: a body or an answer passed the server's limit (413).
- ``TimedOut``: the work ran past the time limit and was stopped (503).
- ``WriteInterrupted``: an update was stopped before it committed; nothing changed (503).
- ``ServiceFailed``: an allowed federated service failed (502).

The workers raise these too: each pickles with its arguments, so it crosses the process boundary as
it is. citekg's own errors (an unknown paper, a bad parameter) map by their type as well.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.requests import ClientDisconnect

from kg.errors import CitekgError, OutdatedStore, UnknownPaper


class HTTPProblem(Exception):
    """An error with the status a client should see."""

    status = 500

    def __init__(
        self, message: str, status: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message, self.headers = message, headers or {}
        if status is not None:
            self.status = status

    def __reduce__(self) -> tuple[type, tuple[str, int, dict[str, str]]]:
        return type(self), (self.message, self.status, self.headers)


class BadRequest(HTTPProblem):
    status = 400


class FederationRefused(HTTPProblem):
    status = 400


class TooLarge(HTTPProblem):
    status = 413


class TimedOut(HTTPProblem):
    status = 503


class WriteInterrupted(HTTPProblem):
    status = 503


class ServiceFailed(HTTPProblem):
    status = 502


# (a store an older citekg derived: the server's own state, to be derived again, not the request's fault)
STATUS_OF: dict[type[Exception], int] = {UnknownPaper: 404, OutdatedStore: 503, CitekgError: 400}


def install(app: FastAPI) -> None:
    """Answer every error with its status and a one-line message (a page for a browser): no request
    makes a 500 that a client's input could cause."""

    @app.exception_handler(HTTPProblem)
    def problem(request: Request, error: HTTPProblem) -> Response:
        headers = dict(error.headers)
        if error.status == 413:
            headers["Connection"] = "close"  # the rest of the body is not read
        return answer(request, error.message, error.status, headers)

    @app.exception_handler(CitekgError)
    def citekg_problem(request: Request, error: CitekgError) -> Response:
        status = next(code for kind, code in STATUS_OF.items() if isinstance(error, kind))
        return answer(request, str(error), status)

    @app.exception_handler(ClientDisconnect)
    def gone(request: Request, error: ClientDisconnect) -> Response:
        """The client left, or was cut off for sending too slowly: nobody is there to answer."""
        return Response(status_code=408)


HEADINGS = {400: "That request cannot be answered", 404: "Not found", 503: "Try again later"}


def answer(request: Request, message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """The message as plain text, or as a page of the site when a browser asks (it accepts HTML)."""
    if "text/html" in request.headers.get("accept", ""):
        from kg.serve.app import TEMPLATES

        page = TEMPLATES.get_template("error.html").render(
            status=status, heading=HEADINGS.get(status, f"Error {status}"), message=message
        )
        return HTMLResponse(page, status_code=status, headers=headers)
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)
