"""A remote SPARQL 1.1 store: the same commands against an Oxigraph server, Virtuoso, QLever, GraphDB.

``RemoteStore`` answers the reading side of ``kg.store.Store``'s interface (``query``, ``paper``,
``graphs``, ``quads``, ``dump``) over the SPARQL 1.1 Protocol. SPARQLWrapper builds each query and update
(POST, parameters, Accept, User-Agent); one opener of citekg's own sends it, like the requests SPARQLWrapper
cannot make (Graph Store writes, CONSTRUCTs read as they stream), authenticating as the server wants (Basic,
or Digest for Virtuoso) and turning every failure into the same errors. Answers come back parsed by
pyoxigraph into its own result objects, so the query runner,
the hub summary and the exports work unchanged. Exports stream: each graph is read by one CONSTRUCT whose
N-Triples answer pyoxigraph parses as it arrives.

Servers differ in one respect that matters to the saved queries: what the default graph is. Virtuoso,
QLever and GraphDB answer over the union of all graphs; Oxigraph needs the request parameter
``union-default-graph``. ``DIALECTS`` holds these differences, and the server's ``Server`` header picks one.
Parameters are bound by ``queries.bound_sparql`` as escaped RDF terms in a VALUES row, as for the
embedded store: user text never becomes query syntax here either.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from http.client import HTTPResponse
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from SPARQLWrapper import BASIC, DIGEST, JSON, POST, SPARQLWrapper

from kg import literals
from kg.backend import named, select, solutions
from kg.counting import open_counted
from kg.errors import CitekgError, InvalidSetting, QueryError, RemoteError
from kg.ids import PaperId
from kg.iris import DEFAULT_BASE, Minter, is_part, parts_of
from kg.vocab import CITO, DATACITE, PREFIXES, PROV, RDF, VOID, XSD

USER_AGENT = f"citekg/{version('citekg')} (SPARQLWrapper)"
RETRIES = 3


@dataclass(frozen=True)
class Dialect:
    """What one kind of server does its own way."""

    name: str
    union_default_graph: dict[str, str] = field(default_factory=dict)  # request parameters that make it so
    graph_store: tuple[str, str] | None = None  # its Graph Store path (beside the update endpoint's)
    graph_parameter: str = "graph"  # and the parameter that names the graph there
    auth: str = BASIC
    carries_durations: bool = False  # it rewrites xsd:duration ("P2Y9M" as "33"): send them as text
    bulk_post: str | None = None  # the Graph Store query that loads a POSTed N-Quads file in bulk


DURATION = XSD["duration"]


def _carried(term: Any) -> Any:
    """An xsd:duration as text (``ckg:durationText``), for a server that rewrites durations."""
    return literals.as_text(term) if isinstance(term, ox.Literal) and term.datatype == DURATION else term


DIALECTS = {
    "oxigraph": Dialect(
        "oxigraph", {"union-default-graph": ""}, graph_store=("update", "store"), bulk_post="no_transaction"
    ),
    "virtuoso": Dialect(
        "virtuoso",
        graph_store=("sparql-auth", "sparql-graph-crud-auth"),
        graph_parameter="graph-uri",
        auth=DIGEST,
        carries_durations=True,
    ),
    "generic": Dialect("generic"),
}
BATCH = 50_000  # triples per Graph Store POST
BULK_TIMEOUT = 3600.0  # seconds a server may load a whole file before it answers (its bulk loader's commit)
DATA_BATCH = 1_000  # triples per INSERT DATA or DELETE DATA: Virtuoso's parser runs out of memory at ~5,000


class RemoteStore:
    """A SPARQL 1.1 endpoint holding citekg's graphs; read-only unless given an update endpoint."""

    path: Path | None = None  # no folder on this machine
    generation: int | None = None  # other clients change the store unseen: nothing may cache it
    resumes_loads = True  # a load cut short keeps its work folder and resumes when run again

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        user: str | None = None,
        password: str | None = None,
        base: str | None = None,
        timeout: float = 60.0,
        dialect: str | None = None,
        graph_store: str | None = None,
        batch: int = BATCH,
    ) -> None:
        self.endpoint, self.update_endpoint = endpoint, update_endpoint
        self.user, self.password, self.timeout, self.batch = user, password, timeout, batch
        self._data_batch = min(batch, DATA_BATCH)
        self.minter = Minter(base or DEFAULT_BASE)
        self.dialect = DIALECTS[dialect] if dialect else self._detect()
        self.graph_store = graph_store or self._graph_store()
        self._paper_by_identifier = lru_cache(maxsize=200_000)(self._find_paper)

    # --- the store interface ---------------------------------------------------------------------

    @property
    def prefixes(self) -> dict[str, str]:
        return {**PREFIXES, "data": self.minter.base}

    @property
    def consensus_graph(self) -> ox.NamedNode:
        return ox.NamedNode(self.minter.consensus_graph)

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run SPARQL over the union of all graphs, with citekg's prefixes declared."""
        client = self._client(self._prologue() + sparql)
        if client.queryType in ("CONSTRUCT", "DESCRIBE"):
            with self._stream(sparql) as answer:
                return _as_query_triples(ox.parse(answer, format=ox.RdfFormat.N_TRIPLES))
        client.setReturnFormat(JSON)
        return ox.parse_query_results(self._send(client), format=ox.QueryResultsFormat.JSON)

    def paper(self, paper_id: PaperId) -> ox.NamedNode | None:
        found = self._paper_by_identifier(self.minter.identifier(paper_id.scheme, paper_id.value))
        return ox.NamedNode(found) if found else None

    def _find_paper(self, identifier: str) -> str | None:
        pattern = f"?paper {DATACITE['hasIdentifier']} {ox.NamedNode(identifier)}"
        for row in select(self, f"SELECT ?paper WHERE {{ {pattern} }} LIMIT 1"):
            return named(row["paper"]).value
        return None

    def graphs(self) -> list[ox.NamedNode]:
        """citekg's graphs: the sources (each says of itself that it is a prov:Entity, and names its
        parts as VoID subsets), their parts, and the consensus. Asking for them so, not for every
        graph, leaves out the server's own (Virtuoso keeps many)."""
        rows = select(
            self,
            f"SELECT DISTINCT ?g WHERE {{ {{ GRAPH ?g {{ ?g {RDF['type']} {PROV['Entity']} }} }} UNION "
            f"{{ GRAPH ?source {{ ?source {RDF['type']} {PROV['Entity']} ; {VOID['subset']} ?g }} }} }}",
        )
        found = {row["g"] for row in rows}
        for own in (self.consensus_graph, ox.NamedNode(self.minter.aliases_graph)):
            if self.query(f"ASK {{ GRAPH {own} {{ ?s ?p ?o }} }}"):
                found.add(own)
        return sorted(found, key=str)

    def exported_graphs(self) -> list[ox.NamedNode | ox.DefaultGraph]:
        """citekg's graphs: a server's default graph is its own affair (Virtuoso's is the union)."""
        return list(self.graphs())

    def source_graphs(self) -> list[ox.NamedNode]:
        own = (self.consensus_graph, ox.NamedNode(self.minter.aliases_graph))
        return [g for g in self.graphs() if g not in own and not is_part(g.value)]

    def parts(self, graph: ox.NamedNode) -> list[ox.NamedNode]:
        return [ox.NamedNode(g) for g in parts_of(graph.value, (g.value for g in self.graphs()))]

    def quads(
        self, graph: ox.NamedNode | ox.DefaultGraph, subject: ox.NamedNode | None = None
    ) -> Iterator[ox.Quad]:
        """The quads of one graph (about one subject, if given), streamed."""
        where = f"GRAPH {graph} {{ {subject or '?s'} ?p ?o }}"
        construct = f"CONSTRUCT {{ {subject or '?s'} ?p ?o }} WHERE {{ {where} }}"
        for triple in ox.parse(self._stream(construct), format=ox.RdfFormat.N_TRIPLES):
            yield ox.Quad(triple.subject, triple.predicate, self._incoming(triple.object), graph)

    def dump(
        self,
        output: IO[bytes],
        fmt: ox.RdfFormat,
        graph: ox.NamedNode | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """Every graph (or one), streamed from the endpoint into ``output``; a dataset format keeps the
        graph names, the triple formats get the graphs one after the other (as the embedded store's
        union, a triple in two graphs comes twice)."""
        graphs = [graph] if graph is not None else self.graphs()
        if fmt.supports_datasets:
            ox.serialize((q for g in graphs for q in self.quads(g)), output, fmt, prefixes=prefixes)
        else:
            ox.serialize((q.triple for g in graphs for q in self.quads(g)), output, fmt, prefixes=prefixes)

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | None,
        graph: ox.NamedNode | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads that match (``None`` matches anything), our own terms written as RDF terms. Within
        one graph the answer is spooled to a file before it is read, so the caller may write while it
        reads (a server would otherwise hold a read open beside the writes)."""
        s, p, o = (
            term if term is not None else ox.Variable(name)
            for term, name in zip((subject, predicate, object), "spo", strict=True)
        )
        if graph is None:
            rows = select(self, f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ {s} {p} {o} }} }}")
            for row in rows:
                found = object or self._incoming(row["o"])
                yield ox.Quad(subject or row["s"], predicate or row["p"], found, row["g"])
            return
        with tempfile.TemporaryFile() as spool:
            with self._stream(
                f"CONSTRUCT {{ {s} {p} {o} }} WHERE {{ GRAPH {graph} {{ {s} {p} {o} }} }}"
            ) as answer:
                shutil.copyfileobj(answer, spool)
            spool.seek(0)
            for triple in ox.parse(spool, format=ox.RdfFormat.N_TRIPLES):
                yield ox.Quad(triple.subject, triple.predicate, self._incoming(triple.object), graph)

    def is_empty(self) -> bool:
        """Whether the server holds none of citekg's graphs (it may hold other data)."""
        return not self.graphs()

    def papers(self, paper_ids: Iterable[PaperId]) -> dict[PaperId, str]:
        """The IRIs of the papers the store has under these ids, a few hundred ids a query."""
        by_identifier = {self.minter.identifier(p.scheme, p.value): p for p in paper_ids}
        found: dict[PaperId, str] = {}
        pattern = f"?paper {DATACITE['hasIdentifier']} ?identifier"
        for row in solutions(self, "?identifier", map(ox.NamedNode, by_identifier), pattern):
            found.setdefault(by_identifier[row["identifier"].value], row["paper"].value)
        return found

    def stored_citations(self, iris: list[str]) -> set[str]:
        """Those of these citations the consensus graph knows already (some source has them)."""
        pattern = f"GRAPH {self.consensus_graph} {{ ?citation {CITO['hasCitingEntity']} ?citing }}"
        return {
            row["citation"].value for row in solutions(self, "?citation", map(ox.NamedNode, iris), pattern)
        }

    def has_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))

    # --- writing -------------------------------------------------------------------------------------

    def add(self, nquads: str) -> None:
        """Add a batch of quads written as N-Quads, by INSERT DATA per graph."""
        self._data("INSERT", ox.parse(nquads, format=ox.RdfFormat.N_QUADS))

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        self._data("DELETE", quads)

    def bulk_load_nquads(self, path: Path, on_read: Callable[[int], None] | None = None) -> None:
        """Send an N-Quads file: whole, in one request, to a server that bulk-loads what it is POSTed
        (Oxigraph's ``no_transaction``: its bulk loader, not one transaction the size of the file);
        else in batches, by Graph Store POST where the server has it and INSERT DATA where not. Each
        request acknowledged is counted in ``PATH.sent``, so that sending the same file again (a load
        restarted after a failure) skips what arrived; a batch sent twice adds nothing, as triples are
        a set."""
        journal = path.with_name(path.name + ".sent")
        done = int(journal.read_text()) if journal.exists() else 0
        if self.graph_store and self.dialect.bulk_post is not None:
            if not done:
                self._post_file(path, on_read)
                journal.write_text("1")
            self.forget_lookups()
            return
        size = self.batch if self.graph_store else self._data_batch
        for number, (graph, triples) in enumerate(_batches(path, size, on_read)):
            if number < done:
                continue
            if self.graph_store:
                self._post_graph(graph, triples)
            else:
                self._data("INSERT", (ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples))
            journal.write_text(str(number + 1))
        self.forget_lookups()

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    def update(self, sparql: str) -> None:
        """Run SPARQL Update on the update endpoint, with citekg's prefixes declared."""
        client = SPARQLWrapper(self.endpoint, updateEndpoint=self._writable(), agent=USER_AGENT)
        client.setMethod(POST)
        client.setQuery(self._prologue() + sparql)
        self._send(client)
        self.forget_lookups()

    @contextmanager
    def change(self, graph: ox.NamedNode) -> Iterator[None]:
        """Nothing to set up: a remote change cut short is not undone but resumed, from the load's
        work folder on this machine (``work_folder``), when it is run again."""
        yield

    def settle(self) -> bool:
        """Nothing: a server's database is the server's to keep (for the Oxigraph server's, ``oxigraph
        optimize`` on its folder while it is stopped)."""
        return False

    def work_folder(self, graph: ox.NamedNode) -> Path:
        """Where a load of ``graph`` keeps its scratch files until it ends: one folder per server and
        graph, under ``$XDG_CACHE_HOME/citekg/loads`` (``~/.cache`` by default)."""
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        key = hashlib.sha256(f"{self.endpoint}\n{graph.value}".encode()).hexdigest()[:16]
        return cache / "citekg" / "loads" / key

    def forget_lookups(self) -> None:
        self._paper_by_identifier.cache_clear()

    def close(self) -> None:
        self.forget_lookups()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- talking to the server ---------------------------------------------------------------------

    def _prologue(self) -> str:
        return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in self.prefixes.items())

    def _client(self, sparql: str) -> SPARQLWrapper:
        client = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
        client.setMethod(POST)
        client.setQuery(sparql)
        for name, value in self.dialect.union_default_graph.items():
            client.addParameter(name, value)
        return client

    def _writable(self) -> str:
        if self.update_endpoint is None:
            raise InvalidSetting(f"{self.endpoint} is read-only here: give --update-endpoint too")
        return self.update_endpoint

    def _graph_store(self) -> str | None:
        """The Graph Store endpoint beside the update endpoint, where the dialect knows its path."""
        if self.update_endpoint is None or self.dialect.graph_store is None:
            return None
        update_path, store_path = self.dialect.graph_store
        head, _, last = self.update_endpoint.rstrip("/").rpartition("/")
        return f"{head}/{store_path}" if last == update_path else None

    def _outgoing(self, statement: Any) -> Any:
        """A quad or triple as this server must be sent it (durations as text where it rewrites them)."""
        if not self.dialect.carries_durations or not isinstance(statement.object, ox.Literal):
            return statement
        if isinstance(statement, ox.Quad):
            carried = _carried(statement.object)
            return ox.Quad(statement.subject, statement.predicate, carried, statement.graph_name)
        return ox.Triple(statement.subject, statement.predicate, _carried(statement.object))

    def _incoming(self, term: Any) -> Any:
        """A term as it was written (literals stored as text given back their own type)."""
        return literals.written(term)

    def _data(self, operation: str, quads: Iterable[ox.Quad]) -> None:
        """INSERT DATA or DELETE DATA, one request per graph and batch."""
        size = self._data_batch
        for graph, triples in _grouped(map(self._outgoing, quads), size):
            body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
            self.update(f"{operation} DATA {{ GRAPH {graph} {{\n{body}\n}} }}")

    def _post_graph(self, graph: ox.NamedNode, triples: list[ox.Triple]) -> None:
        """Add triples to a graph by Graph Store Protocol POST (merging into what it holds)."""
        body = ox.serialize(map(self._outgoing, triples), format=ox.RdfFormat.N_TRIPLES)
        target = f"{self.graph_store}?{urllib.parse.urlencode({self.dialect.graph_parameter: graph.value})}"
        request = urllib.request.Request(
            target,
            data=body,
            method="POST",
            headers={"Content-Type": "application/n-triples", "User-Agent": USER_AGENT},
        )
        with self._open(request):
            pass

    def _post_file(self, path: Path, on_read: Callable[[int], None] | None) -> None:
        """POST an N-Quads file to the Graph Store for the server's bulk loader, streamed from the disk
        (not retried here: the file is read once; the load run again sends it again)."""
        target = f"{self.graph_store}?{self.dialect.bulk_post}"
        with path.open("rb") if on_read is None else open_counted(path, on_read) as body:
            request = urllib.request.Request(
                target,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/n-quads",
                    "Content-Length": str(path.stat().st_size),
                    "User-Agent": USER_AGENT,
                },
            )
            with self._open(request, retries=1, timeout=max(self.timeout, BULK_TIMEOUT)):
                pass

    def _open(
        self, request: urllib.request.Request, *, retries: int = RETRIES, timeout: float | None = None
    ) -> HTTPResponse:
        """The response to a request (a query or update SPARQLWrapper built, a Graph Store write, a
        CONSTRUCT read as it streams), authenticated as the dialect wants, through an opener of its own
        (never the process-wide one), retrying server errors and lost connections, failing as
        ``_failure`` says."""
        for attempt in range(retries):
            try:
                response: HTTPResponse = self._opener(request, request.full_url).open(
                    request, timeout=timeout or self.timeout
                )
                return response
            except urllib.error.HTTPError as error:
                if error.code < 500 or attempt == retries - 1:
                    raise self._failure(request.full_url, error) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                if _timed_out(error) or attempt == retries - 1:
                    raise self._failure(request.full_url, error) from None
            time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    def _failure(self, url: str, error: BaseException) -> CitekgError:
        """What a failed request to the server means to the user: one wording for every request."""
        where = url.split("?", 1)[0]
        if isinstance(error, urllib.error.HTTPError):
            body = " ".join(error.read()[:500].decode(errors="replace").split())
            if error.code == 400:
                return QueryError(f"{where} refused the query as malformed: {body}")
            if error.code == 401:
                return RemoteError(f"{where} refused the credentials (give --user and --password)")
            if error.code == 404:
                return RemoteError(f"{where} is not a SPARQL endpoint (404)")
            return RemoteError(f"{where} answered {error.code}: {body}")
        if _timed_out(error):
            resume = "; run the load again to resume it" if where == self.graph_store else ""
            return RemoteError(f"{where} did not answer within {self.timeout:g} s{resume}")
        return RemoteError(f"{where} did not answer: {_detail(error)}")

    def _opener(self, request: urllib.request.Request, url: str) -> urllib.request.OpenerDirector:
        """A URL opener that authenticates as the dialect does (Basic is sent with the request)."""
        if self.user is None:
            return urllib.request.build_opener()
        if self.dialect.auth == DIGEST:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, url, self.user, self.password or "")
            return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(manager))
        token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        return urllib.request.build_opener()

    def _send(self, client: SPARQLWrapper) -> bytes:
        """The raw answer to the query or update SPARQLWrapper has built (method, parameters, Accept,
        User-Agent), sent by ``_open`` like every other request: SPARQLWrapper's own sending would
        install a process-wide urllib opener for digest authentication."""
        with self._open(client._createRequest()) as response:
            cut_at = response.headers.get("X-SPARQL-MaxRows")
            if cut_at is not None:  # Virtuoso's ResultSetMaxRows: rows past it are left out, said only here
                raise RemoteError(
                    f"{self.endpoint} stopped the answer at its limit of {cut_at} rows (Virtuoso's "
                    "ResultSetMaxRows; it says so even when the answer has exactly that many): citekg "
                    "refuses what may be part of an answer; raise the setting in the [SPARQL] section of "
                    "virtuoso.ini (docs/scaling.md)"
                )
            return response.read()

    def _stream(self, construct: str) -> IO[bytes]:
        """An open HTTP response to a CONSTRUCT (or DESCRIBE) in N-Triples, for pyoxigraph to parse as it
        arrives."""
        parameters = {"query": self._prologue() + construct, **self.dialect.union_default_graph}
        request = urllib.request.Request(
            self.endpoint,
            data=urllib.parse.urlencode(parameters).encode(),
            headers={"Accept": "application/n-triples", "User-Agent": USER_AGENT},
        )
        return self._open(request)

    def _detect(self) -> Dialect:
        """The server's dialect, from the Server header of a trivial query."""
        request = urllib.request.Request(
            f"{self.endpoint}?{urllib.parse.urlencode({'query': 'ASK {}'})}",
            headers={"Accept": "application/sparql-results+json", "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.build_opener().open(request, timeout=self.timeout) as response:
                server = response.headers.get("Server", "")
        except urllib.error.HTTPError as error:
            server = error.headers.get("Server", "")
        except urllib.error.URLError as error:
            raise RemoteError(f"{self.endpoint} did not answer: {error.reason}") from None
        except (TimeoutError, OSError) as error:
            raise RemoteError(f"{self.endpoint} did not answer: {error}") from None
        lowered = server.lower()
        return next((d for name, d in DIALECTS.items() if name in lowered), DIALECTS["generic"])


def _batches(
    path: Path, size: int, on_read: Callable[[int], None] | None = None
) -> Iterator[tuple[ox.NamedNode, list[ox.Triple]]]:
    """An N-Quads file as batches of at most ``size`` triples of one graph each, always cut at the same
    places for the same file (the journal of a restarted load counts batches)."""
    with path.open("rb") if on_read is None else open_counted(path, on_read) as quads:
        yield from _grouped(ox.parse(quads, format=ox.RdfFormat.N_QUADS), size)


def _grouped(quads: Iterable[ox.Quad], size: int) -> Iterator[tuple[ox.NamedNode, list[ox.Triple]]]:
    graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None
    triples: list[ox.Triple] = []
    for quad in quads:
        if quad.graph_name != graph or len(triples) >= size:
            if triples:
                yield named(graph), triples
            graph, triples = quad.graph_name, []
        triples.append(quad.triple)
    if triples:
        yield named(graph), triples


def _timed_out(error: BaseException) -> bool:
    return isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError)


def _detail(error: BaseException) -> str:
    return " ".join(str(error).split())[:500]


def _as_query_triples(triples: Iterator[Any]) -> ox.QueryTriples:
    """pyoxigraph's own CONSTRUCT result object for triples that came over the wire."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    answer = scratch.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(answer, ox.QueryTriples)
    return answer
