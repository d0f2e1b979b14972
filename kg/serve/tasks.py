"""The work ``kg serve`` hands its workers (``kg.serve.engine``): each task takes the worker's store
first and returns what pickles (bytes, rows, dataclasses, RDF terms); a generator streams bytes.

Writes take a receipt last: the IRI of a marker written in the same transaction as the write and
removed right after it, so that the server can tell, after a worker died, whether the write committed.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg import explorer_index, hub, linked_data, queries
from kg.backend import named, value_of
from kg.ids import parse_id
from kg.results import write_rows
from kg.serve import lexing
from kg.serve.negotiation import BOOLEAN, GRAPH_BODIES, GRAPHS, SOLUTIONS, TRIPLES, negotiate
from kg.serve.problems import BadRequest, HTTPProblem, ServiceFailed, TooLarge
from kg.stats import Source, Stats, sources, store_stats
from kg.store import Store
from kg.vocab import DCTERMS, OWL

if TYPE_CHECKING:
    from typing_extensions import Buffer

RECEIPTS = "urn:citekg:receipts"  # the graph a write's receipt goes to, and leaves at once
UPLOADS = "urn:citekg:upload:"  # where a graph sent over HTTP waits until it replaces or joins its graph


@dataclass(frozen=True)
class Dataset:
    """The dataset a request names: graphs by IRI (None: not named), or the union of all graphs."""

    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    union: bool = False


@dataclass(frozen=True)
class Answer:
    media: str
    body: bytes


class _Capped(io.BytesIO):
    """A byte sink that refuses to grow past a limit, so a huge answer stops being written at once."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: Buffer) -> int:
        if self.tell() + memoryview(data).nbytes > self.limit:
            raise TooLarge(f"the answer is larger than the server's limit of {self.limit:,} bytes")
        return super().write(data)


# --- SPARQL ------------------------------------------------------------------------------------------


def sparql_query(
    store: Store, text: str, accept: str, dataset: Dataset, base_iri: str, max_bytes: int, federated: bool
) -> Answer:
    """Run a query and serialise its answer in the type the client prefers, within ``max_bytes``."""
    sink = _Capped(max_bytes)
    with _answering(federated):
        result = store.oxigraph.query(text, **_options(store, dataset, base_iri))
        if isinstance(result, ox.QueryTriples):
            media = negotiate(accept, TRIPLES)
            result.serialize(sink, TRIPLES[media])
        else:
            offered = BOOLEAN if isinstance(result, ox.QueryBoolean) else SOLUTIONS
            media = negotiate(accept, offered)
            result.serialize(sink, offered[media])
    return Answer(media, sink.getvalue())


def _options(store: Store, dataset: Dataset, base_iri: str) -> dict[str, Any]:
    """The engine's options for a query over ``dataset``, with the store's prefixes declared."""
    options: dict[str, Any] = {"prefixes": store.prefixes, "base_iri": base_iri}
    if dataset.union:
        options["use_default_graph_as_union"] = True
    if dataset.default_graphs is not None or dataset.named_graphs is not None:
        options["default_graph"] = [ox.NamedNode(iri) for iri in dataset.default_graphs or []]
        options["named_graphs"] = [ox.NamedNode(iri) for iri in dataset.named_graphs or []]
    return options


@contextmanager
def _answering(federated: bool) -> Iterator[None]:
    """A query's failures as the client should hear them (the engine evaluates as the answer is read,
    so they come while it is written): bad syntax a 400, a federated service that failed a 502."""
    try:
        yield
    except SyntaxError as error:
        raise BadRequest(f"the query is not valid SPARQL: {error}") from None
    except OSError as error:
        if federated:
            raise ServiceFailed(f"a federated service failed: {error}") from None
        raise


def sparql_update(store: Store, text: str, base_iri: str, federated: bool, receipt: str) -> None:
    """Run an update with its receipt in the same transaction. The receipt goes after the update's
    own operations, so that ``DROP ALL`` cannot remove it; after a trailing ``;`` it needs none. A
    syntax error is reported where the parser found it: the update comes first, so its positions hold."""
    marker = _receipt_operation(receipt)
    try:
        _update(store, f"{text}\n;\n{marker}", base_iri, federated)
    except SyntaxError as error:
        try:
            _update(store, f"{text}\n{marker}", base_iri, federated)
        except SyntaxError:
            raise BadRequest(f"the update is not valid SPARQL: {error}") from None
    take_receipt(store, receipt)


