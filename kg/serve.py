"""``kg serve``: one store over HTTP, as a SPARQL 1.1 Protocol endpoint, its saved queries and hub summaries.

The Graph Store Protocol at ``/graph-store?graph=IRI`` reads any named graph; with the update token it
also replaces, adds to and drops graphs. Writes through SPARQL Update or the Graph Store Protocol change
triples as given: the consensus graph and the representatives follow ``kg load``, not these.

Built on FastAPI (routing, parameter checks and the OpenAPI description at ``/openapi.json``) and run by
uvicorn. Handlers are plain functions, which FastAPI runs in a thread pool, so one slow query does not
stall the others. Every query runs under a time limit and its serialised answer under a size limit;
either one, when hit, is a clear error (503 and 413). The store is read-only over HTTP unless the server
was started with an update token, and then SPARQL Update needs ``Authorization: Bearer TOKEN``.
"""

from __future__ import annotations

import asyncio
import io
import secrets
import tempfile
from collections.abc import Callable, Iterator
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode

import h11
import jinja2
import pyoxigraph as ox
import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from uvicorn.protocols.http.h11_impl import H11Protocol

from kg import exporter, linked_data, queries
from kg import hub as hubs
from kg.errors import CitekgError, QueryError, UnknownPaper
from kg.ids import parse_id
from kg.results import write_rows
from kg.store import Store
from kg.vocab import Polarity, Role

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
MAX_QUERY_BODY, MAX_GRAPH_BODY = 16 * 2**20, 256 * 2**20
QUERY_TYPE, UPDATE_TYPE, FORM_TYPE = (
    "application/sparql-query",
    "application/sparql-update",
    "application/x-www-form-urlencoded",
)


