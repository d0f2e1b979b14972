"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/graph-store``, indirect identification: a graph is
``?graph=IRI``, the default graph ``?default``. Anyone may read (within the answer limit); PUT, POST
and DELETE need the update token. POST without a graph creates one and answers 201 with its IRI in
``Location``; a multipart body adds each of its parts. A write is one transaction: it happens whole
or, when it fails or is stopped, not at all."""

from __future__ import annotations

import email.parser
import email.policy
import uuid
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kg.serve import tasks
from kg.serve.app import Service, service
from kg.serve.limits import MAX_GRAPH_BODY, read_body
from kg.serve.negotiation import GRAPH_BODIES
from kg.serve.problems import BadRequest, HTTPProblem

router = APIRouter()
Served = Annotated[Service, Depends(service)]


@router.get("/graph-store", summary="Graph Store Protocol: read a graph (?graph=IRI or ?default)")
async def read(request: Request, served: Served) -> Response:
    graph = _graph(request, required=True)
    answer = await served.engine.run(
        tasks.graph_read,
        graph,
        request.headers.get("accept", ""),
        served.settings.max_bytes,
        timeout=served.settings.timeout,
    )
    return Response(answer.body, media_type=answer.media)


@router.put("/graph-store", summary="Graph Store Protocol, with the update token: replace a graph")
async def replace(request: Request, served: Served) -> Response:
    return await _write(request, served, replace=True)


@router.post(
    "/graph-store", summary="Graph Store Protocol, with the update token: add to a graph, or create one"
)
async def add(request: Request, served: Served) -> Response:
    return await _write(request, served, replace=False)


@router.delete("/graph-store", summary="Graph Store Protocol, with the update token: drop a graph")
async def delete(request: Request, served: Served) -> Response:
    served.authorise(request)
    graph = _graph(request, required=True)
    found = await served.engine.run(tasks.graph_delete, graph, timeout=served.settings.timeout, write=True)
    if not found:
        raise HTTPProblem(f"there is no graph <{graph}>", 404)
    return Response(status_code=204)


async def _write(request: Request, served: Service, replace: bool) -> Response:
    served.authorise(request)
    graph = _graph(request, required=replace)
    created_here = graph is None and "default" not in request.query_params
    if created_here:
        graph = f"{served.minter.base}graph/{uuid.uuid4().hex}"
    parts = _parts(request.headers.get("content-type", ""), await read_body(request, MAX_GRAPH_BODY))
    new = await served.engine.run(
        tasks.graph_write,
        graph,
        replace,
        parts,
        str(request.url.replace(query="")),
        timeout=served.settings.timeout,
        write=True,
    )
    if created_here:
        return Response(status_code=201, headers={"Location": str(graph)})
    return Response(status_code=201 if new else 204)


def _graph(request: Request, required: bool) -> str | None:
    """The graph a request names: an IRI, or None for the default graph (or for none named)."""
    graph, default = request.query_params.getlist("graph"), "default" in request.query_params
    if len(graph) > 1 or (graph and default):
        raise BadRequest("name one graph: ?graph=IRI or ?default")
    if graph:
        try:
            return ox.NamedNode(graph[0]).value
        except ValueError as error:
            raise BadRequest(f"<{graph[0]}> is not a valid IRI: {error}") from None
    if required and not default:
        raise BadRequest("name the graph: ?graph=IRI, or ?default for the default graph")
    return None


def _parts(content_type: str, body: bytes) -> list[tuple[bytes, str]]:
    """The body as (RDF, media type) pieces: itself, or each part of a multipart/form-data body."""
    media = content_type.split(";")[0].strip().lower()
    if media != "multipart/form-data":
        return [(body, _graph_type(media))]
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise BadRequest("the multipart body has no parts")
    pieces = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        pieces.append((payload if isinstance(payload, bytes) else b"", _graph_type(part.get_content_type())))
    return pieces


def _graph_type(media: str) -> str:
    if media not in GRAPH_BODIES:
        raise HTTPProblem(f"send the graph as one of {', '.join(GRAPH_BODIES)}", 415)
    return media
