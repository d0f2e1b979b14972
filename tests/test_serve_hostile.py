"""kg serve against hostile clients, as the internet will try it: federated queries aimed at other
hosts, runaway queries and updates, huge bodies, odd headers. Every check watches the real effect (a
listener that counts connections, worker processes that must die, the server's memory, the store's
contents), not just the status code."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.serve import Settings, create_app, sandbox
from kg.serve.engine import Engine
from kg.serve.limits import MAX_GRAPH_BODY
from kg.serve.problems import WriteInterrupted
from kg.serve.tasks import RECEIPTS
from kg.store import Store

from .servers import writable_oxigraph
from .test_serve import SLOW, count, example_on_disk, fetch, free_port, serving, sparql_url

TOKEN = "s3cret"
WRITE = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
RUNAWAY_UPDATE = (
    "INSERT { ?a <http://example.org/runaway> ?c } WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?h ?i ?j } }"
)


@contextmanager
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback port that records every connection made to it (and what arrived)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    arrived: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    arrived.append(connection.recv(4096))
                except OSError:
                    arrived.append(b"")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/", arrived
    finally:
        stop.set()
        thread.join()
        server.close()


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example_on_disk(tmp_path_factory.mktemp("hostile"))


def test_no_service_request_leaves_the_server(tmp_path: Path) -> None:
    path = example_on_disk(tmp_path)
    with listener() as (target, arrived), serving(create_app(path, Settings(update_token=TOKEN))) as url:
        prefix, _, local = (target + "sparql").rpartition("/")
        attempts = [
            f"SELECT * {{ SERVICE <{target}sparql> {{ ?s ?p ?o }} }}",
            f"select * {{ service silent <{target}sparql> {{ ?s ?p ?o }} }}",
            f"PREFIX e: <{prefix}/> SELECT * {{ SERVICE e:{local} {{ ?s ?p ?o }} }}",
            f"BASE <{target}> SELECT * {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
            f"SELECT * {{ VALUES ?where {{ <{target}sparql> }} SERVICE ?where {{ ?s ?p ?o }} }}",
            f"ASK {{ {{ SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }} }} }}",
        ]
        for query in attempts:
            status, _, body = fetch(sparql_url(url, query))
            assert status == 400 and b"--allow-service" in body, (query, status, body)
        update = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
        status, _, body = fetch(f"{url}/sparql", data=update.encode(), headers=WRITE)
        assert status == 400 and b"--allow-service" in body
        # the word in a string, a comment or an IRI is no call
        harmless = f'SELECT * {{ ?s ?p "SERVICE <{target}> {{}}" }} # SERVICE <{target}>'
        assert fetch(sparql_url(url, harmless))[0] == 200
        time.sleep(0.5)
    assert arrived == []


def glued_services(target: str) -> list[str]:
    """Spellings of SERVICE that Oxigraph's parser reads as a call although no tokeniser would: the
    keyword glued to SILENT or to a prefixed name, and an IRI written with codepoint escapes."""
    prefix, _, local = (target + "sparql").rpartition("/")
    escaped = target.replace(":", "\\u003A", 1) + "sparql"
    return [
        f"SELECT * {{ SERVICESILENT<{target}sparql> {{ ?s ?p ?o }} }}",
        f"PREFIX : <{prefix}/> SELECT * {{ SERVICE:{local} {{ ?s ?p ?o }} }}",
        f"PREFIX e: <{prefix}/> SELECT * {{ SERVICEe:{local} {{ ?s ?p ?o }} }}",
        f"PREFIX e: <{prefix}/> SELECT * {{ serviceSILENTe:{local}{{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE <{escaped}> {{ ?s ?p ?o }} }}",
    ]


def test_every_spelling_the_engine_calls_a_service_with_is_refused(tmp_path: Path) -> None:
    with listener() as (target, arrived):  # each spelling does make the engine call out
        for query in glued_services(target):
            with contextlib.suppress(OSError):  # the listener hangs up (SILENT says nothing)
                list(ox.Store().query(query))  # type: ignore[arg-type]
        time.sleep(0.5)
        assert len(arrived) == len(glued_services(target))
    path = example_on_disk(tmp_path)
    with listener() as (target, arrived), serving(create_app(path, Settings())) as url:
        for query in glued_services(target):
            status, _, body = fetch(sparql_url(url, query))
            assert status == 400 and b"--allow-service" in body, (query, status, body)
        time.sleep(0.5)
    assert arrived == []


def raw_service_call(store: Store, endpoint: str) -> str:
    """A SERVICE run on the engine itself, past every check kg serve makes of a request's text."""
    try:
        list(store.oxigraph.query(f"SELECT * {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"))  # type: ignore[arg-type]
    except OSError as error:
        return str(error)
    return "answered"


