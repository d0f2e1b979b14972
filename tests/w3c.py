"""A runner for the W3C SPARQL 1.1 Protocol and Graph Store Protocol test manifests (see
../shared/data/w3c/SOURCES.md), independent of kg.serve so that it can judge any server, ours or another.

Each test is a list of HTTP requests sent exactly as the manifest writes them (with `http.client`, which
adds nothing but what it is told) and the expected status, result format, boolean, or RDF graph of each
response. The manifests name the services `/sparql/` and `/gsp`; a `Service` says where they really are.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Dataset, Graph, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.term import Node

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"

# hts: names the codes of RFC 2616 (http://www.w3.org/2011/http-statusCodes); these are the ones the
# manifests use, and their neighbours a future manifest is likeliest to use.
STATUS_CODES = {
    "OK": 200,
    "Created": 201,
    "Accepted": 202,
    "NoContent": 204,
    "MovedPermanently": 301,
    "Found": 302,
    "SeeOther": 303,
    "NotModified": 304,
    "BadRequest": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "MethodNotAllowed": 405,
    "NotAcceptable": 406,
    "Conflict": 409,
    "UnsupportedMediaType": 415,
    "InternalServerError": 500,
}
# The manifests' own classes of codes (hts:StatusCode2xx ...), which the vocabulary itself lacks.
STATUS_CLASSES = {f"StatusCode{hundreds}xx": hundreds for hundreds in range(1, 6)}

SPARQL_JSON, SPARQL_XML = "application/sparql-results+json", "application/sparql-results+xml"
# What the protocol manifest's prose allows for each mf:expectedFormat: "boolean" results as XML or JSON,
# "tabular" ones also as CSV or TSV, "RDF" as RDF/XML, Turtle, N-Triples or RDFa (in XHTML or HTML).
FORMATS = {
    "boolean": {SPARQL_JSON, SPARQL_XML},
    "tabular": {SPARQL_JSON, SPARQL_XML, "text/csv", "text/tab-separated-values"},
    "RDF": {
        "application/rdf+xml",
        "text/turtle",
        "application/n-triples",
        "application/xhtml+xml",
        "text/html",
    },
}
# rdflib's parser for each RDF media type a Graph Store may answer with.
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "text/n3": "n3",
}
WRITE_METHODS = {"PUT", "POST", "DELETE", "PATCH"}


@dataclass(frozen=True)
class Service:
    """Where a server answers the manifests' `/sparql/` (queries, updates) and `/gsp`, and what a request
    that may write needs besides (credentials), so that a refusal is about the request, not about who asks."""

    base: str
    query_path: str
    update_path: str
    graph_store_path: str
    headers_for_writes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Expected:
    """What an ht:Response of the manifest asks of the real response; None where it asks nothing."""

    statuses: tuple[str, ...]
    boolean: bool | None = None
    format: str | None = None
    location: str | None = None
    content_type: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class Request:
    """One ht:Request: sent as written, after the `/sparql/` or `/gsp` prefix is mapped."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    expected: Expected

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name), None)


@dataclass(frozen=True)
class ManifestTest:
    """A manifest entry: its requests in order, and the named graphs the dataset holds before them."""

    name: str
    requests: tuple[Request, ...]
    graph_data: tuple[tuple[Path, str], ...] = ()


@dataclass(frozen=True)
class Outcome:
    """One test's verdict; ``reason`` says which request failed and how, so a report needs no rerun."""

    name: str
    passed: bool
    reason: str = ""


def protocol_tests(manifest: Path) -> list[ManifestTest]:
    """The SPARQL 1.1 Protocol tests (mf:ProtocolTest) of ``manifest``, in its order."""
    return _tests(manifest, MF.ProtocolTest)


def graph_store_tests(manifest: Path) -> list[ManifestTest]:
    """The Graph Store Protocol tests (mf:GraphStoreProtocolTest) of ``manifest``, in its order."""
    return _tests(manifest, MF.GraphStoreProtocolTest)


def run_manifest(service: Service, manifest: Path) -> list[Outcome]:
    """Every test of ``manifest``, whichever protocol it tests."""
    tests = protocol_tests(manifest) + graph_store_tests(manifest)
    return [run(service, test) for test in tests]


def run(service: Service, test: ManifestTest) -> Outcome:
    """Empty the dataset, load the test's graphs, then send its requests until one is answered wrongly."""
    failure = _set_up(service, test)
    if failure:
        return Outcome(test.name, False, failure)
    templates: dict[str, str] = {}
    for number, written in enumerate(test.requests, 1):
        request = written
        for template, value in templates.items():
            request = _substitute(request, template, value)
        path, writes = _target(service, test, request)
        headers = list(request.headers) + list(service.headers_for_writes.items() if writes else [])
        where = f"request {number} ({request.method} {_shorten(path)})"
        try:
            status, response_headers, body = _send(service.base, request.method, path, headers, request.body)
        except (OSError, http.client.HTTPException) as error:
            return Outcome(test.name, False, f"{where}: {error!r}")
        failure = _judge(request.expected, status, response_headers, body)
        if failure:
            return Outcome(test.name, False, f"{where}: {failure}; body: {body[:200]!r}")
        if request.expected.location is not None:
            # A Location header is a URI reference, relative to the request's URI when it is relative.
            location = urllib.parse.urljoin(service.base + path, response_headers["location"])
            templates[request.expected.location] = location
    return Outcome(test.name, True)


