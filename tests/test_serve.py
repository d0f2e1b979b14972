"""kg serve, over a real socket, with real clients (SPARQLWrapper, rdflib's SPARQLStore, urllib)."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
import uvicorn
from fastapi import FastAPI
from rdflib import RDFS, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper
from typer.testing import CliRunner

from kg import hub, queries
from kg.cli import app as kg_command
from kg.ids import parse_id
from kg.linked_data import describe
from kg.loader import load
from kg.serve import Settings, create_app, negotiate, server_config
from kg.serve.limits import REQUEST_DEADLINE
from kg.store import Store
from kg.vocab import CITO, CKG, FABIO, OA, XSD

from .conftest import DATA, EXAMPLE

PAPER = "arxiv:2402.13929"
COUNT = (
    "SELECT ?relation (COUNT(*) AS ?n) WHERE { GRAPH data:consensus { ?s ?relation ?o } } GROUP BY ?relation"
)
CONSTRUCT = "CONSTRUCT { ?s cito:cites ?o } WHERE { GRAPH data:consensus { ?s cito:cites ?o } }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(app: FastAPI, port: int | None = None, deadline: float = REQUEST_DEADLINE) -> Iterator[str]:
    """Run the app as kg serve runs it, on a loopback port (a free one by default); yield its address."""
    port = port or free_port()
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, deadline))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


def example_on_disk(folder: Path, base: str | None = None) -> Path:
    """A store folder holding the example data, closed, for a server to open."""
    with Store(folder / "store", base=base) as store:
        load(store, EXAMPLE)
    return folder / "store"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """kg serve on the example data, taking updates with a token; beside it the same data in an
    in-memory store, which says what the answers should be."""
    expected = Store(None)
    load(expected, EXAMPLE)
    path = example_on_disk(tmp_path_factory.mktemp("served"))
    with serving(create_app(path, Settings(update_token="s3cret"))) as url:
        yield url, expected


def count(url: str, pattern: str = "?s ?p ?o") -> int:
    """How many quads match, asked of the server: in named graphs over SPARQL, in the default graph
    through the Graph Store Protocol (the SPARQL default graph is the union of all)."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {pattern} }} }}"
    status, _, body = fetch(sparql_url(url, query), accept="application/sparql-results+json")
    assert status == 200, body
    named = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    if pattern != "?s ?p ?o":
        return named
    status, _, default = fetch(f"{url}/graph-store?default", accept="application/n-triples")
    assert status == 200, default
    return named + len(default.splitlines())