@pytest.mark.skipif(not sandbox.supported(), reason="seccomp filters need Linux on x86-64 or ARM64")
def test_a_read_only_server_s_workers_cannot_open_an_internet_socket(tmp_path: Path) -> None:
    path = example_on_disk(tmp_path)

    async def call_out(endpoint: str, offline: bool) -> str:
        engine = Engine(path, writable=False, processes=1, offline=offline)
        await engine.start()
        try:
            return str(await engine.run(raw_service_call, endpoint, timeout=10))
        finally:
            await engine.close()

    with listener() as (target, arrived):
        assert "Permission denied" in asyncio.run(call_out(target + "sparql", offline=True))
        time.sleep(0.5)
        assert arrived == []
        asyncio.run(call_out(target + "sparql", offline=False))  # the same task unfiltered calls out
        time.sleep(0.5)
        assert len(arrived) == 1
    read_only, writable, federated = (
        create_app(example_on_disk(tmp_path / name), settings)
        for name, settings in [
            ("read-only", Settings()),
            ("writable", Settings(update_token=TOKEN)),
            ("federated", Settings(allow_service=("http://example.org/",))),
        ]
    )
    offline = []
    for app in (read_only, writable, federated):
        with serving(app):
            offline.append(app.state.service.engine.offline)
    assert offline == [True, False, False]