def _shorten(path: str) -> str:
    """A path short enough for a one-line reason: the manifests' query strings run to 400 characters."""
    return path if len(path) <= 100 else path[:100] + "..."


def _tests(manifest: Path, kind: Node) -> list[ManifestTest]:
    """The entries of ``kind``, in mf:entries order (the order the manifest's authors ran them in)."""
    graph = Graph()
    graph.parse(manifest, format="turtle", publicID=manifest.resolve().as_uri())
    head = graph.value(graph.value(predicate=RDF.type, object=MF.Manifest), MF.entries)
    tests = []
    for entry in Collection(graph, head):
        if (entry, RDF.type, kind) not in graph:
            continue
        action = graph.value(entry, MF.action)
        requests = tuple(
            _request(graph, node) for node in Collection(graph, graph.value(action, HT.requests))
        )
        graph_data = sorted(
            (_local_file(str(graph.value(data, UT.graph))), str(graph.value(data, RDFS.label)))
            for data in graph.objects(entry, UT.graphData)
        )
        tests.append(ManifestTest(str(entry).rsplit("#", 1)[-1], requests, tuple(graph_data)))
    return tests


def _request(graph: Graph, node: Node) -> Request:
    response = graph.value(node, HT.resp)
    statuses = tuple(
        sorted(str(status).removeprefix(str(HTS)) for status in graph.objects(response, MF.expectedStatus))
    )
    for status in statuses:
        if status not in STATUS_CODES and status not in STATUS_CLASSES:
            raise ValueError(f"hts:{status} is not in the table of status codes")
    boolean = graph.value(response, MF.expectedBoolean)
    expected_format = graph.value(response, MF.expectedFormat)
    location = graph.value(response, MF.expectedLocation)
    response_headers = dict(_headers(graph, response))
    expected = Expected(
        statuses,
        None if boolean is None else bool(boolean.toPython()),
        None if expected_format is None else str(expected_format),
        None if location is None else str(location),
        response_headers.get("content-type"),
        _body(graph, response),
    )
    method, path = str(graph.value(node, HT.methodName)), str(graph.value(node, HT.absolutePath))
    return Request(method, path, tuple(_headers(graph, node)), _body(graph, node), expected)


def _headers(graph: Graph, node: Node) -> list[tuple[str, str]]:
    headers = graph.value(node, HT.headers)
    if headers is None:
        return []
    return [
        (str(graph.value(header, HT.fieldName)), str(graph.value(header, HT.fieldValue)))
        for header in Collection(graph, headers)
    ]


def _body(graph: Graph, node: Node) -> str | None:
    body = graph.value(node, HT.body)
    return None if body is None else str(graph.value(body, CNT.chars))


def _local_file(iri: str) -> Path:
    return Path(urllib.request.url2pathname(urllib.parse.urlparse(iri).path))


def _set_up(service: Service, test: ManifestTest) -> str:
    """Through the service's own update endpoint, so that the dataset is what the service itself sees."""
    inserts = [f"GRAPH <{label}> {{ {file.read_text(encoding='utf-8')} }}" for file, label in test.graph_data]
    update = "DROP ALL" + (f" ; INSERT DATA {{ {' '.join(inserts)} }}" if inserts else "")
    headers = [("content-type", "application/sparql-update"), *service.headers_for_writes.items()]
    try:
        status, _, body = _send(service.base, "POST", service.update_path, headers, update)
    except (OSError, http.client.HTTPException) as error:
        return f"setup ({update[:80]!r}) failed: {error!r}"
    if not 200 <= status < 300:
        return f"setup ({update[:80]!r}) failed: status {status}; body: {body[:200]!r}"
    return ""


def _substitute(request: Request, template: str, value: str) -> Request:
    """mf:expectedLocation: an earlier response's Location header stands in for ``template``."""
    body = None if request.body is None else request.body.replace(template, value)
    return Request(
        request.method, request.path.replace(template, value), request.headers, body, request.expected
    )