def _update(store: Store, text: str, base_iri: str, federated: bool) -> None:
    try:
        store.oxigraph.update(text, prefixes=store.prefixes, base_iri=base_iri)
    except OSError as error:
        if federated:
            raise ServiceFailed(f"a federated service failed: {error}") from None
        raise
    finally:
        store.wrote()


def _receipt_operation(receipt: str) -> str:
    return f"INSERT DATA {{ GRAPH <{RECEIPTS}> {{ <{receipt}> <{RECEIPTS}> true }} }}"


@dataclass(frozen=True)
class Cell:
    """One value of an answer as a page shows it: an IRI, a blank node or a literal."""

    kind: str  # "iri", "blank" or "literal"
    value: str
    datatype: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Table:
    """A query's answer for a page: solutions as rows (a graph's triples as subject, predicate, object;
    a yes-or-no answer as ``boolean``), the first ``shown`` of ``count``, and the time it took."""

    columns: list[str]
    rows: list[list[Cell | None]]
    count: int
    seconds: float
    boolean: bool | None = None
    graph: bool = False


def query_table(store: Store, text: str, base_iri: str, federated: bool, shown: int) -> Table:
    """Run a query as the endpoint would (the union of the graphs unless it names its dataset) and keep
    the first ``shown`` rows of its answer for a page, counting them all."""
    union = Dataset(union=not lexing.names_dataset(text))
    started = time.perf_counter()
    with _answering(federated):
        return _table(store.oxigraph.query(text, **_options(store, union, base_iri)), shown, started)


def saved_query_table(store: Store, name: str, params: dict[str, str], shown: int) -> tuple[str, Table]:
    """A saved query with its parameters bound (checked as ``kg query run`` checks them): its SPARQL,
    and its answer for a page."""
    sparql = queries.bound_sparql(store, queries.get(name), params)
    started = time.perf_counter()
    return sparql, _table(store.query(sparql), shown, started)


def _table(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, shown: int, started: float
) -> Table:
    if isinstance(result, ox.QueryBoolean):
        return Table([], [], 1, time.perf_counter() - started, boolean=bool(result))
    if isinstance(result, ox.QueryTriples):
        columns = ["subject", "predicate", "object"]
        rows_of: Iterator[list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]] = (
            [triple.subject, triple.predicate, triple.object] for triple in result
        )
    else:
        columns = [variable.value for variable in result.variables]
        rows_of = ([solution[variable] for variable in result.variables] for solution in result)
    rows, count = [], 0
    for count, terms in enumerate(rows_of, start=1):
        if count <= shown:
            rows.append([_cell(term) for term in terms])
    return Table(
        columns, rows, count, time.perf_counter() - started, graph=isinstance(result, ox.QueryTriples)
    )