def test_an_allowed_service_is_called_and_a_failing_one_is_a_502(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/sparql"
    with writable_oxigraph(tmp_path / "remote") as remote:
        endpoint = remote.endpoint
        insert = b'INSERT DATA { <http://example.org/s> <http://example.org/p> "far" }'
        assert (
            fetch(remote.update_endpoint, data=insert, headers={"Content-Type": WRITE["Content-Type"]})[0]
            == 204
        )
        settings = Settings(allow_service=(endpoint, dead))
        with serving(create_app(tmp_path / "store", settings)) as url:
            query = f"SELECT ?o WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
            status, _, body = fetch(sparql_url(url, query), accept="application/sparql-results+json")
            assert status == 200 and json.loads(body)["results"]["bindings"][0]["o"]["value"] == "far"
            status, _, body = fetch(sparql_url(url, f"SELECT * {{ SERVICE <{dead}> {{ ?s ?p ?o }} }}"))
            assert status == 502 and b"federated service failed" in body
            status, _, _ = fetch(sparql_url(url, f"SELECT * {{ SERVICE <{endpoint}x/..> {{ ?s ?p ?o }} }}"))
            assert status in (200, 502)  # the prefix allows it; what the endpoint says is its own


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_a_runaway_query_is_gone_seconds_after_its_503(example: Path, tmp_path: Path) -> None:
    path = example_on_disk(tmp_path)
    app = create_app(path, Settings(timeout=1.0, processes=2))
    engine = app.state.service.engine
    with serving(app) as url:
        before = set(engine.pids())
        started = time.perf_counter()
        status, _, body = fetch(sparql_url(url, SLOW))
        assert status == 503 and b"stopped" in body and time.perf_counter() - started < 3
        gone = before - set(engine.pids())
        assert len(gone) == 1 and not alive(gone.pop())  # the worker that ran it, with its memory
        deadline = time.time() + 10
        while len(engine.pids()) < 2 and time.time() < deadline:
            time.sleep(0.1)
        workers = engine.pids()
        assert len(workers) == 2  # a fresh worker took its place
        spent = [cpu_seconds(pid) for pid in workers]
        time.sleep(1.0)
        assert sum(cpu_seconds(pid) for pid in workers) - sum(spent) < 0.2  # nothing runs on
        assert fetch(sparql_url(url, "ASK { ?s ?p ?o }"))[0] == 200


def test_a_timed_out_update_leaves_no_trace(tmp_path: Path) -> None:
    path = example_on_disk(tmp_path)
    with serving(create_app(path, Settings(update_token=TOKEN, timeout=1.0))) as url:
        before = count(url)
        status, _, body = fetch(f"{url}/sparql", data=RUNAWAY_UPDATE.encode(), headers=WRITE)
        assert status == 503 and b"nothing was changed" in body
        time.sleep(2)  # the old thread-based server applied it later
        assert count(url) == before
        assert count(url, "?a <http://example.org/runaway> ?c") == 0
        ok = b"INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
        assert fetch(f"{url}/sparql", data=ok, headers=WRITE)[0] == 204
        assert count(url) == before + 1  # and the store takes updates as before, receipts gone


def commit_then_stall(store: Store, receipt: str) -> None:
    """A write that commits (with its receipt) and then hangs past its deadline before answering."""
    store.oxigraph.update(
        "INSERT DATA { <http://example.org/late> <http://example.org/p> 1 } ;\n"
        f"INSERT DATA {{ GRAPH <{RECEIPTS}> {{ <{receipt}> <{RECEIPTS}> true }} }}"
    )
    time.sleep(30)


def stall_then_commit(store: Store, receipt: str) -> None:
    time.sleep(30)
    store.oxigraph.update("INSERT DATA { <http://example.org/never> <http://example.org/p> 1 }")


def test_a_write_stopped_after_it_committed_answers_success_and_one_stopped_before_changed_nothing(
    tmp_path: Path,
) -> None:
    """The receipt tells the two apart: an error never hides a write that happened."""
    Store(tmp_path / "store").close()

    async def scenario() -> tuple[object, bool]:
        engine = Engine(tmp_path / "store", writable=True)
        await engine.start()
        try:
            committed = await engine.run(commit_then_stall, timeout=1.0, write=True)
            with pytest.raises(WriteInterrupted, match="nothing was changed"):
                await engine.run(stall_then_commit, timeout=1.0, write=True)
        finally:
            await engine.close()
        return committed, True

    committed, _ = asyncio.run(scenario())
    assert committed is None
    with Store(tmp_path / "store") as store:
        subjects = {q.subject.value for q in store.oxigraph}
    assert subjects == {"http://example.org/late"}  # and no receipt is left behind


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def kg_serve(store: Path, *options: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [sys.executable, "-m", "kg", "--store", str(store), "serve", "--port", str(port), *options]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                if fetch(f"http://127.0.0.1:{port}/queries")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        yield port, server
    finally:
        server.terminate()
        server.wait()


def send_huge(port: int, path: str, headers: dict[str, str], size: int, chunked: bool) -> tuple[int, float]:
    """Send a body of ``size`` bytes (declared, or chunked) and read the answer as soon as it comes."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n"
    connection.sendall((head + "\r\n").encode())
    piece = b"x" * (1 << 20)
    sent = 0
    try:
        while sent < size:
            connection.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
    except OSError:
        pass  # the server stopped reading: that is the point
    answer = connection.recv(200)
    connection.close()
    return int(answer.split()[1]), sent / 2**20


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_a_200_mb_body_is_refused_with_the_servers_memory_flat(
    example: Path, tmp_path: Path, chunked: bool
) -> None:
    path = example_on_disk(tmp_path)
    with kg_serve(path, "--update-token", TOKEN) as (port, server):
        baseline = rss_mib(server.pid)
        for target, headers in (
            ("/sparql", {"Content-Type": "application/sparql-query"}),
            ("/sparql", WRITE),
            (
                "/graph-store?graph=http://example.org/g",
                {"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
            ),
        ):
            status, sent_mib = send_huge(port, target, headers, 200 * 2**20, chunked)
            assert status == 413, target
            assert sent_mib < 100  # refused long before the end, not read whole
        # declared: refused before a byte is read; chunked: read up to the Graph Store's limit, no further
        allowed = (MAX_GRAPH_BODY / 2**20 if chunked else 0) + 40
        assert rss_mib(server.pid, "VmHWM") - baseline < allowed


def raw_request(port: int, request: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = connection.recv(100)
    return int(answer.split()[1])


def test_no_hostile_request_makes_a_server_error(example: Path) -> None:
    app = create_app(example, Settings(update_token=TOKEN))
    with serving(app) as url:
        port = int(url.rsplit(":", 1)[1])
        statuses = {
            "non-ASCII bearer": raw_request(
                port,
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-update\r\n"
                b"Authorization: Bearer \xc3\xa9t\xe9\r\nContent-Length: 9\r\n\r\nCLEAR ALL",
            ),
            "non-UTF-8 query": raw_request(
                port,
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: 6\r\n\r\nASK{\xff}",
            ),
            "bad length": raw_request(
                port,
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: -5\r\n\r\n",
            ),
            "query not IRI graph": fetch(
                f"{url}/sparql?" + urllib.parse.urlencode({"query": "ASK {}", "named-graph-uri": "a b"})
            )[0],
            "NUL in IRI": fetch(f"{url}/describe?iri=http://example.org/%00")[0],
            "two graphs": fetch(f"{url}/graph-store?graph=http://a/&graph=http://b/")[0],
            "graph and default": fetch(f"{url}/graph-store?graph=http://a/&default")[0],
            "unknown graph": fetch(f"{url}/graph-store?graph=http://example.org/none")[0],
            "huge id": fetch(f"{url}/hub/doi:10.1/{'x' * 5000}.json")[0],
            "update by GET": fetch(f"{url}/sparql?update=CLEAR%20ALL")[0],
            "PUT on /sparql": raw_request(
                port, b"PUT /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
            ),
            "multipart junk": fetch(
                f"{url}/graph-store?graph=http://example.org/m",
                data=b"--x\r\nno end",
                headers={
                    "Content-Type": "multipart/form-data; boundary=x",
                    "Authorization": f"Bearer {TOKEN}",
                },
            )[0],
            "bad turtle": fetch(
                f"{url}/graph-store?graph=http://example.org/m",
                data=b"<a> <b>",
                headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
            )[0],
            "bad accept": fetch(sparql_url(url, "SELECT * {}"), accept=";;;,*/*;q=x,text/csv;q=")[0],
        }
    assert all(status < 500 for status in statuses.values()), statuses
    assert statuses["non-ASCII bearer"] == 401
    assert statuses["update by GET"] == 405


GET_ROUTES = [
    "/sparql",
    "/sparql?query=ASK%7B%7D",
    "/graph-store?default",
    "/queries",
    "/queries/stats.json",
    "/hub/arxiv:2402.13929",
    "/hub/arxiv:2402.13929.json",
    "/search?q=lightning",
    "/.well-known/void",
    "/ontology",
    "/describe?iri=https://w3id.org/citekg/data/consensus",
    "/openapi.json",
    "/dump.nq",
]


def test_every_answer_carries_the_public_headers_and_head_works_on_every_get_route(example: Path) -> None:
    with serving(create_app(example)) as url:
        port = int(url.rsplit(":", 1)[1])
        for route in GET_ROUTES:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", route)
            got = connection.getresponse()
            got.read()
            connection.request("HEAD", route)
            head = connection.getresponse()
            assert head.read() == b""
            assert (head.status, head.getheader("content-type")) == (
                got.status,
                got.getheader("content-type"),
            )
            for answer in (got, head):
                assert answer.getheader("x-content-type-options") == "nosniff", route
                assert "accept" in answer.getheader("vary", "").lower(), route
            connection.close()


def test_cors_is_off_by_default_and_on_for_the_origins_given(example: Path, tmp_path: Path) -> None:
    origin = "https://yasgui.example"
    preflight = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    with serving(create_app(example)) as url:
        _, headers, _ = fetch(sparql_url(url, "ASK {}"), headers={"Origin": origin})
        assert "access-control-allow-origin" not in {k.lower() for k in headers}
    path = example_on_disk(tmp_path)
    with kg_serve(path, "--cors", origin) as (port, _):
        url = f"http://127.0.0.1:{port}"
        _, headers, _ = fetch(sparql_url(url, "ASK {}"), headers={"Origin": origin})
        assert {k.lower(): v for k, v in headers.items()}["access-control-allow-origin"] == origin
        request = urllib.request.Request(f"{url}/sparql", method="OPTIONS", headers=preflight)
        with urllib.request.urlopen(request, timeout=10) as answer:
            allowed = {k.lower(): v for k, v in answer.headers.items()}
        assert answer.status == 200 and allowed["access-control-allow-origin"] == origin
        assert "POST" in allowed["access-control-allow-methods"]
        assert "content-type" in allowed["access-control-allow-headers"].lower()
        other = urllib.request.Request(
            f"{url}/sparql", method="OPTIONS", headers={**preflight, "Origin": "https://elsewhere.example"}
        )
        try:
            urllib.request.urlopen(other, timeout=10)
            refused = False
        except urllib.error.HTTPError as error:
            refused = error.code == 400
        assert refused


@pytest.mark.parametrize(
    ("query", "accept", "media", "reader"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 3", "text/*", "text/csv", None),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 3", "application/json", "application/json", None),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", "application/json", "application/json", "json-ld"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", "application/xml", "application/xml", "xml"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", "application/n-quads", "application/n-quads", "nquads"),
        (
            "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3",
            "text/*;q=0.5, application/rdf+xml",
            "application/rdf+xml",
            "xml",
        ),
        ("ASK {}", "application/xml", "application/xml", None),
    ],
)
def test_content_negotiation_answers_only_in_a_type_the_client_accepted(
    example: Path, query: str, accept: str, media: str, reader: str | None
) -> None:
    with serving(create_app(example)) as url:
        status, headers, body = fetch(sparql_url(url, query), accept=accept)
    assert status == 200 and headers["content-type"].split(";")[0] == media
    if reader is not None:
        assert len(Graph().parse(data=body, format=reader)) == 3


def test_anonymous_reads_are_bounded_by_the_answer_limit(example: Path) -> None:
    with serving(create_app(example, Settings(max_bytes=1000))) as url:
        with Store.read_only(example) as store:
            graph = store.source_graphs()[0].value
        status, _, body = fetch(f"{url}/graph-store?{urllib.parse.urlencode({'graph': graph})}")
        assert status == 413 and b"1,000 bytes" in body
        status, _, dump = fetch(f"{url}/dump.nq")  # the dump streams, whatever its size
        assert status == 200 and len(dump) > 1000
