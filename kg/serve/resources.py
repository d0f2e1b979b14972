"""Linked data: every IRI the store minted dereferences (when the store's base is this server) to its
description, in RDF or as a page; ``/describe?iri=`` does the same for any IRI; ``/ontology``, the
dataset's VoID description and the whole dump.

``/dump.nq`` streams the store as N-Quads while the client reads it, with the server's memory flat;
one dump is sent at a time (another client is told to retry), since it keeps a worker busy for as
long as it takes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from kg import exporter, linked_data
from kg.serve import tasks
from kg.serve.app import TEMPLATES, Service, service
from kg.serve.links import paper_links, resource_url, shorten, web_link
from kg.serve.negotiation import GRAPHS, negotiate
from kg.serve.problems import BadRequest, HTTPProblem
from kg.vocab import RDF

router = APIRouter()
Served = Annotated[Service, Depends(service)]


@router.get("/.well-known/void", summary="A VoID and DCAT description of the dataset")
async def void_description(request: Request, served: Served) -> Response:
    base = str(request.base_url)
    triples = await served.engine.run(
        tasks.void, base + "sparql", base + "dump.nq", timeout=served.settings.timeout
    )
    return _rdf(triples, request, served)


@router.get("/dump.nq", summary="Everything the store holds, as N-Quads (streamed; one dump at a time)")
async def dump(served: Served) -> Response:
    if served.dumping.locked():
        raise HTTPProblem(
            "a dump is being sent to another client; try again later", 503, {"Retry-After": "60"}
        )
    await served.dumping.acquire()

    async def chunks() -> AsyncIterator[bytes]:
        try:
            async for chunk in served.engine.stream(tasks.dump):
                yield chunk
        finally:
            served.dumping.release()

    return StreamingResponse(chunks(), media_type="application/n-quads")


@router.get("/context.jsonld", summary="The JSON-LD context of citekg's exports and JSON-LD answers")
def jsonld_context() -> Response:
    document = json.dumps({"@context": exporter.context()}, ensure_ascii=False, indent=2)
    return Response(document, media_type="application/ld+json")


@router.get("/ontology", summary="The citekg ontology: Turtle, or its documentation for browsers")
def ontology(request: Request) -> Response:
    accept = request.headers.get("accept", "")
    if "text/html" in accept:
        return HTMLResponse(
            TEMPLATES.get_template("ontology.html").render(terms=linked_data.ontology_terms())
        )
    media = negotiate(accept, GRAPHS)
    if media == "text/turtle":
        return Response(linked_data.ontology_turtle(), media_type=media)
    triples = [q.triple for q in ox.parse(linked_data.ontology_turtle(), format=ox.RdfFormat.TURTLE)]
    return Response(ox.serialize(triples, format=GRAPHS[media]), media_type=media)


@router.get("/describe", summary="The description of any resource the store holds, by its IRI")
async def describe(request: Request, served: Served, iri: str) -> Response:
    return await _resource(request, served, iri)


@router.get("/{path:path}", summary="A resource this store minted, when its IRI base is this server")
async def dereference(request: Request, served: Served, path: str) -> Response:
    iri = str(request.base_url) + path
    if not iri.startswith(served.minter.base):
        raise HTTPProblem(
            f"nothing here; the store mints IRIs under {served.minter.base} (try /describe?iri=)", 404
        )
    return await _resource(request, served, iri)


INCOMING = 200  # links into a resource its page lists
RDF_FORMATS = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}


async def _resource(request: Request, served: Service, iri: str) -> Response:
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        raise BadRequest(f"<{iri}> is not a valid IRI: {error}") from None
    canonical, triples, incoming = await served.engine.run(
        tasks.describe, iri, INCOMING, timeout=served.settings.timeout
    )
    served_at = str(request.base_url)

    if canonical is not None:  # merged into another: the IRI stays, and points there for good
        return RedirectResponse(
            resource_url(served.minter, canonical, served_at) or canonical, status_code=301
        )
    if not triples:
        raise HTTPProblem(f"the store says nothing about <{iri}>", 404)

    def page() -> str:
        labels = linked_data.labels()

        def term(value: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict[str, str | None]:
            if isinstance(value, ox.NamedNode):
                return {
                    "text": labels.get(value.value) or shorten(value.value, served.prefixes),
                    "href": resource_url(served.minter, value.value, served_at) or web_link(value.value),
                    "title": value.value,
                }
            if isinstance(value, ox.Literal):
                return {"text": value.value, "href": None, "title": None}
            return {"text": str(value), "href": None, "title": None}

        types = [
            t.object for t in triples if t.subject.value == iri and t.predicate.value == RDF["type"].value
        ]
        return TEMPLATES.get_template("resource.html").render(
            iri=iri,
            short=shorten(iri, served.prefixes),
            kinds=[term(kind) for kind in types],
            outgoing=[  # the blank nodes the description reaches are named where their triples start
                (None if t.subject.value == iri else str(t.subject), term(t.predicate), term(t.object))
                for t in triples
            ],
            incoming=[(term(t.subject), term(t.predicate)) for t in incoming],
            more_incoming=len(incoming) >= INCOMING,
            paper=paper_links(served.minter, iri),
            formats=RDF_FORMATS,
        )

    return _rdf(triples, request, served, page)


def _rdf(
    triples: list[ox.Triple], request: Request, served: Service, html_page: Callable[[], str] | None = None
) -> Response:
    """The triples in the format ``?format=`` names, else the one Accept prefers (a page for a browser
    where there is one)."""
    accept = request.headers.get("accept", "")
    named = request.query_params.get("format")
    if named is not None:
        if named not in RDF_FORMATS:
            raise BadRequest(f"format {named!r} is not one of {', '.join(RDF_FORMATS)}")
        accept = RDF_FORMATS[named]
    if html_page is not None and "text/html" in accept:
        return HTMLResponse(html_page())
    media = negotiate(accept, GRAPHS)
    if GRAPHS[media] is ox.RdfFormat.JSON_LD:
        return Response(exporter.jsonld_document(triples), media_type=media)
    prefixes = served.prefixes if GRAPHS[media] is ox.RdfFormat.TURTLE else None
    return Response(ox.serialize(triples, format=GRAPHS[media], prefixes=prefixes), media_type=media)
