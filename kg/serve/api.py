"""The JSON API beside the pages: the same answers as ``kg hub --format json`` and ``kg citing --format
json``, with the paper as a query parameter, so that no id is ambiguous (a DOI may end in ``.json``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from kg import hub as hubs
from kg.serve import tasks
from kg.serve.app import Service, service

router = APIRouter(prefix="/api", tags=["JSON API"])
Served = Annotated[Service, Depends(service)]
Sort = Literal["year", "year-asc", "title", "title-desc"]


@router.get("/hub", summary="A paper's hub summary (= kg hub --format json)")
async def hub(
    served: Served,
    paper: Annotated[str, Query(description="The paper, by any id (doi:..., arxiv:...) or its IRI.")],
) -> dict[str, Any]:
    summary = await served.engine.run(tasks.hub_summary, paper, timeout=served.settings.timeout)
    found: dict[str, Any] = summary.to_json()
    return found


@router.get("/citing", summary="One page of a paper's citing papers (= kg citing --format json)")
async def citing(
    served: Served,
    paper: Annotated[str, Query(description="The cited paper, by any id or its IRI.")],
    role: Annotated[str | None, Query(description="Only this primary role, or unclassified.")] = None,
    polarity: Annotated[str | None, Query(description="Only this polarity, or unclassified.")] = None,
    from_year: Annotated[int | None, Query(description="Only citing papers from this year on.")] = None,
    to_year: Annotated[int | None, Query(description="Only citing papers up to this year.")] = None,
    sort: Sort = "year",
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> dict[str, Any]:
    filters = {"role": role, "polarity": polarity, "from_year": from_year, "to_year": to_year}
    total, rows = await served.engine.run(
        tasks.citing, paper, filters, sort, page, page_size, timeout=served.settings.timeout
    )
    return hubs.citing_json(total, rows, page, page_size)
