"""The query pages: ``/query`` runs SPARQL typed into a form and shows the answer as a table (IRIs
short, with the store's prefixes, and linked), its size and time, and links to download it in every
format the endpoint gives; ``/queries`` and ``/queries/NAME``, asked for by a browser, show each saved
query as a form made from its typed parameters, and its answer the same way."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from kg import queries
from kg.errors import CitekgError
from kg.serve import tasks
from kg.serve.app import TEMPLATES, Service, service
from kg.serve.links import resource_url, shorten, web_link
from kg.serve.problems import HTTPProblem
from kg.vocab import XSD, Polarity, Role

router = APIRouter()
# literals whose datatype the value shows (a number, true or false, a string): no note beside them
PLAIN = {XSD[name].value for name in ("string", "integer", "decimal", "double", "boolean")}
Served = Annotated[Service, Depends(service)]
SHOWN = 1000  # rows a page shows; the downloads have them all
SOLUTION_DOWNLOADS = {"CSV": "csv", "TSV": "tsv", "JSON": "json", "XML": "xml"}
GRAPH_DOWNLOADS = {"Turtle": "turtle", "JSON-LD": "jsonld", "N-Triples": "ntriples"}
EXAMPLES = {
    "Relations in the consensus graph": """SELECT ?relation (COUNT(*) AS ?n)
WHERE { GRAPH data:consensus { ?citing ?relation ?cited } }
GROUP BY ?relation ORDER BY DESC(?n)""",
    "Most-cited papers": """SELECT ?paper ?title (COUNT(?citing) AS ?citing_papers)
WHERE {
  GRAPH data:consensus { ?citing cito:cites ?paper }
  OPTIONAL { ?paper dcterms:title ?title }
}
GROUP BY ?paper ?title ORDER BY DESC(?citing_papers) LIMIT 20""",
    "Citations with a negative polarity": """SELECT ?citing ?cited ?role
WHERE { GRAPH data:consensus {
  ?citation cito:hasCitingEntity ?citing ; cito:hasCitedEntity ?cited ;
            ckg:primaryPolarity ckg:polarity-negative .
  OPTIONAL { ?citation ckg:primaryRole ?role }
} } LIMIT 100""",
    "A paper's description (CONSTRUCT)": """CONSTRUCT { ?paper ?p ?o }
WHERE { ?paper a fabio:Expression ; ?p ?o } LIMIT 50""",
}


@router.get("/query", summary="The SPARQL query page: a form, and the answer as a table (HTML)")
async def query_page(request: Request, served: Served, query: str = "") -> Response:
    from kg.serve.protocol import check_services

    page: dict[str, Any] = {"query": query or EXAMPLES["Relations in the consensus graph"], "table": None}
    status = 200
    if query.strip():
        base = str(request.base_url) + "sparql"  # relative IRIs resolve as at the endpoint
        try:
            federated = check_services(served, query, base)
            page["table"] = await served.engine.run(
                tasks.query_table, query, base, federated, SHOWN, timeout=served.settings.timeout
            )
        except HTTPProblem as problem:
            page["message"], status = problem.message, problem.status
        kinds = GRAPH_DOWNLOADS if page["table"] and page["table"].graph else SOLUTION_DOWNLOADS
        page["downloads"] = {
            label: "/sparql?" + urlencode({"query": query, "format": fmt}) for label, fmt in kinds.items()
        }
    return render("query.html", request, served, status, examples=EXAMPLES, **page)


def saved_queries_page(request: Request, served: Service) -> Response:
    return render("queries.html", request, served, 200, catalogue=queries.catalogue())


async def saved_query_page(request: Request, served: Service, name: str) -> Response:
    """A saved query's form; its answer too once every required parameter has a value."""
    query = queries.get(name)
    given = {k: v.strip() for k, v in request.query_params.items() if v.strip() and k != "run"}
    missing = [p.name for p in query.params if p.required and p.name not in given]
    page: dict[str, Any] = {"saved": query, "given": given, "table": None, "sparql": None}
    status = 200
    if given and missing:
        page["message"], status = f"give a value for {', '.join(missing)}", 400
    elif not missing and (given or not query.params or "run" in request.query_params):
        try:
            page["sparql"], page["table"] = await served.engine.run(
                tasks.saved_query_table, name, given, SHOWN, timeout=served.settings.timeout
            )
        except CitekgError as error:
            page["message"], status = str(error), 400
        except HTTPProblem as problem:
            page["message"], status = problem.message, problem.status
        page["downloads"] = {
            label: f"/queries/{name}.{fmt}?" + urlencode(given)
            for label, fmt in (("CSV", "csv"), ("JSON", "json"))
        }
    return render("saved_query.html", request, served, status, choices=choices, **page)


def choices(param: queries.Param) -> list[str]:
    """The values a parameter's form field offers (none: a text box)."""
    if param.choices:
        return param.choices
    offered: dict[str, list[str]] = {
        "role": [role.value for role in Role],
        "polarity": [polarity.value for polarity in Polarity],
        "boolean": ["true", "false"],
    }
    return offered.get(param.type, [])


def render(template: str, request: Request, served: Service, status: int, **values: Any) -> HTMLResponse:
    """A query page, with what its tables need to show terms: short names and links."""
    served_at = str(request.base_url)

    def term(cell: tasks.Cell | None) -> dict[str, str | None]:
        if cell is None:
            return {"text": "", "href": None, "note": None}
        if cell.kind == "iri":
            return {
                "text": shorten(cell.value, served.prefixes),
                "href": resource_url(served.minter, cell.value, served_at) or web_link(cell.value),
                "note": None,
            }
        if cell.kind == "blank":
            return {"text": f"_:{cell.value}", "href": None, "note": None}
        note = f"@{cell.language}" if cell.language else None
        if cell.datatype and cell.datatype not in PLAIN:
            note = shorten(cell.datatype, served.prefixes)
        return {"text": cell.value, "href": None, "note": note}

    prologue = "".join(f"PREFIX {name}: <{space}>\n" for name, space in sorted(served.prefixes.items()))
    return HTMLResponse(
        TEMPLATES.get_template(template).render(term=term, prefixes=prologue, **values), status_code=status
    )
