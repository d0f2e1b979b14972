"""The SPARQL 1.1 Protocol at ``/sparql``: queries by GET or POST (form or direct body), updates by
POST with the update token, and the service description when no query is given.

The dataset of a query is the one the request names: ``default-graph-uri`` / ``named-graph-uri``
first, else the query's own ``FROM`` / ``FROM NAMED``; only a request that names none queries the
union of all graphs as its default graph. Relative IRIs resolve against the endpoint's address.
``SERVICE`` is refused unless its endpoint is allowed (``--allow-service``).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kg.serve import lexing, tasks
from kg.serve.app import Service, service
from kg.serve.limits import MAX_QUERY_BODY, read_body
from kg.serve.negotiation import TRIPLES, negotiate
from kg.serve.problems import BadRequest, FederationRefused, HTTPProblem

router = APIRouter()
FORM, QUERY, UPDATE = (
    "application/x-www-form-urlencoded",
    "application/sparql-query",
    "application/sparql-update",
)
Served = Annotated[Service, Depends(service)]
# ?format= names an answer's type where a client cannot send Accept (a download link); a solutions
# format asked of a graph, or the reverse, is a 406 as its Accept would be
FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
}


@router.get("/sparql", summary="SPARQL 1.1 query (GET); without a query, the service description")
async def sparql_get(request: Request, served: Served) -> Response:
    parameters = {key: request.query_params.getlist(key) for key in request.query_params}
    if "update" in parameters:
        raise HTTPProblem("an update is sent by POST", 405, {"Allow": "POST"})
    if "query" not in parameters:
        return _description(request, served)
    return await _query(request, served, _one(parameters, "query"), parameters)


@router.post("/sparql", summary="SPARQL 1.1 query or update (POST: form or direct body)")
async def sparql_post(request: Request, served: Served) -> Response:
    media, charset = _content_type(request)
    if media not in (FORM, QUERY, UPDATE):
        raise HTTPProblem(f"POST takes {FORM}, {QUERY} or {UPDATE}", 415)
    if charset not in (None, "utf-8", "utf8"):
        raise HTTPProblem(f"the body must be UTF-8, not {charset}", 415)
    if media == UPDATE:
        served.authorise(request)  # before reading the body: an anonymous client sends nothing more
    body = _text(await read_body(request, MAX_QUERY_BODY))
    parameters = {key: request.query_params.getlist(key) for key in request.query_params}
    if media == FORM:
        for key, values in parse_qs(body, keep_blank_values=True).items():
            parameters.setdefault(key, []).extend(values)
        if "query" in parameters and "update" in parameters:
            raise BadRequest("give a query or an update, not both")
        if "update" in parameters:
            served.authorise(request)
            return await _update(request, served, _one(parameters, "update"), parameters)
        if "query" not in parameters:
            raise BadRequest("give a query (or, with the update token, an update)")
        return await _query(request, served, _one(parameters, "query"), parameters)
    if "query" in parameters or "update" in parameters:
        raise BadRequest("a query or update in the body leaves no place for another in the address")
    if media == QUERY:
        return await _query(request, served, body, parameters)
    return await _update(request, served, body, parameters)


async def _query(request: Request, served: Served, text: str, parameters: dict[str, list[str]]) -> Response:
    base = _endpoint(request)
    federated = check_services(served, text, base)
    default_graphs = [_iri(iri) for iri in parameters.get("default-graph-uri", [])]
    named_graphs = [_iri(iri) for iri in parameters.get("named-graph-uri", [])]
    if default_graphs or named_graphs:
        dataset = tasks.Dataset(default_graphs, named_graphs)
    else:
        dataset = tasks.Dataset(union=not lexing.names_dataset(text))
    settings = served.settings
    accept = request.headers.get("accept", "")
    if "format" in parameters:  # a link cannot set Accept: the query page's downloads name the format
        fmt = _one(parameters, "format")
        if fmt not in FORMATS:
            raise BadRequest(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
        accept = FORMATS[fmt]
    answer = await served.engine.run(
        tasks.sparql_query,
        text,
        accept,
        dataset,
        base,
        settings.max_bytes,
        federated,
        timeout=settings.timeout,
    )
    return Response(answer.body, media_type=answer.media)


async def _update(request: Request, served: Served, text: str, parameters: dict[str, list[str]]) -> Response:
    base = _endpoint(request)
    federated = check_services(served, text, base)
    using = [_iri(iri) for iri in parameters.get("using-graph-uri", [])]
    using_named = [_iri(iri) for iri in parameters.get("using-named-graph-uri", [])]
    if using or using_named:
        text = lexing.with_using(text, using, using_named)
    await served.engine.run(
        tasks.sparql_update, text, base, federated, timeout=served.settings.timeout, write=True
    )
    return Response(status_code=204)


def check_services(served: Service, text: str, base: str) -> bool:
    """Refuse SERVICE calls to endpoints not allowed; True when the request calls allowed ones."""
    endpoints = lexing.services(text, served.prefixes, base)
    refused = [endpoint for endpoint in endpoints if not served.allows(endpoint)]
    if refused:
        shown = ", ".join(f"<{e}>" if e else "an endpoint given by a variable" for e in refused)
        raise FederationRefused(
            f"federated queries are disabled on this server (SERVICE {shown}); its operator can allow "
            "trusted endpoints with kg serve --allow-service PREFIX"
        )
    return bool(endpoints)


def _description(request: Request, served: Service) -> Response:
    endpoint = _endpoint(request)
    accept = request.headers.get("accept", "")
    if "text/html" in accept:  # a browser: the query page, which sends its queries here
        return RedirectResponse("/query", status_code=303)
    media = negotiate(accept, TRIPLES)
    triples = _service_description(endpoint, served)
    return Response(ox.serialize(triples, format=TRIPLES[media]), media_type=media)


def _service_description(endpoint: str, served: Service) -> list[ox.Triple]:
    sd = "http://www.w3.org/ns/sparql-service-description#"
    node = ox.BlankNode()

    def says(predicate: str, value: ox.NamedNode | ox.Literal) -> ox.Triple:
        return ox.Triple(node, ox.NamedNode(predicate), value)

    triples = [
        says("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(sd + "Service")),
        says(sd + "endpoint", ox.NamedNode(endpoint)),
        says(sd + "supportedLanguage", ox.NamedNode(sd + "SPARQL11Query")),
        says(sd + "feature", ox.NamedNode(sd + "UnionDefaultGraph")),
    ]
    if served.settings.allow_service:
        triples.append(says(sd + "feature", ox.NamedNode(sd + "BasicFederatedQuery")))
    if served.settings.update_token is not None:
        triples.append(says(sd + "supportedLanguage", ox.NamedNode(sd + "SPARQL11Update")))
    formats = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv", *TRIPLES)
    triples += [says(sd + "resultFormat", ox.Literal(media)) for media in dict.fromkeys(formats)]
    return triples


def _one(parameters: dict[str, list[str]], name: str) -> str:
    values = parameters[name]
    if len(values) != 1:
        raise BadRequest(f"give one {name}, not {len(values)}")
    return values[0]


def _iri(value: str) -> str:
    try:
        return ox.NamedNode(value).value
    except ValueError as error:
        raise BadRequest(f"<{value}> is not a valid IRI: {error}") from None


def _content_type(request: Request) -> tuple[str, str | None]:
    media, *options = request.headers.get("content-type", "").split(";")
    charset = None
    for option in options:
        name, _, value = option.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the body is not UTF-8: {error}") from None


def _endpoint(request: Request) -> str:
    """The endpoint's own address: the base IRI of relative IRIs in its queries and updates."""
    return str(request.url.replace(query="", fragment=""))
