"""Pages for people: the front page (``/``), a paper's hub page (``/hub/ID``) with its citing-papers
explorer, and the search that leads to them.

The explorer's form is read leniently: an empty box is no filter, and a value that cannot be one (a
year ``abc``, an unknown role) is left out and named in a message on the page, with status 400, never
answered with JSON. A page past the last shows the last."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kg import hub as hubs
from kg.explorer import SORTS, UNCLASSIFIED
from kg.ids import PaperId, parse_id
from kg.serve import charts, tasks
from kg.serve.app import TEMPLATES, Service, service
from kg.serve.links import hub_url, id_links, paper_links, resource_url
from kg.serve.problems import BadRequest
from kg.vocab import POLARITY_SYNONYMS, ROLE_SYNONYMS, Polarity, Role

router = APIRouter()
Served = Annotated[Service, Depends(service)]
PAGE_SIZES = (10, 20, 50, 100)
SORT_LABELS = {
    "year": "newest first",
    "year-asc": "oldest first",
    "title": "title A-Z",
    "title-desc": "title Z-A",
}


@dataclass(frozen=True)
class ExplorerForm:
    """The explorer's filters, order and page as the form and its links send them."""

    role: str | None = None
    polarity: str | None = None
    from_year: int | None = None
    to_year: int | None = None
    sort: str = "year"
    page: int = 1
    page_size: int = 20
    problems: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, params: Any) -> ExplorerForm:
        """The form from query parameters (the last of a repeated one wins), every bad value dropped
        and named in ``problems``."""
        problems: list[str] = []
        given = {key: params.getlist(key)[-1].strip() for key in params}

        def choice(name: str, synonyms: dict[str, Any], labels: type[Role] | type[Polarity]) -> str | None:
            text = given.get(name) or None
            if text is None or text == UNCLASSIFIED:
                return text
            if text.lower() in synonyms:
                return str(synonyms[text.lower()].value)
            names = ", ".join([*(label.value for label in labels), UNCLASSIFIED])
            problems.append(f"{name}: {text!r} is not one of {names}")
            return None

        def number(name: str, default: int | None, low: int, high: int) -> int | None:
            text = given.get(name) or ""
            if not text:
                return default
            try:
                value = int(text)
            except ValueError:
                problems.append(f"{name}: {text!r} is not a whole number")
                return default
            if not low <= value <= high:
                problems.append(f"{name}: {value} is not between {low} and {high}")
                return default
            return value

        sort = given.get("sort") or "year"
        if sort not in SORTS:
            problems.append(f"sort: {sort!r} is not one of {', '.join(SORTS)}")
            sort = "year"
        page_size = number("page_size", 20, 1, 1000)
        return cls(
            role=choice("role", ROLE_SYNONYMS, Role),
            polarity=choice("polarity", POLARITY_SYNONYMS, Polarity),
            from_year=number("from_year", None, -9999, 9999),
            to_year=number("to_year", None, -9999, 9999),
            sort=sort,
            page=number("page", 1, 1, 10**9) or 1,
            page_size=page_size or 20,
            problems=problems,
        )

    def filters(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "polarity": self.polarity,
            "from_year": self.from_year,
            "to_year": self.to_year,
        }

    def link(self, **changes: Any) -> str:
        """The query string of this form with some values changed (None: left out)."""
        values = {
            **self.filters(),
            "sort": self.sort,
            "page": self.page,
            "page_size": self.page_size,
            **changes,
        }
        defaults = {"sort": "year", "page": 1, "page_size": 20}
        return "?" + urlencode({k: v for k, v in values.items() if v is not None and defaults.get(k) != v})


@router.get("/", summary="The front page: what the store holds, search, most-cited and contested papers")
async def front_page(served: Served) -> Response:
    if served.warming is not None and not served.warming.done():  # counting already: wait for it
        await asyncio.wait([served.warming], timeout=served.settings.timeout)
    front = await served.engine.run(tasks.front_page, timeout=served.settings.timeout)
    return HTMLResponse(
        TEMPLATES.get_template("index.html").render(
            front=front,
            last_loaded=max((source.loaded for source in front.sources), default=None),
            links=lambda iri: paper_links(served.minter, iri),
            percent=hubs.percent_text,
        )
    )


@router.get(
    "/hub/{paper:path}",
    summary="A paper's hub page; /hub/ID.json is its JSON where no paper has the id ending in .json "
    "(use /api/hub?paper=ID)",
)
async def hub_page(request: Request, served: Served, paper: str) -> Response:
    timeout = served.settings.timeout
    if paper.endswith(".json") and not await served.engine.run(tasks.is_paper, paper, timeout=timeout):
        summary = await served.engine.run(tasks.hub_summary, paper.removesuffix(".json"), timeout=timeout)
        return JSONResponse(summary.to_json())
    form = ExplorerForm.read(request.query_params)
    view = await served.engine.run(
        tasks.hub_page, paper, form.filters(), form.sort, form.page, form.page_size, timeout=timeout
    )
    form = replace(form, page=view.page)
    html = hub_html(served, paper, view, form, str(request.base_url))
    return HTMLResponse(html, status_code=400 if form.problems else 200)


@router.get("/search", summary="Find a paper by id (redirects to its hub page) or by title words")
async def search(served: Served, q: str = "") -> Response:
    text = q.strip()
    if not text:
        raise BadRequest("give an id (doi:..., arxiv:...) or words of a title")
    found = await served.engine.run(tasks.search, text, timeout=served.settings.timeout)
    if isinstance(found, str):
        return RedirectResponse(hub_url(parse_id(text)), status_code=303)
    return HTMLResponse(
        TEMPLATES.get_template("search.html").render(
            search_text=text, rows=found, links=lambda iri: paper_links(served.minter, iri)
        )
    )


def hub_html(served: Service, paper: str, view: tasks.HubView, form: ExplorerForm, served_at: str) -> str:
    """The hub page: what ``kg hub`` says, for people, with the citing-papers explorer."""
    summary = view.summary
    return TEMPLATES.get_template("hub.html").render(
        paper=paper,
        info=summary.paper,
        id_links=[
            (scheme, value, id_links(PaperId(scheme, value)))
            for scheme, values in summary.paper.ids.items()
            for value in values
        ],
        summary=summary,
        view=view,
        form=form,
        pages=max(1, -(-view.total // form.page_size)),
        links=lambda iri: paper_links(served.minter, iri),
        notice_page=lambda iri: resource_url(served.minter, iri, served_at),
        percent=hubs.percent_text,
        colours=charts.COLOURS,
        timeline=charts.timeline(view.role_years),
        roles=[role.value for role in Role],
        polarities=[polarity.value for polarity in Polarity],
        sorts=SORT_LABELS,
        page_sizes=PAGE_SIZES,
        unclassified=UNCLASSIFIED,
        json_url="/api/hub?" + urlencode({"paper": paper}),
    )