class HTTPProblem(Exception):
    """An error with the status a client should see."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class _Capped(io.RawIOBase):
    """A byte sink that refuses to grow past a limit, so a huge answer stops being written at once."""

    def __init__(self, limit: int) -> None:
        self.buffer, self.limit = bytearray(), limit

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if len(self.buffer) + len(data) > self.limit:
            raise HTTPProblem(413, f"the answer is larger than the server's limit of {self.limit:,} bytes")
        self.buffer += data
        return len(data)


def named(iri: str) -> ox.NamedNode:
    """An IRI from a request, or a 400 that says it is not one."""
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise HTTPProblem(400, f"<{iri}> is not a valid IRI: {error}") from None


def negotiate(accept: str, offered: dict[str, Any], default: str) -> str:
    """The offered media type the Accept header prefers (by q value, then order); 406 if none fits."""
    if not accept.strip():
        return default
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *options = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if quality <= 0:
            continue
        if media in offered:
            choices.append((-quality, position, media))
        elif media in ("*/*", "application/*") or (media.endswith("/*") and default.startswith(media[:-1])):
            choices.append((-quality, position, default))
    if not choices:
        raise HTTPProblem(
            406, f"none of the accepted types is offered; this answer comes as {', '.join(offered)}"
        )
    return min(choices)[2]


def create_app(
    store: Store,
    *,
    update_token: str | None = None,
    timeout: float = 30.0,
    max_bytes: int = 64 * 2**20,
) -> FastAPI:
    """The HTTP application for one open store."""
    app = FastAPI(
        title="citekg",
        summary="A citation knowledge graph as linked data: SPARQL 1.1, saved queries and hub summaries.",
        version="0.1",
    )

    @app.exception_handler(HTTPProblem)
    def problem(request: Request, error: HTTPProblem) -> PlainTextResponse:
        return PlainTextResponse(error.message + "\n", status_code=error.status, headers=error.headers)

    @app.exception_handler(ClientDisconnect)
    def gone(request: Request, error: ClientDisconnect) -> Response:
        """The client left, or was cut off for sending too slowly: nobody is there to answer."""
        return Response(status_code=408)

    @app.exception_handler(CitekgError)
    def citekg_problem(request: Request, error: CitekgError) -> PlainTextResponse:
        status = 404 if isinstance(error, UnknownPaper) else 400
        return PlainTextResponse(str(error) + "\n", status_code=status)

    def timed(work: Callable[[], Any]) -> Any:
        try:
            return queries.within(timeout, work)
        except QueryError as error:
            if "time limit" in str(error):
                raise HTTPProblem(
                    503, f"the query ran past the server's time limit of {timeout:g} s"
                ) from None
            raise

    def answer(sparql: str, accept: str, default_graphs: list[str], named_graphs: list[str]) -> Response:
        options: dict[str, Any] = {"prefixes": store.prefixes}
        if default_graphs:
            options["default_graph"] = [named(iri) for iri in default_graphs]
        else:
            options["use_default_graph_as_union"] = True
        if named_graphs:
            options["named_graphs"] = [named(iri) for iri in named_graphs]

        def run() -> tuple[bytes, str]:
            try:
                result = store.oxigraph.query(sparql, **options)
            except SyntaxError as error:
                raise HTTPProblem(400, f"the query is not valid SPARQL: {error}") from None
            sink = _Capped(max_bytes)
            if isinstance(result, ox.QueryTriples):
                media = negotiate(accept, GRAPH_TYPES, "text/turtle")
                result.serialize(sink, GRAPH_TYPES[media])
            else:
                media = negotiate(accept, RESULT_TYPES, "application/sparql-results+json")
                result.serialize(sink, RESULT_TYPES[media])
            return bytes(sink.buffer), media

        body, media = timed(run)
        return Response(body, media_type=media)

    def authorise(authorization: str | None) -> None:
        """Writes need the server's update token as a bearer token: 403 without one configured or for a
        wrong one, 401 when the request carries none."""
        if update_token is None:
            raise HTTPProblem(403, "this server is read-only; start it with --update-token to allow updates")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPProblem(
                401, "updates need Authorization: Bearer TOKEN", {"WWW-Authenticate": 'Bearer realm="citekg"'}
            )
        if not secrets.compare_digest(token.strip(), update_token):
            raise HTTPProblem(403, "the update token is wrong")

    def update(sparql: str, authorization: str | None) -> Response:
        authorise(authorization)
        try:
            timed(lambda: store.update(sparql))
        except SyntaxError as error:
            raise HTTPProblem(400, f"the update is not valid SPARQL: {error}") from None
        return Response(status_code=204)

    @app.get("/sparql", summary="SPARQL 1.1 query (GET); without a query, the service description")
    def sparql_get(
        request: Request,
        query: str | None = None,
        default_graph_uri: Annotated[list[str], Query(alias="default-graph-uri")] = [],  # noqa: B006
        named_graph_uri: Annotated[list[str], Query(alias="named-graph-uri")] = [],  # noqa: B006
    ) -> Response:
        accept = request.headers.get("accept", "")
        if query is None:
            return _description(request, accept)
        return answer(query, accept, default_graph_uri, named_graph_uri)

    @app.post("/sparql", summary="SPARQL 1.1 query or update (POST: form or direct body)")
    async def sparql_post(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        accept = request.headers.get("accept", "")
        body = await request.body()
        if len(body) > MAX_QUERY_BODY:
            raise HTTPProblem(413, f"the request body is larger than {MAX_QUERY_BODY // 2**20} MiB")
        parameters = request.query_params
        if content_type == FORM_TYPE:
            form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
            fields = {key: values[0] for key, values in form.items()}
            default_graphs, named_graphs = form.get("default-graph-uri", []), form.get("named-graph-uri", [])
        else:
            fields = {}
            default_graphs = parameters.getlist("default-graph-uri")
            named_graphs = parameters.getlist("named-graph-uri")
            text = body.decode("utf-8", errors="replace")
            if content_type == QUERY_TYPE:
                fields["query"] = text
            elif content_type == UPDATE_TYPE:
                fields["update"] = text
            else:
                raise HTTPProblem(415, f"POST takes {FORM_TYPE}, {QUERY_TYPE} or {UPDATE_TYPE}")
        if "update" in fields:
            return await run_in_threadpool(update, fields["update"], request.headers.get("authorization"))
        if "query" not in fields:
            raise HTTPProblem(400, "give a query (or, with an update token, an update)")
        return await run_in_threadpool(answer, fields["query"], accept, default_graphs, named_graphs)

    def _description(request: Request, accept: str) -> Response:
        endpoint = str(request.url_for("sparql_get"))
        if "text/html" in accept:
            return HTMLResponse(_query_page(endpoint))
        media = negotiate(accept, GRAPH_TYPES, "text/turtle")
        description = _service_description(endpoint, update_token is not None)
        return Response(ox.serialize(description, format=GRAPH_TYPES[media]), media_type=media)

    @app.get("/queries", summary="The saved queries, with their typed parameters")
    def saved_queries() -> list[dict[str, Any]]:
        return [
            {
                "name": q.name,
                "title": q.title,
                "description": q.description,
                "parameters": [
                    {"name": p.name, "type": p.type, "required": p.required, "default": p.default}
                    for p in q.params
                ],
                "url": f"/queries/{q.name}",
            }
            for q in queries.catalogue().values()
        ]

    @app.get("/queries/{name}", summary="Run a saved query: parameters by name; .json or .csv, or by Accept")
    def saved_query(request: Request, name: str, offset: int = 0, limit: int | None = None) -> Response:
        name, _, extension = name.partition(".")
        params = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}
        media = {"json": "application/json", "csv": "text/csv"}.get(extension) or negotiate(
            request.headers.get("accept", ""), {"application/json": 1, "text/csv": 1}, "application/json"
        )
        queries.get(name)  # an unknown name is a 400 before anything runs
        result = timed(lambda: queries.run_query(store, name, params, offset=offset, limit=limit))
        out = io.StringIO()
        write_rows(result, "json" if media == "application/json" else "csv", out)
        return Response(out.getvalue(), media_type=media)

    @app.get(
        "/hub/{paper:path}", summary="A paper's hub summary: an HTML page, or JSON when the id ends in .json"
    )
    def hub_page(
        paper: str,
        role: str | None = None,
        polarity: str | None = None,
        from_year: int | None = None,
        to_year: int | None = None,
        sort: str = "year",
        page: Annotated[int, Query(ge=1)] = 1,
    ) -> Response:
        if paper.endswith(".json"):
            summary = timed(lambda: hubs.summary(store, paper.removesuffix(".json")))
            return JSONResponse(summary.to_json())
        summary = timed(lambda: hubs.summary(store, paper))
        filters = {"role": role, "polarity": polarity, "from_year": from_year, "to_year": to_year}
        total, rows = timed(
            lambda: hubs.citing(store, paper, **filters, sort=sort, page=page, page_size=EXPLORER_PAGE)  # type: ignore[arg-type]
        )
        return HTMLResponse(hub_html(paper, summary, total, rows, {**filters, "sort": sort}, page))

    def rdf_answer(
        triples: list[ox.Triple], accept: str, html_page: Callable[[], str] | None = None
    ) -> Response:
        if html_page is not None and "text/html" in accept:
            return HTMLResponse(html_page())
        media = negotiate(accept, GRAPH_TYPES, "text/turtle")
        options = {"prefixes": store.prefixes} if GRAPH_TYPES[media] is ox.RdfFormat.TURTLE else {}
        body = ox.serialize(triples, format=GRAPH_TYPES[media], **options)
        return Response(body, media_type=media)

    @app.get("/graph-store", summary="SPARQL 1.1 Graph Store Protocol: read a named graph (?graph=IRI)")
    def graph_store_get(request: Request, graph: str) -> Response:
        node = named(graph)
        if not store.has_graph(node):
            raise HTTPProblem(404, f"there is no graph <{graph}>")
        triples = timed(lambda: [q.triple for q in store.oxigraph.quads_for_pattern(None, None, None, node)])
        return rdf_answer(triples, request.headers.get("accept", ""))

    async def graph_store_write(request: Request, graph: str) -> Response:
        authorise(request.headers.get("authorization"))
        node = named(graph)
        existed = store.has_graph(node)
        if request.method == "DELETE":
            if not existed:
                raise HTTPProblem(404, f"there is no graph <{graph}>")
            await run_in_threadpool(store.remove_graph, node)
            return Response(status_code=204)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in GRAPH_TYPES or media == "text/plain":
            raise HTTPProblem(
                415, f"send the graph as one of {', '.join(t for t in GRAPH_TYPES if t != 'text/plain')}"
            )
        body = await request.body()
        if len(body) > MAX_GRAPH_BODY:
            raise HTTPProblem(413, f"send at most {MAX_GRAPH_BODY // 2**20} MiB at a time")
        try:
            quads = [
                ox.Quad(t.subject, t.predicate, t.object, node)
                for t in ox.parse(body, format=GRAPH_TYPES[media])
            ]
        except SyntaxError as error:
            raise HTTPProblem(400, f"the graph is not valid {media}: {error}") from None

        def write() -> None:
            if request.method == "PUT":
                store.remove_graph(node)
            store.oxigraph.extend(quads)
            store.forget_lookups()

        await run_in_threadpool(write)
        return Response(status_code=204 if existed else 201)

    @app.put("/graph-store", summary="Graph Store Protocol, with the update token: replace a named graph")
    async def graph_store_put(request: Request, graph: str) -> Response:
        return await graph_store_write(request, graph)

    @app.post("/graph-store", summary="Graph Store Protocol, with the update token: add to a named graph")
    async def graph_store_post(request: Request, graph: str) -> Response:
        return await graph_store_write(request, graph)

    @app.delete("/graph-store", summary="Graph Store Protocol, with the update token: drop a named graph")
    async def graph_store_delete(request: Request, graph: str) -> Response:
        return await graph_store_write(request, graph)

    @app.get("/.well-known/void", summary="A VoID and DCAT description of the dataset")
    def void_description(request: Request) -> Response:
        base = str(request.base_url)
        triples = timed(lambda: linked_data.void(store, endpoint=base + "sparql", dump=base + "dump.nq"))
        return rdf_answer(triples, request.headers.get("accept", ""))

    @app.get("/dump.nq", summary="Everything the store holds, as N-Quads")
    def dump() -> Response:
        def chunks() -> Iterator[bytes]:
            with tempfile.TemporaryFile() as spool:  # on disk: constant memory whatever the store's size
                exporter.export(store, spool, "nquads")
                spool.seek(0)
                while chunk := spool.read(1 << 20):
                    yield chunk

        return StreamingResponse(chunks(), media_type="application/n-quads")

    @app.get("/ontology", summary="The citekg ontology: Turtle, or its documentation for browsers")
    def ontology(request: Request) -> Response:
        accept = request.headers.get("accept", "")
        if "text/html" in accept:
            return HTMLResponse(
                _TEMPLATES.get_template("ontology.html").render(terms=linked_data.ontology_terms())
            )
        media = negotiate(accept, GRAPH_TYPES, "text/turtle")
        if media == "text/turtle":
            return Response(linked_data.ontology_turtle(), media_type=media)
        triples = [q.triple for q in ox.parse(linked_data.ontology_turtle(), format=ox.RdfFormat.TURTLE)]
        return Response(ox.serialize(triples, format=GRAPH_TYPES[media]), media_type=media)

    def resource(request: Request, iri: str) -> Response:
        named(iri)
        triples = timed(lambda: linked_data.describe(store, iri))
        if not triples:
            raise HTTPProblem(404, f"the store says nothing about <{iri}>")
        local = store.minter.base

        def page() -> str:
            def href(value: str) -> str | None:
                if value.startswith(local):
                    return (
                        "/" + value.removeprefix(local)
                        if local == str(request.base_url)
                        else "/describe?" + urlencode({"iri": value})
                    )
                return None

            return _TEMPLATES.get_template("resource.html").render(
                iri=iri, rows=list(linked_data.rows(triples)), href=href
            )

        return rdf_answer(triples, request.headers.get("accept", ""), page)

    @app.get("/describe", summary="The description of any resource the store holds, by its IRI")
    def describe(request: Request, iri: str) -> Response:
        return resource(request, iri)

    @app.get("/search", summary="Find a paper by id (redirects to its hub page) or by title words")
    def search(q: str = "") -> Response:
        text = q.strip()
        if not text:
            raise HTTPProblem(400, "give an id (doi:..., arxiv:...) or words of a title")
        try:
            node = store.paper(parse_id(text))
        except ValueError:
            node = None
        if node is not None:
            return RedirectResponse(f"/hub/{quote(text, safe=':/')}", status_code=303)
        found = timed(lambda: queries.run_query(store, "paper-search", {"words": text}))
        papers = store.minter.base + "paper/"

        def hub_link(iri: str) -> str:
            scheme, _, value = iri.removeprefix(papers).partition("/")
            return f"/hub/{scheme}:{value}"

        page = _TEMPLATES.get_template("search.html").render(query=text, rows=found.rows, hub_link=hub_link)
        return HTMLResponse(page)

    @app.get("/{path:path}", summary="A resource this store minted, when its IRI base is this server")
    def dereference(request: Request, path: str) -> Response:
        iri = str(request.base_url) + path
        if not iri.startswith(store.minter.base):
            raise HTTPProblem(
                404, f"nothing here; the store mints IRIs under {store.minter.base} (try /describe?iri=)"
            )
        return resource(request, iri)

    return app


REQUEST_DEADLINE = 10.0  # seconds a request (headers and body) may take to arrive


def server_config(app: FastAPI, host: str, port: int, deadline: float = REQUEST_DEADLINE) -> uvicorn.Config:
    """uvicorn's settings for kg serve: its HTTP/1.1 protocol, with a deadline for requests to arrive."""
    protocol = type("DeadlineProtocol", (_Deadline,), {"deadline": deadline})
    return uvicorn.Config(app, host=host, port=port, log_level="warning", http=protocol)