def fetch(
    url: str, *, accept: str | None = None, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        url, data=data, headers={**({"Accept": accept} if accept else {}), **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def sparql_url(base: str, query: str) -> str:
    return f"{base}/sparql?{urllib.parse.urlencode({'query': query})}"


def embedded_rows(store: Store, query: str) -> set[tuple[str, int]]:
    return {(row["relation"].value, int(row["n"].value)) for row in store.query(query)}


def test_sparqlwrapper_gets_what_the_embedded_store_answers(served: tuple[str, Store]) -> None:
    url, store = served
    expected = embedded_rows(store, COUNT)
    for method in ("GET", "POST"):
        client = SPARQLWrapper(f"{url}/sparql")
        client.setMethod(method)
        client.setQuery(COUNT)
        client.setReturnFormat(JSON)
        bindings = client.query().convert()["results"]["bindings"]
        assert {(b["relation"]["value"], int(b["n"]["value"])) for b in bindings} == expected
    for fmt in (XML, CSV):
        client = SPARQLWrapper(f"{url}/sparql")
        client.setQuery(COUNT)
        client.setReturnFormat(fmt)
        assert client.query().response.status == 200


def test_rdflib_sparqlstore_reads_the_endpoint(served: tuple[str, Store]) -> None:
    url, store = served
    remote = Graph(SPARQLStore(f"{url}/sparql", returnFormat="json"))
    query = "SELECT ?s ?o WHERE { ?s <http://purl.org/spar/cito/cites> ?o }"
    remote_rows = {(str(s), str(o)) for s, o in remote.query(query)}
    local_rows = {(row["s"].value, row["o"].value) for row in store.query(query)}
    assert remote_rows == local_rows and len(local_rows) > 20


def test_construct_answers_in_the_rdf_format_asked_for(served: tuple[str, Store]) -> None:
    url, store = served
    expected = Graph().parse(
        data=store.query(CONSTRUCT).serialize(format=ox.RdfFormat.N_TRIPLES), format="nt"
    )
    for accept, rdflib_format in (
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
    ):
        status, headers, body = fetch(sparql_url(url, CONSTRUCT), accept=accept)
        assert status == 200 and headers["content-type"].startswith(accept)
        assert isomorphic(Graph().parse(data=body, format=rdflib_format), expected)


def test_content_negotiation(served: tuple[str, Store]) -> None:
    url, _ = served
    status, headers, body = fetch(sparql_url(url, COUNT), accept="text/tab-separated-values")
    assert status == 200 and body.startswith(b"?relation\t?n")
    status, headers, _ = fetch(sparql_url(url, COUNT), accept="text/html;q=0.9, text/csv")
    assert headers["content-type"].startswith("text/csv")
    status, _, body = fetch(sparql_url(url, COUNT), accept="image/png")
    assert status == 406 and b"text/csv" in body
    assert (
        negotiate("application/*;q=0.5, text/csv;q=0.1", {"text/csv": 1, "application/json": 1})
        == "application/json"
    )


def test_post_as_form_and_as_direct_body(served: tuple[str, Store]) -> None:
    url, store = served
    expected = embedded_rows(store, COUNT)
    form = urllib.parse.urlencode({"query": COUNT}).encode()
    for data, content_type in (
        (form, "application/x-www-form-urlencoded"),
        (COUNT.encode(), "application/sparql-query"),
    ):
        status, _, body = fetch(f"{url}/sparql", data=data, headers={"Content-Type": content_type})
        assert status == 200
        rows = json.loads(body)["results"]["bindings"]
        assert {(b["relation"]["value"], int(b["n"]["value"])) for b in rows} == expected


def test_without_a_query_the_endpoint_describes_itself(served: tuple[str, Store]) -> None:
    url, _ = served
    status, headers, body = fetch(f"{url}/sparql")
    description = Graph().parse(data=body, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert status == 200 and (None, sd_term(sd, "endpoint"), None) in description
    status, headers, body = fetch(f"{url}/sparql", accept="text/html")
    assert headers["content-type"].startswith("text/html") and b"<textarea" in body


def sd_term(namespace: str, name: str):
    from rdflib import URIRef

    return URIRef(namespace + name)


def test_bad_queries_are_clear_client_errors(served: tuple[str, Store]) -> None:
    url, _ = served
    bad_graph = urllib.parse.urlencode({"query": "ASK {}", "default-graph-uri": "not an iri"})
    status, _, body = fetch(f"{url}/sparql?{bad_graph}")
    assert status == 400 and b"not a valid IRI" in body
    assert fetch(f"{url}/describe?iri=%3Cbad%3E")[0] == 400
    assert fetch(f"{url}/graph-store?graph=bad%20iri")[0] == 400
    status, _, body = fetch(sparql_url(url, "SELECT ?x WHERE { ?x"))
    assert status == 400 and b"not valid SPARQL" in body
    status, _, _ = fetch(f"{url}/sparql", data=b"x", headers={"Content-Type": "text/plain"})
    assert status == 415


def test_updates_need_the_token_and_change_nothing_without_it(served: tuple[str, Store]) -> None:
    url, _ = served
    before = count(url)
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    body = urllib.parse.urlencode({"update": update}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert fetch(f"{url}/sparql", data=body, headers=form)[0] == 401
    assert fetch(f"{url}/sparql", data=body, headers={**form, "Authorization": "Bearer wrong"})[0] == 401
    assert count(url) == before
    assert fetch(f"{url}/sparql", data=body, headers={**form, "Authorization": "Bearer s3cret"})[0] == 204
    assert count(url) == before + 1
    undo = urllib.parse.urlencode({"update": update.replace("INSERT", "DELETE")}).encode()
    assert fetch(f"{url}/sparql", data=undo, headers={**form, "Authorization": "Bearer s3cret"})[0] == 204
    assert count(url) == before


def test_a_read_only_server_refuses_every_update(tmp_path: Path) -> None:
    with serving(create_app(tmp_path / "store")) as url:
        status, _, body = fetch(
            f"{url}/sparql",
            data=b"INSERT DATA { <x:a> <x:b> <x:c> }",
            headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer anything"},
        )
        assert status == 403 and b"read-only" in body and count(url) == 0


def test_time_and_size_limits_are_clear_errors_and_a_slow_query_stalls_no_other(tmp_path: Path) -> None:
    path = example_on_disk(tmp_path)
    with serving(create_app(path, Settings(timeout=1.0, max_bytes=2_000))) as url:
        slow: dict[str, int] = {}
        worker = threading.Thread(target=lambda: slow.update(status=fetch(sparql_url(url, SLOW))[0]))
        worker.start()
        time.sleep(0.2)
        start = time.perf_counter()
        status, _, _ = fetch(sparql_url(url, "ASK { ?s ?p ?o }"))
        assert status == 200 and time.perf_counter() - start < 0.9  # the slow one holds on for 1 s
        worker.join()
        assert slow["status"] == 503
        status, _, body = fetch(sparql_url(url, "SELECT * WHERE { ?s ?p ?o }"))
        assert status == 413 and b"2,000 bytes" in body


def test_saved_queries_over_http_check_their_parameters(served: tuple[str, Store]) -> None:
    url, store = served
    _, _, body = fetch(f"{url}/queries")
    listed = {q["name"]: q for q in json.loads(body)}
    assert set(listed) == set(queries.catalogue())
    assert listed["hub-citing"]["parameters"][0] == {
        "name": "paper",
        "type": "paper",
        "required": True,
        "default": None,
        "description": "The cited paper.",
    }
    from_cli = json.loads(CliRunner().invoke(kg_command, ["query", "list", "--format", "json"]).stdout)
    assert [{k: v for k, v in q.items() if k != "url"} for q in listed.values()] == from_cli
    _, _, body = fetch(f"{url}/queries/hub-distribution.json?paper={PAPER}")
    rows = queries.run_query(store, "hub-distribution", {"paper": PAPER}).rows

    def key(row: dict[str, object]) -> str:
        return str(row["relation"])

    assert sorted(json.loads(body)["rows"], key=key) == sorted(rows, key=key)  # GROUP BY has no order
    _, headers, body = fetch(f"{url}/queries/hub-distribution?paper={PAPER}", accept="text/csv")
    assert headers["content-type"].startswith("text/csv") and body.startswith(b"relation,citations")
    assert fetch(f"{url}/queries/hub-citing?paper={PAPER}&sort=sideways")[0] == 400
    assert fetch(f"{url}/queries/hub-citing?paper=doi:10.1/nothing")[0] == 404
    assert fetch(f"{url}/queries/no-such-query")[0] == 400


def test_hub_json_is_the_hub_summary(served: tuple[str, Store]) -> None:
    url, store = served
    status, _, body = fetch(f"{url}/hub/{PAPER}.json")
    assert status == 200 and json.loads(body) == hub.summary(store, PAPER).to_json()
    assert fetch(f"{url}/hub/doi:10.1/nothing.json")[0] == 404
    # found by schemathesis (tests/test_serve_schema.py): these were server errors
    assert fetch(f"{url}/hub/0")[0] == fetch(f"{url}/hub/%0D.json")[0] == 400
    assert fetch(f"{url}/hub/{PAPER}?page=0")[0] == 400  # the page, with a message


def test_hub_page_shows_the_summary_and_filters_the_explorer(served: tuple[str, Store]) -> None:
    url, store = served
    summary = hub.summary(store, PAPER)
    _, _, page = fetch(f"{url}/hub/{PAPER}")
    text = page.decode()
    assert summary.headline in text
    assert text.count('class="bar" data-role=') == len(summary.roles)
    total, _ = hub.citing(store, PAPER)
    assert f"{total} citing papers match" in text
    method_total, method_rows = hub.citing(store, PAPER, role="method")
    _, _, filtered = fetch(f"{url}/hub/{PAPER}?role=method")
    assert f"{method_total} citing papers match" in filtered.decode()
    assert filtered.decode().count('<tr class="citing">') == len(method_rows) < total


def test_search_finds_by_id_and_by_title_words(served: tuple[str, Store]) -> None:
    url, _ = served
    request = urllib.request.Request(f"{url}/search?q={PAPER}")
    with urllib.request.urlopen(request) as response:
        assert response.url.endswith(f"/hub/{PAPER}")
    _, _, body = fetch(f"{url}/search?q=lightning")
    assert b"SDXL-Lightning" in body and b'href="/hub/doi:10.48550/arxiv.2402.13929"' in body
    assert fetch(f"{url}/search?q=")[0] == 400


def test_the_api_is_described_by_openapi(served: tuple[str, Store]) -> None:
    url, _ = served
    _, _, body = fetch(f"{url}/openapi.json")
    paths = json.loads(body)["paths"]
    assert {"/sparql", "/queries", "/queries/{name}", "/hub/{paper}", "/search"} <= set(paths)


def test_a_load_while_serving_is_told_the_store_is_busy(tmp_path: Path) -> None:
    with serving(create_app(tmp_path / "store")):
        done = subprocess.run(
            [sys.executable, "-m", "kg", "--store", str(tmp_path / "store"), "load", str(EXAMPLE)],
            capture_output=True,
            text=True,
        )
    assert done.returncode == 4 and "in use" in done.stderr


def test_a_request_that_arrives_too_slowly_is_cut_off_with_408(tmp_path: Path) -> None:
    """Slow clients (headers or body trickling in, or nothing sent) do not hold connections."""
    with serving(create_app(tmp_path / "store"), deadline=1.0) as url:
        port = int(url.rsplit(":", 1)[1])
        for start in (
            b"GET /queries HTTP/1.1\r\nHost: x\r\n",  # headers never finished
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100\r\n\r\nASK {",  # a body that stops
            b"",  # nothing at all
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
                client.sendall(start)
                began = time.perf_counter()
                answer = b""
                while chunk := client.recv(4096):
                    answer += chunk
                waited = time.perf_counter() - began
            assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
            assert b"did not arrive within 1 s" in answer and 0.8 < waited < 3
        assert fetch(f"{url}/queries")[0] == 200  # a client that is not slow is served as ever


def test_kg_serve_listens_on_loopback_only_unless_told(tmp_path: Path) -> None:
    with Store(tmp_path / "store") as store:
        load(store, EXAMPLE)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kg", "--store", str(tmp_path / "store"), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                assert fetch(f"http://127.0.0.1:{port}/queries")[0] == 200
                break
            except OSError:
                time.sleep(0.1)
        listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
        local = {line.split()[1] for line in listening if line.split()[3] == "0A"}  # state LISTEN
        assert f"0100007F:{port:04X}" in local  # 127.0.0.1, not 0.0.0.0
        assert f"00000000:{port:04X}" not in local
    finally:
        server.terminate()
        server.wait()


def test_minted_iris_dereference_when_the_base_is_the_server(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    store = Store(None, base=base)
    load(store, EXAMPLE)
    path = example_on_disk(tmp_path, base)
    paper = store.paper(parse_id(PAPER)).value
    annotation, citation = next(
        (q.subject.value, q.object.value)
        for q in store.oxigraph.quads_for_pattern(None, OA["hasTarget"], None)
        if any(store.oxigraph.quads_for_pattern(q.object, CITO["hasCitedEntity"], ox.NamedNode(paper)))
    )
    with serving(create_app(path), port) as url:
        for iri in (paper, citation, annotation):
            described = ox.serialize(describe(store, iri), format=ox.RdfFormat.N_TRIPLES)
            expected = Graph().parse(data=described, format="nt")
            for accept, rdflib_format in (
                ("text/turtle", "turtle"),
                ("application/ld+json", "json-ld"),
                ("application/n-triples", "nt"),
            ):
                status, _, body = fetch(iri, accept=accept)
                assert status == 200 and isomorphic(Graph().parse(data=body, format=rdflib_format), expected)
            _, headers, page = fetch(iri, accept="text/html")
            assert headers["content-type"].startswith("text/html") and iri.encode() in page
        assert fetch(base + "paper/doi/10.1/nothing")[0] == 404
        status, _, body = fetch(f"{url}/describe?{urllib.parse.urlencode({'iri': paper})}")
        assert status == 200 and (URIRef(paper), None, None) in Graph().parse(data=body, format="turtle")


def test_the_ontology_and_the_dataset_describe_themselves(served: tuple[str, Store]) -> None:
    url, store = served
    _, _, body = fetch(f"{url}/ontology", accept="text/turtle")
    ontology = Graph().parse(data=body, format="turtle")
    assert (URIRef(CKG["primaryRole"].value), RDFS.label, None) in ontology
    _, headers, page = fetch(f"{url}/ontology", accept="text/html")
    assert headers["content-type"].startswith("text/html") and b'id="hasRepresentativeCitation"' in page
    _, _, body = fetch(f"{url}/.well-known/void")
    dataset = Graph().parse(data=body, format="turtle")
    void = "http://rdfs.org/ns/void#"
    assert (None, URIRef(void + "sparqlEndpoint"), URIRef(f"{url}/sparql")) in dataset
    assert not list(dataset.objects(None, URIRef(void + "triples")))  # (counting every quad: seconds)
    counted = {}  # each class's instances (papers: citekg's), counted by the server's SPARQL endpoint
    for cls in (FABIO["Expression"], CITO["Citation"], OA["Annotation"]):
        ours = f"FILTER(STRSTARTS(STR(?x), '{store.minter.base}'))" if cls == FABIO["Expression"] else ""
        query = f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {cls} {ours} }}"
        _, _, body = fetch(sparql_url(url, query), accept="application/sparql-results+json")
        counted[cls.value] = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    stated = {
        str(dataset.value(partition, URIRef(void + "class"))): int(
            dataset.value(partition, URIRef(void + "entities"))
        )
        for partition in dataset.objects(None, URIRef(void + "classPartition"))
    }
    assert stated == counted and all(counted.values())
    status, _, dump = fetch(f"{url}/dump.nq")
    assert status == 200 and len(dump.splitlines()) == count(url)


def test_the_graph_store_protocol_reads_freely_and_writes_with_the_token(served: tuple[str, Store]) -> None:
    url, store = served
    graph = store.source_graphs()[0].value
    status, _, body = fetch(
        f"{url}/graph-store?{urllib.parse.urlencode({'graph': graph})}", accept="application/n-triples"
    )
    expected = Graph().parse(
        data=store.oxigraph.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)), format="nt"
    )
    served_graph = Graph().parse(data=body, format="nt")
    loaded_at = URIRef("http://www.w3.org/ns/prov#generatedAtTime")
    for each in (served_graph, expected):  # the two copies were loaded at different times
        each.remove((None, loaded_at, None))
    assert status == 200 and isomorphic(served_graph, expected)
    target = f"{url}/graph-store?{urllib.parse.urlencode({'graph': 'http://example.org/g'})}"
    turtle_body = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> ."
    turtle_type = {"Content-Type": "text/turtle"}

    def send(method: str, data: bytes | None, headers: dict[str, str]) -> int:
        request = urllib.request.Request(target, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert send("PUT", turtle_body, turtle_type) == 401
    assert send("PUT", turtle_body, {**turtle_type, "Authorization": "Bearer nope"}) == 401
    in_g = "?s ?p ?o FILTER (?g = <http://example.org/g>)"
    assert count(url, in_g) == 0
    token = {"Authorization": "Bearer s3cret"}
    assert send("PUT", turtle_body, {**turtle_type, **token}) == 201
    assert (
        send(
            "POST",
            b"<http://example.org/a> <http://example.org/b> <http://example.org/d> .",
            {**turtle_type, **token},
        )
        == 204
    )
    assert count(url, in_g) == 2
    assert send("PUT", b"not turtle", {**turtle_type, **token}) == 400
    assert count(url, in_g) == 2  # a refused PUT changed nothing
    assert send("DELETE", None, token) == 204
    assert count(url, in_g) == 0
    assert send("DELETE", None, token) == 404


def test_the_jsonld_context_is_published_and_descriptions_use_it(served: tuple[str, Store]) -> None:
    """/context.jsonld is the context of `kg export --format jsonld`, and a resource's JSON-LD answer is
    compact in it; pyld, offline, reads that answer back to the same triples as the Turtle answer."""
    from pyld import jsonld

    from kg.exporter import context

    url, store = served
    status, headers, body = fetch(f"{url}/context.jsonld")
    assert status == 200 and headers["content-type"].startswith("application/ld+json")
    assert json.loads(body)["@context"] == context()
    paper = store.paper(parse_id(PAPER)).value
    described = f"{url}/describe?{urllib.parse.urlencode({'iri': paper})}"
    document = json.loads(fetch(described, accept="application/ld+json")[2])
    assert document["@context"] == context() and any("title" in node for node in document["@graph"])

    def offline(url: str, options: dict) -> None:
        raise AssertionError(f"pyld tried to fetch {url}")

    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": offline})
    expected = Graph().parse(data=fetch(described, accept="text/turtle")[2], format="turtle")
    assert isomorphic(Graph().parse(data=nquads, format="nt"), expected)


def test_an_iri_merged_into_another_still_answers_with_a_permanent_redirect(tmp_path: Path) -> None:
    """A paper first published under its arXiv IRI, then found to have a DOI: its old IRI (and its old
    citation's) redirects for good to the IRI that names it now, on the server and through /describe."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    first = tmp_path / "first.jsonl"
    first.write_text(
        '{"type":"paper","id":"arxiv:2402.13929","title":"Hub"}\n'
        '{"type":"citation","citing":"doi:10.1/a","cited":"arxiv:2402.13929"}\n',
        encoding="utf-8",
    )
    second = tmp_path / "second.jsonl"
    second.write_text(
        '{"type":"paper","id":"doi:10.48550/arxiv.2402.13929","ids":{"arxiv":"2402.13929"}}\n',
        encoding="utf-8",
    )
    with Store(tmp_path / "store", base=base) as store:
        load(store, first)
        old_paper = base + "paper/arxiv/2402.13929"
        old_citation = store.minter.citation(base + "paper/doi/10.1/a", old_paper)
        assert any(store.oxigraph.quads_for_pattern(ox.NamedNode(old_citation), None, None))
        load(store, second)
        new_paper = store.paper(parse_id("arxiv:2402.13929")).value
        new_citation = store.minter.citation(base + "paper/doi/10.1/a", new_paper)
    assert new_paper == base + "paper/doi/10.48550/arxiv.2402.13929"
    with serving(create_app(tmp_path / "store"), port) as url:
        for old, new in ((old_paper, new_paper), (old_citation, new_citation)):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", old.removeprefix(url), headers={"Accept": "text/turtle"})
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 301 and answer.getheader("location") == "/" + new.removeprefix(base)
            status, _, body = fetch(old, accept="text/turtle")  # followed: the description of the new
            assert status == 200 and (URIRef(new), None, None) in Graph().parse(data=body, format="turtle")
        described = fetch(
            f"{url}/describe?{urllib.parse.urlencode({'iri': old_paper})}", accept="text/turtle"
        )
        assert described[0] == 200 and (URIRef(new_paper), None, None) in Graph().parse(
            data=described[2], format="turtle"
        )


def test_sources_kept_as_written_leave_as_written_by_the_graph_store_and_the_dump(tmp_path: Path) -> None:
    """OpenCitations' RDF keeps its lexical forms through the server too ("...06.000Z" stays so)."""
    with Store(tmp_path / "store") as store:
        meta = ox.NamedNode(load(store, DATA / "oc-meta.nq").graph)
        (prov,) = [part for part in store.parts(meta) if part.value.endswith("prov%2F")]
    written = ox.Literal("2021-02-03T04:05:06.000Z", datatype=XSD["dateTime"])
    with serving(create_app(tmp_path / "store")) as url:
        target = f"{url}/graph-store?{urllib.parse.urlencode({'graph': prov.value})}"
        status, _, body = fetch(target, accept="application/n-triples")
        assert status == 200 and written in {t.object for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)}
        status, _, body = fetch(f"{url}/dump.nq")
        dumped = set(ox.parse(body, ox.RdfFormat.N_QUADS))
        assert status == 200 and any(q.object == written and q.graph_name == prov for q in dumped)


def test_a_store_an_older_citekg_derived_is_served_with_what_to_do(tmp_path: Path) -> None:
    """Its counts are not kept: the front page and the VoID description say 503 and name kg rebuild,
    and the hub pages, which read what every citekg derived, still answer."""
    path = example_on_disk(tmp_path)
    with Store(path) as store:
        consensus = store.consensus_graph
        store.oxigraph.remove(
            next(store.oxigraph.quads_for_pattern(consensus, CKG["derivation"], None, consensus))
        )
    with serving(create_app(path, Settings())) as url:
        for page in ("/", "/.well-known/void"):
            status, _, body = fetch(url + page)
            assert status == 503 and b"kg rebuild" in body, (page, status, body[:200])
        status, _, _ = fetch(f"{url}/hub/{PAPER}", accept="application/json")
        assert status == 200
