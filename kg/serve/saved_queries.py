"""The saved queries over HTTP: ``/queries`` lists them with their typed parameters, and
``/queries/NAME`` runs one with its parameters checked as ``kg query run`` checks them. A browser
(it accepts HTML) gets the pages of ``kg.serve.query_pages`` instead: the list, and each query as a
form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kg import queries
from kg.serve import query_pages, tasks
from kg.serve.app import Service, service
from kg.serve.negotiation import negotiate

router = APIRouter()
Served = Annotated[Service, Depends(service)]
ROWS = {"application/json": "json", "text/csv": "csv"}


@router.get("/queries", summary="The saved queries, with their typed parameters (a page for browsers)")
def saved_queries(request: Request, served: Served) -> Any:
    if _browser(request):
        return query_pages.saved_queries_page(request, served)
    return [query.to_json() | {"url": f"/queries/{query.name}"} for query in queries.catalogue().values()]


@router.get("/queries/{name}", summary="Run a saved query: parameters by name; .json or .csv, or by Accept")
async def saved_query(
    request: Request, served: Served, name: str, offset: int = 0, limit: int | None = None
) -> Response:
    name, _, extension = name.partition(".")
    if not extension and _browser(request):
        return await query_pages.saved_query_page(request, served, name)
    media = {"json": "application/json", "csv": "text/csv"}.get(extension) or negotiate(
        request.headers.get("accept", ""), ROWS
    )
    queries.get(name)  # an unknown name is a 400 before anything runs
    params = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}
    body = await served.engine.run(
        tasks.saved_query, name, params, offset, limit, ROWS[media], timeout=served.settings.timeout
    )
    return Response(body, media_type=media)


def _browser(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")
