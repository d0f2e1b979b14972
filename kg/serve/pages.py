"""Pages for people: a paper's hub page (``/hub/ID``, or its JSON at ``/hub/ID.json``) and the search
that leads to it."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kg import hub as hubs
from kg.explorer import SORTS
from kg.serve import tasks
from kg.serve.app import TEMPLATES, Service, service
from kg.serve.problems import BadRequest
from kg.vocab import Polarity, Role

router = APIRouter()
Served = Annotated[Service, Depends(service)]
EXPLORER_PAGE = 20


@router.get(
    "/hub/{paper:path}", summary="A paper's hub summary: an HTML page, or JSON when the id ends in .json"
)
async def hub_page(
    served: Served,
    paper: str,
    role: str | None = None,
    polarity: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    sort: str = "year",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    timeout = served.settings.timeout
    if paper.endswith(".json"):
        summary = await served.engine.run(tasks.hub_summary, paper.removesuffix(".json"), timeout=timeout)
        return JSONResponse(summary.to_json())
    filters = {"role": role, "polarity": polarity, "from_year": from_year, "to_year": to_year}
    summary, total, rows = await served.engine.run(
        tasks.hub_page, paper, filters, sort, page, EXPLORER_PAGE, timeout=timeout
    )
    return HTMLResponse(hub_html(paper, summary, total, rows, {**filters, "sort": sort}, page))


@router.get("/search", summary="Find a paper by id (redirects to its hub page) or by title words")
async def search(served: Served, q: str = "") -> Response:
    text = q.strip()
    if not text:
        raise BadRequest("give an id (doi:..., arxiv:...) or words of a title")
    found = await served.engine.run(tasks.search, text, timeout=served.settings.timeout)
    if isinstance(found, str):
        return RedirectResponse(f"/hub/{quote(text, safe=':/')}", status_code=303)
    papers = served.minter.base + "paper/"

    def hub_link(iri: str) -> str:
        scheme, _, value = iri.removeprefix(papers).partition("/")
        return f"/hub/{scheme}:{value}"

    return HTMLResponse(
        TEMPLATES.get_template("search.html").render(query=text, rows=found, hub_link=hub_link)
    )


def hub_html(
    paper: str,
    summary: hubs.HubSummary,
    total: int,
    rows: list[hubs.CitingPaper],
    filters: dict[str, Any],
    page: int,
) -> str:
    """The hub page: what ``/hub/ID.json`` says, for people, with the citing-papers explorer."""

    def link(**changes: Any) -> str:
        merged = {**filters, "page": page, **changes}
        return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    return TEMPLATES.get_template("hub.html").render(
        paper=paper,
        info=summary.paper,
        summary=summary,
        total=total,
        rows=rows,
        filters=filters,
        page=page,
        pages=max(1, -(-total // EXPLORER_PAGE)),
        link=link,
        percent=hubs.percent_text,
        roles=[role.value for role in Role],
        polarities=[polarity.value for polarity in Polarity],
        sorts=SORTS,
        json_url=f"/hub/{paper}.json",
    )