def _cell(term: object) -> Cell | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Cell("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return Cell("blank", term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.language is None else None
        return Cell("literal", term.value, datatype, term.language)
    return Cell("literal", str(term))  # a quoted triple (RDF-star)


def take_receipt(store: Store, receipt: str) -> bool:
    """Whether a write's receipt is in the store (the write committed); it leaves the store either way."""
    marker, graph = ox.NamedNode(receipt), ox.NamedNode(RECEIPTS)
    quads = list(store.oxigraph.quads_for_pattern(marker, None, None, graph))
    for quad in quads:
        store.oxigraph.remove(quad)
    return bool(quads)


# --- the Graph Store Protocol ---------------------------------------------------------------------------


def graph_read(store: Store, graph: str | None, accept: str, max_bytes: int) -> Answer:
    """A graph (None: the default graph) in the type the client prefers, within ``max_bytes``."""
    node = _graph_node(store, graph)
    media = negotiate(accept, GRAPHS)
    sink = _Capped(max_bytes)
    options = {"prefixes": store.prefixes} if GRAPHS[media] is ox.RdfFormat.TURTLE else {}
    store.dump(sink, GRAPHS[media], node, options.get("prefixes"))  # literals as written
    return Answer(media, sink.getvalue())


def graph_exists(store: Store, graph: str | None) -> bool:
    return graph is None or store.oxigraph.contains_named_graph(ox.NamedNode(graph))


def graph_write(
    store: Store,
    graph: str | None,
    replace: bool,
    parts: list[tuple[bytes, str]],
    base_iri: str,
    receipt: str,
) -> bool:
    """Replace (PUT) or add to (POST) a graph (None: the default graph) with RDF sent in one or more
    parts; True when the graph is new.

    The parts are parsed into a graph of their own first (a transaction that changes no published
    graph), then moved into place with the receipt in one update: a write cut short leaves only the
    upload, which the next worker clears."""
    existed = graph_exists(store, graph)
    upload = ox.NamedNode(UPLOADS + receipt.rsplit(":", 1)[-1])
    for body, media in parts:
        try:
            store.oxigraph.load(body, GRAPH_BODIES[media], base_iri=base_iri, to_graph=upload)
        except (SyntaxError, ValueError) as error:
            store.oxigraph.remove_graph(upload)
            raise BadRequest(f"the graph is not valid {media}: {error}") from None
    target = "DEFAULT" if graph is None else f"GRAPH <{ox.NamedNode(graph).value}>"
    steps = [f"DROP SILENT {target}"] if replace else []
    if graph is not None:
        steps.append(f"CREATE SILENT {target}")
    steps += [
        f"ADD SILENT GRAPH {upload} TO {target}",
        f"DROP SILENT GRAPH {upload}",
        _receipt_operation(receipt),
    ]
    store.oxigraph.update(" ;\n".join(steps))
    store.wrote()
    take_receipt(store, receipt)
    return not existed


def graph_delete(store: Store, graph: str | None, receipt: str) -> bool:
    """Drop a graph (None: empty the default graph); False when there was no such graph."""
    if not graph_exists(store, graph):
        return False
    target = "DEFAULT" if graph is None else f"GRAPH <{ox.NamedNode(graph).value}>"
    store.oxigraph.update(f"DROP SILENT {target} ;\n{_receipt_operation(receipt)}")
    store.wrote()
    take_receipt(store, receipt)
    return True


def is_empty(store: Store) -> bool:
    return store.is_empty()


def checkpoint(store: Store, target: str) -> None:
    """A copy of the store at ``target`` to change on the side (``kg.serve.changes``)."""
    store.checkpoint(Path(target))


def clear_leftovers(store: Store, receipts: bool) -> None:
    """Remove the uploads of writes cut short, and the receipts too when ``receipts``."""
    leftovers = (UPLOADS, RECEIPTS) if receipts else (UPLOADS,)
    for graph in list(store.oxigraph.named_graphs()):
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(leftovers):
            store.oxigraph.remove_graph(graph)


def _graph_node(store: Store, graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    if graph is None:
        return ox.DefaultGraph()
    if not graph_exists(store, graph):
        raise HTTPProblem(f"there is no graph <{graph}>", 404)
    return ox.NamedNode(graph)


# --- citekg's own answers -------------------------------------------------------------------------------


def hub_summary(store: Store, paper: str) -> hub.HubSummary:
    return hub.summary(store, paper)


@dataclass(frozen=True)
class HubView:
    """What the hub page shows: the summary, one page of the explorer (the last one when the page
    asked for is past it) and the citing papers per year by role."""

    summary: hub.HubSummary
    total: int
    page: int
    rows: list[hub.CitingPaper]
    role_years: list[tuple[int, str, int]]


def hub_page(
    store: Store, paper: str, filters: dict[str, Any], sort: str, page: int, page_size: int
) -> HubView:
    summary = hub.summary(store, paper)
    total, rows = hub.citing(store, paper, **filters, sort=sort, page=page, page_size=page_size)
    last = max(1, -(-total // page_size))
    if page > last:
        page = last
        total, rows = hub.citing(store, paper, **filters, sort=sort, page=page, page_size=page_size)
    role_years = explorer_index.role_years(store, ox.NamedNode(summary.paper.iri))
    return HubView(summary, total, page, rows, role_years)


def citing(
    store: Store, paper: str, filters: dict[str, Any], sort: str, page: int, page_size: int
) -> tuple[int, list[hub.CitingPaper]]:
    return hub.citing(store, paper, **filters, sort=sort, page=page, page_size=page_size)


def is_paper(store: Store, text: str) -> bool:
    """Whether the store holds a paper with this id."""
    try:
        return store.paper(parse_id(text)) is not None
    except ValueError:
        return False


@dataclass(frozen=True)
class Hub:
    """A paper as the front page lists it."""

    iri: str
    title: str | None
    citing_papers: int
    negative_share: float


@dataclass(frozen=True)
class Front:
    """What the front page shows of the store."""

    stats: Stats
    sources: list[Source]
    most_cited: list[Hub]
    most_contested: list[Hub]


FRONT = "front.json"  # the front page's figures, beside the store, for every worker and restart


def front_page(store: Store, shown: int = 10) -> Front:
    """The store's counts, its sources, its most-cited papers and its most contested (the highest
    share of negative citations among papers cited at least three times). Counting and ranking read
    the whole store (8 s at 10^6 citations), so the answer is kept in the store's folder with the
    store's generation, and counted again only once the store has changed."""
    generation, kept = store.generation, store.path / FRONT if store.path is not None else None
    if generation is not None and kept is not None:
        with suppress(OSError, ValueError, KeyError, TypeError):
            saved = json.loads(kept.read_text(encoding="utf-8"))
            if saved["generation"] == generation:
                return _front_of(saved["front"])
    typology = queries.run_query(store, "hub-typology").rows

    def hubs(rows: list[dict[str, Any]]) -> list[Hub]:
        return [
            Hub(row["paper"], _title(store, row["paper"]), row["citing_papers"], float(row["negative_share"]))
            for row in rows[:shown]
        ]

    contested = sorted(
        (row for row in typology if row["negative_share"] > 0 and row["citing_papers"] >= 3),
        key=lambda row: (-row["negative_share"], -row["citing_papers"], row["paper"]),
    )
    front = Front(store_stats(store), sources(store), hubs(typology), hubs(contested))
    if generation is not None and kept is not None:
        with suppress(OSError):  # a folder this worker may not write: count again next time
            scratch = kept.with_name(f"{FRONT}.{os.getpid()}")
            scratch.write_text(
                json.dumps({"generation": generation, "front": asdict(front)}), encoding="utf-8"
            )
            os.replace(scratch, kept)
    return front


def _front_of(saved: dict[str, Any]) -> Front:
    return Front(
        Stats(**saved["stats"]),
        [Source(**source) for source in saved["sources"]],
        [Hub(**found) for found in saved["most_cited"]],
        [Hub(**found) for found in saved["most_contested"]],
    )


def _title(store: Store, paper: str) -> str | None:
    found = store.oxigraph.quads_for_pattern(ox.NamedNode(paper), DCTERMS["title"], None)
    return min((value_of(quad.object) for quad in found), default=None)


def saved_query(
    store: Store, name: str, params: dict[str, str], offset: int, limit: int | None, fmt: str
) -> str:
    out = io.StringIO()
    write_rows(queries.run_query(store, name, params, offset=offset, limit=limit), fmt, out)
    return out.getvalue()


def search(store: Store, text: str) -> str | list[dict[str, Any]]:
    """The IRI of the paper with this id, or the papers whose titles have these words."""
    try:
        node = store.paper(parse_id(text))
    except ValueError:
        node = None
    if node is not None:
        return node.value
    return queries.run_query(store, "paper-search", {"words": text}).rows


def describe(
    store: Store, iri: str, incoming: int = 0
) -> tuple[str | None, list[ox.Triple], list[ox.Triple]]:
    """The IRI that now names what ``iri`` named (when identity merged it into another), else None,
    the description of ``iri``, and up to ``incoming`` triples that point at it (what cites a paper,
    the annotations that target a citation), for its page."""
    node = ox.NamedNode(iri)
    aliases = ox.NamedNode(store.minter.aliases_graph)
    alias = next(store.oxigraph.quads_for_pattern(node, OWL["sameAs"], None, aliases), None)
    if alias is not None:
        return named(alias.object).value, [], []
    pointing = dict.fromkeys(
        ox.Triple(quad.subject, quad.predicate, quad.object)
        for quad in itertools.islice(store.oxigraph.quads_for_pattern(None, None, node, None), incoming * 4)
    )
    return None, linked_data.describe(store, iri), list(pointing)[:incoming]


def void(store: Store, endpoint: str, dump: str) -> list[ox.Triple]:
    return linked_data.void(store, endpoint=endpoint, dump=dump)


def dump(store: Store) -> Iterator[bytes]:
    """Everything the store holds as N-Quads, in chunks as the engine writes them: the serialiser runs
    in a thread that waits while the chunks are not taken, so memory stays flat at any store size."""
    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=8)

    class Chunked(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: Buffer) -> int:
            chunks.put(bytes(data))
            return memoryview(data).nbytes

    def write() -> None:
        try:
            with io.BufferedWriter(Chunked(), buffer_size=1 << 16) as out:
                store.dump(out, ox.RdfFormat.N_QUADS)  # literals as written (kg.literals)
            chunks.put(None)
        except BaseException as error:  # handed to the reader below
            chunks.put(error)

    threading.Thread(target=write, daemon=True).start()
    while (chunk := chunks.get()) is not None:
        if isinstance(chunk, BaseException):
            raise chunk
        yield chunk