def _target(service: Service, test: ManifestTest, request: Request) -> tuple[str, bool]:
    """The real path for the manifest's path, and whether the request may write (an update, or a Graph
    Store PUT, POST or DELETE).

    The manifest sends queries and updates alike to `/sparql/`. A request goes to the update endpoint when
    its test is about updates (update_*, bad_update_*, bad_multiple_updates), so that a malformed update is
    judged by the endpoint meant to refuse it, except for the query an update test sends to check its
    work, which says so by its content type."""
    if request.path.startswith("/gsp"):
        return service.graph_store_path + request.path.removeprefix("/gsp"), request.method in WRITE_METHODS
    if not request.path.startswith("/sparql/"):
        raise ValueError(f"{test.name}: {request.path} is neither under /sparql/ nor /gsp")
    rest = request.path.removeprefix("/sparql/")
    update = (
        "update" in test.name and _media_type(request.header("content-type")) != "application/sparql-query"
    )
    return (service.update_path if update else service.query_path) + rest, update


def _send(
    base: str, method: str, path: str, headers: list[tuple[str, str]], body: str | None
) -> tuple[int, dict[str, str], bytes]:
    """Exactly these headers and Host (and Content-Length for a body): no library defaults."""
    netloc = urllib.parse.urlsplit(base).netloc
    payload = None if body is None else body.encode(_charset(headers))
    connection = http.client.HTTPConnection(netloc, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", netloc)
        for name, value in headers:
            connection.putheader(name, value)
        if payload is not None:
            connection.putheader("Content-Length", str(len(payload)))
        connection.endheaders(payload)
        response = connection.getresponse()
        answer = response.read()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, answer
    finally:
        connection.close()


def _charset(headers: list[tuple[str, str]]) -> str:
    """The body's encoding as its content type names it (UTF-16 in the bad_*_non_utf8 tests), else UTF-8."""
    content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"')
    return "utf-8"


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _judge(expected: Expected, status: int, headers: dict[str, str], body: bytes) -> str:
    """Why the response fails ``expected``, or "" when it does not."""
    if not any(_status_matches(name, status) for name in expected.statuses):
        return f"status {status}, expected {' or '.join(expected.statuses)}"
    media = _media_type(headers.get("content-type"))
    if expected.format is not None and media not in FORMATS[expected.format]:
        allowed = ", ".join(sorted(FORMATS[expected.format]))
        return f"content type {media or '(none)'} is not a {expected.format!r} format ({allowed})"
    if expected.boolean is not None:
        answer, failure = _boolean(media, body)
        if failure:
            return failure
        if answer is not expected.boolean:
            return f"answer {answer}, expected {expected.boolean}"
    if expected.location is not None and "location" not in headers:
        return "no Location header"
    if expected.content_type is not None and media != _media_type(expected.content_type):
        return f"content type {media or '(none)'}, expected {_media_type(expected.content_type)}"
    if expected.body is not None:
        return _compare_graphs(media, body, _media_type(expected.content_type), expected.body)
    return ""


def _status_matches(name: str, status: int) -> bool:
    if name in STATUS_CLASSES:
        return status // 100 == STATUS_CLASSES[name]
    return status == STATUS_CODES[name]


def _boolean(media: str, body: bytes) -> tuple[bool | None, str]:
    """The answer of an ASK result in SPARQL results JSON or XML, or why there is none."""
    try:
        if media == SPARQL_JSON:
            answer = json.loads(body).get("boolean")
        elif media == SPARQL_XML:
            element = ElementTree.fromstring(body).find(f"{SPARQL_RESULTS}boolean")
            answer = (
                None if element is None else {"true": True, "false": False}.get((element.text or "").strip())
            )
        else:
            return None, f"content type {media or '(none)'} is not SPARQL results JSON or XML"
    except (ValueError, AttributeError, ElementTree.ParseError) as error:
        return None, f"unreadable {media} results: {error}"
    if not isinstance(answer, bool):
        return None, f"no boolean in the {media} results"
    return answer, ""


def _compare_graphs(media: str, body: bytes, expected_media: str, expected_body: str) -> str:
    """Isomorphism, so that blank node labels and serialisation choices do not matter."""
    if media not in RDFLIB_FORMATS:
        return f"content type {media or '(none)'} is not an RDF format this runner reads"
    try:
        actual = _graph(body, RDFLIB_FORMATS[media])
    except Exception as error:  # rdflib's parsers raise many kinds of error on bad input
        return f"unreadable {media}: {error}"
    expected = _graph(expected_body.encode("utf-8"), RDFLIB_FORMATS[expected_media])
    if not isomorphic(actual, expected):
        return f"graph of {len(actual)} triples is not isomorphic to the expected {len(expected)}"
    return ""


def _graph(data: bytes, rdflib_format: str) -> Graph:
    """All the triples, whatever graph a quad format puts them in: a Graph Store answers one graph."""
    dataset = Dataset()
    dataset.parse(data=data, format=rdflib_format)
    graph = Graph()
    for subject, predicate, obj, _ in dataset.quads():
        graph.add((subject, predicate, obj))
    return graph