class _Deadline(H11Protocol):
    """A client that sends a request (headers and body) more slowly than ``deadline`` seconds gets 408
    and the connection is closed, so that slow clients cannot hold the server's connections (uvicorn
    closes idle keep-alive connections, but waits for a request that trickles in as long as it takes)."""

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


EXPLORER_PAGE = 20
SORTS = ("year", "year-asc", "title", "title-desc")


def _service_description(endpoint: str, updates: bool) -> list[ox.Triple]:
    sd = "http://www.w3.org/ns/sparql-service-description#"
    node = ox.BlankNode()
    triples = [
        ox.Triple(
            node,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(sd + "Service"),
        ),
        ox.Triple(node, ox.NamedNode(sd + "endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(node, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Query")),
        ox.Triple(node, ox.NamedNode(sd + "feature"), ox.NamedNode(sd + "UnionDefaultGraph")),
    ]
    if updates:
        triples.append(
            ox.Triple(node, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Update"))
        )
    for media in (*RESULT_TYPES, *GRAPH_TYPES):
        triples.append(ox.Triple(node, ox.NamedNode(sd + "resultFormat"), ox.Literal(media)))
    return triples


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("kg", "templates"), autoescape=True, trim_blocks=False
)


def _query_page(endpoint: str) -> str:
    return _TEMPLATES.get_template("sparql.html").render(endpoint=endpoint)


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

    return _TEMPLATES.get_template("hub.html").render(
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
