"""A remote SPARQL 1.1 store: the same commands against an Oxigraph server, Virtuoso, QLever, GraphDB.

``RemoteStore`` answers the reading side of ``kg.store.Store``'s interface (``query``, ``paper``,
``graphs``, ``quads``, ``dump``) over the SPARQL 1.1 Protocol. Queries go through SPARQLWrapper (auth,
User-Agent, POST) and come back parsed by pyoxigraph into its own result objects, so the query runner,
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
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version
from typing import IO, Any

import pyoxigraph as ox
from SPARQLWrapper import BASIC, DIGEST, JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
)

from kg.errors import CitekgError, QueryError
from kg.ids import PaperId
from kg.mapping import DEFAULT_BASE, Minter
from kg.vocab import DATACITE, PREFIXES, PROV, RDF

USER_AGENT = f"citekg/{version('citekg')} (SPARQLWrapper)"
RETRIES = 3


@dataclass(frozen=True)
class Dialect:
    name: str
    union_default_graph: dict[str, str] = field(default_factory=dict)  # request parameters that make it so


DIALECTS = {
    "oxigraph": Dialect("oxigraph", {"union-default-graph": ""}),
    "virtuoso": Dialect("virtuoso"),
    "generic": Dialect("generic"),
}


class RemoteStore:
    """A SPARQL 1.1 endpoint holding citekg's graphs; read-only unless given an update endpoint."""

    path = None  # no folder on this machine

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
    ) -> None:
        self.endpoint, self.update_endpoint = endpoint, update_endpoint
        self.user, self.password, self.timeout = user, password, timeout
        self.minter = Minter(base or DEFAULT_BASE)
        self.dialect = DIALECTS[dialect] if dialect else self._detect()
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
        rows = self.query(
            f"SELECT ?paper WHERE {{ ?paper {DATACITE['hasIdentifier']} {ox.NamedNode(identifier)} }} LIMIT 1"
        )
        for row in rows:  # type: ignore[union-attr]
            return row["paper"].value
        return None

    def graphs(self) -> list[ox.NamedNode]:
        """citekg's graphs: the sources (each says of itself that it is a prov:Entity) and the consensus.
        Asking for them so, not for every graph, leaves out the server's own (Virtuoso keeps many)."""
        rows = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g {RDF['type']} {PROV['Entity']} }} }}")
        found = {row["g"] for row in rows}  # type: ignore[union-attr]
        if self.query(f"ASK {{ GRAPH {self.consensus_graph} {{ ?s ?p ?o }} }}"):
            found.add(self.consensus_graph)
        return sorted(found, key=str)

    def source_graphs(self) -> list[ox.NamedNode]:
        return [g for g in self.graphs() if g != self.consensus_graph]

    def quads(self, graph: ox.NamedNode, subject: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """The quads of one graph (about one subject, if given), streamed."""
        where = f"GRAPH {graph} {{ {subject or '?s'} ?p ?o }}"
        construct = f"CONSTRUCT {{ {subject or '?s'} ?p ?o }} WHERE {{ {where} }}"
        for triple in ox.parse(self._stream(construct), format=ox.RdfFormat.N_TRIPLES):
            yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)

    def dump(
        self,
        output: IO[bytes],
        fmt: ox.RdfFormat,
        graph: ox.NamedNode | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """Every graph (or one), streamed from the endpoint into ``output``; the triple formats get the
        graphs one after the other (as the embedded store's union, a triple in two graphs comes twice)."""
        graphs = [graph] if graph is not None else self.graphs()
        options = {"prefixes": prefixes} if prefixes else {}
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG) and graph is None:
            ox.serialize((q for g in graphs for q in self.quads(g)), output, fmt, **options)
        else:
            ox.serialize((q.triple for g in graphs for q in self.quads(g)), output, fmt, **options)

    def close(self) -> None:
        self._paper_by_identifier.cache_clear()

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
        client.setTimeout(int(self.timeout))
        client.setQuery(sparql)
        for name, value in self.dialect.union_default_graph.items():
            client.addParameter(name, value)
        if self.user is not None:
            client.setHTTPAuth(DIGEST if self.dialect.name == "virtuoso" else BASIC)
            client.setCredentials(self.user, self.password or "")
        return client

    def _send(self, client: SPARQLWrapper) -> bytes:
        """The raw answer, retrying server errors and lost connections with backoff; errors the
        user can act on become CitekgErrors that say what happened."""
        for attempt in range(RETRIES):
            try:
                with client.query().response as response:
                    return response.read()
            except QueryBadFormed as error:
                raise QueryError(
                    f"{self.endpoint} refused the query as malformed: {_detail(error)}"
                ) from None
            except Unauthorized:
                raise CitekgError(
                    f"{self.endpoint} refused the credentials (give --user and --password)"
                ) from None
            except EndPointNotFound:
                raise CitekgError(f"{self.endpoint} is not a SPARQL endpoint (404)") from None
            except TimeoutError:
                raise CitekgError(f"{self.endpoint} did not answer within {self.timeout:g} s") from None
            except (EndPointInternalError, urllib.error.URLError, ConnectionError) as error:
                if isinstance(getattr(error, "reason", None), TimeoutError):
                    raise CitekgError(f"{self.endpoint} did not answer within {self.timeout:g} s") from None
                if attempt == RETRIES - 1:
                    raise CitekgError(f"{self.endpoint} did not answer: {_detail(error)}") from None
                time.sleep(0.5 * 2**attempt)
            except SPARQLWrapperException as error:
                raise CitekgError(f"{self.endpoint}: {_detail(error)}") from None
        raise AssertionError("unreachable")

    def _stream(self, construct: str) -> IO[bytes]:
        """An open HTTP response to a CONSTRUCT (or DESCRIBE) in N-Triples, for pyoxigraph to parse as it
        arrives."""
        parameters = {"query": self._prologue() + construct, **self.dialect.union_default_graph}
        request = urllib.request.Request(
            self.endpoint,
            data=urllib.parse.urlencode(parameters).encode(),
            headers={"Accept": "application/n-triples", "User-Agent": USER_AGENT},
        )
        opener = urllib.request.build_opener()
        if self.user is not None:
            if self.dialect.name == "virtuoso":
                manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                manager.add_password(None, self.endpoint, self.user, self.password or "")
                opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(manager))
            else:
                token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
                request.add_header("Authorization", f"Basic {token}")
        try:
            return opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            raise CitekgError(
                f"{self.endpoint} answered {error.code}: {error.read()[:500].decode(errors='replace')}"
            ) from None
        except urllib.error.URLError as error:
            raise CitekgError(f"{self.endpoint} did not answer: {error.reason}") from None

    def _detect(self) -> Dialect:
        """The server's dialect, from the Server header of a trivial query."""
        request = urllib.request.Request(
            f"{self.endpoint}?{urllib.parse.urlencode({'query': 'ASK {}'})}",
            headers={"Accept": "application/sparql-results+json", "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                server = response.headers.get("Server", "")
        except urllib.error.HTTPError as error:
            server = error.headers.get("Server", "")
        except urllib.error.URLError as error:
            raise CitekgError(f"{self.endpoint} did not answer: {error.reason}") from None
        except (TimeoutError, OSError) as error:
            raise CitekgError(f"{self.endpoint} did not answer: {error}") from None
        lowered = server.lower()
        return next((d for name, d in DIALECTS.items() if name in lowered), DIALECTS["generic"])


def _detail(error: BaseException) -> str:
    return " ".join(str(error).split())[:500]


def _as_query_triples(triples: Iterator[Any]) -> ox.QueryTriples:
    """pyoxigraph's own CONSTRUCT result object for triples that came over the wire."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    answer = scratch.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(answer, ox.QueryTriples)
    return answer
