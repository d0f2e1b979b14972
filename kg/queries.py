"""Saved SPARQL queries: read from ``queries/``, run by name with typed parameters.

Each ``.rq`` file starts with a comment header::

    # title: Citing-papers explorer
    # description: Every paper that cites the paper, ...
    #   (continuation lines are indented)
    # param paper (paper, required): The cited paper.
    # param sort (enum[year|title], default year): The order of the rows.

A parameter is a SPARQL variable of the same name. Values are checked against the declared type,
made into RDF terms, and bound by a ``VALUES`` row placed at the start of the query's ``WHERE``
group, written by pyoxigraph's own term serialiser: user text never becomes query syntax, and the same
bound query runs on any SPARQL 1.1 store. (Oxigraph's ``substitutions`` would be the natural tool,
but they only bind projected variables, and a hub query's parameters are not projected.) An optional
parameter left out is left out of the row, so it stays unbound. Parameters are bound in the outermost
``WHERE`` group, so a sub-SELECT does not see them. The prefix ``data:`` is the store's IRI base:
``data:consensus`` is its consensus graph.
"""

from __future__ import annotations

import re
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

import pyoxigraph as ox

from kg.backend import Backend, select
from kg.errors import QueryError, QueryTimeout, UnknownPaper
from kg.ids import parse_id
from kg.resources import folder
from kg.vocab import POLARITY_SYNONYMS, ROLE_SYNONYMS, XSD

T = TypeVar("T")
_PARAM = re.compile(
    r"^param (?P<name>[a-z_][a-z0-9_]*) \((?P<type>\w+(?:\[[^\]]*\])?)"
    r"(?:, (?P<required>required)|, default (?P<default>[^)]*))?\): (?P<description>.+)$"
)
TYPES = ("paper", "iri", "integer", "year", "decimal", "boolean", "role", "polarity", "string", "enum")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool = False
    default: str | None = None
    description: str = ""

    @property
    def choices(self) -> list[str]:
        return self.type[5:-1].split("|") if self.type.startswith("enum[") else []


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    sparql: str

    def signature(self) -> str:
        """The parameters as a user types them, for error messages and listings."""
        parts = []
        for p in self.params:
            text = f"{p.name}=<{p.type}>"
            parts.append(text if p.required else f"[{text}]")
        return " ".join(parts) or "(no parameters)"

    def to_json(self) -> dict[str, Any]:
        """What ``kg query list --format json`` and the server's ``/queries`` say of the query."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "parameters": [
                {
                    "name": p.name,
                    "type": p.type,
                    "required": p.required,
                    "default": p.default,
                    "description": p.description,
                }
                for p in self.params
            ],
        }


@dataclass
class Result:
    """Rows of a query as Python values (IRIs as strings), with the total before paging."""

    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    truncated: bool = False


def parse_header(name: str, text: str) -> SavedQuery:
    """Read a saved query's header; a malformed header is a QueryError naming the line."""
    fields: dict[str, str] = {}
    params: list[Param] = []
    current: str | None = None
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#") or body:
            body.append(line)
            continue
        content = line[1:].strip()
        if line.startswith("#  ") and current is not None and content:
            fields[current] += " " + content
        elif match := _PARAM.match(content):
            kind = match["type"].split("[", 1)[0]
            if kind not in TYPES:
                raise QueryError(
                    f"{name}.rq:{number}: unknown parameter type {kind!r}; expected one of {TYPES}"
                )
            params.append(
                Param(
                    match["name"],
                    match["type"],
                    bool(match["required"]),
                    match["default"],
                    match["description"],
                )
            )
            current = None
        elif (key := content.partition(":")[0]) in ("title", "description"):
            fields[key] = content.partition(":")[2].strip()
            current = key
        elif content:
            raise QueryError(f"{name}.rq:{number}: cannot read header line {line!r}")
    if "title" not in fields:
        raise QueryError(f"{name}.rq: the header has no title")
    return SavedQuery(name, fields["title"], fields.get("description", ""), tuple(params), "\n".join(body))


@cache
def catalogue() -> dict[str, SavedQuery]:
    """Every saved query shipped with citekg, by name."""
    return {
        path.stem: parse_header(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(folder("queries").glob("*.rq"))
    }


def catalogue_markdown() -> str:
    """queries/README.md, made from the query headers (``kg query docs`` writes it; a test keeps it fresh)."""
    lines = [
        "# Saved queries",
        "",
        "Made from the headers of the `.rq` files by `kg query docs > queries/README.md`; do not edit.",
        "Run one with `kg query run NAME -p param=value`, or `kg.run_query(store, NAME, {...})`.",
        "",
    ]
    for query in catalogue().values():
        lines += [f"## `{query.name}`: {query.title}", "", query.description, ""]
        if query.params:
            lines += ["| parameter | type | required | default | meaning |", "|---|---|---|---|---|"]
            lines += [
                f"| `{p.name}` | `{p.type}` | {'yes' if p.required else 'no'} | {p.default or ''} | "
                f"{p.description} |"
                for p in query.params
            ]
            lines.append("")
    return "\n".join(lines)


def get(name: str) -> SavedQuery:
    try:
        return catalogue()[name]
    except KeyError:
        raise QueryError(f"no saved query named {name!r}; `kg query list` shows them") from None


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def bound_sparql(store: Backend, query: SavedQuery, values: Mapping[str, object]) -> str:
    """The query's SPARQL with its parameters bound by a VALUES row. A parameter left out is left out
    of the row too (unbound, as UNDEF would leave it): Virtuoso 7 mishandles UNDEF, hanging or
    answering wrongly."""
    terms = bind(store, query, values)
    names = [p.name for p in query.params if p.name in terms]
    if not names:
        return query.sparql
    row = " ".join(str(terms[name]) for name in names)
    block = f" VALUES ({' '.join('?' + name for name in names)}) {{ ({row}) }}\n"
    where = _WHERE.search(query.sparql)
    if where is None:
        raise QueryError(f"{query.name}.rq has no WHERE group to bind its parameters in")
    return query.sparql[: where.end()] + block + query.sparql[where.end() :]


def bind(store: Backend, query: SavedQuery, values: Mapping[str, object]) -> dict[str, Any]:
    """Check the values against the query's parameters and turn them into RDF terms."""
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise QueryError(
            f"{query.name}: unknown parameter {', '.join(unknown)}; it takes {query.signature()}"
        )
    bound: dict[str, Any] = {}
    for param in query.params:
        value = values.get(param.name, param.default)
        if value is None:
            if param.required:
                raise QueryError(
                    f"{query.name}: missing parameter {param.name}; it takes {query.signature()}"
                )
            continue
        try:
            bound[param.name] = _term(store, param, value)
        except (ValueError, TypeError) as error:
            raise QueryError(f"{query.name}: parameter {param.name} ({param.type}): {error}") from None
    return bound


def _term(store: Backend, param: Param, value: object) -> ox.NamedNode | ox.Literal:
    kind = param.type.split("[", 1)[0]
    text = str(value).strip()
    if kind == "paper":
        if isinstance(value, ox.NamedNode):
            return value
        paper_id = parse_id(text)
        node = store.paper(paper_id)
        if node is None:
            raise UnknownPaper(f"no paper in the store has the id {paper_id}")
        return node
    if kind == "iri":
        return ox.NamedNode(text)
    if kind in ("integer", "year"):
        number = int(text)
        if kind == "year" and not 1000 <= number <= 2999:
            raise ValueError(f"{text!r} is not a year")
        return ox.Literal(str(number), datatype=XSD["integer"])
    if kind == "decimal":
        return ox.Literal(repr(float(text)), datatype=XSD["double"])
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return ox.Literal(text.lower(), datatype=XSD["boolean"])
    if kind == "role":
        if (role := ROLE_SYNONYMS.get(text.lower())) is None:
            raise ValueError(f"unknown role {text!r}")
        return role.iri
    if kind == "polarity":
        if (polarity := POLARITY_SYNONYMS.get(text.lower())) is None:
            raise ValueError(f"unknown polarity {text!r}")
        return polarity.iri
    if kind == "enum" and text not in param.choices:
        raise ValueError(f"{text!r} is not one of {', '.join(param.choices)}")
    return ox.Literal(text)


def run_query(
    store: Backend,
    name: str,
    params: Mapping[str, object] | None = None,
    *,
    offset: int = 0,
    limit: int | None = None,
    timeout: float | None = None,
) -> Result:
    """Run a saved query by name; ``offset`` and ``limit`` page the rows, ``total`` counts them all, and
    past ``timeout`` seconds a QueryError says the query took too long."""
    query = get(name)
    sparql = bound_sparql(store, query, params or {})

    def answer() -> Result:
        solutions = store.query(sparql)
        if not isinstance(solutions, ox.QuerySolutions):
            raise QueryError(f"{name} is not a SELECT query")
        return collect(solutions, offset=offset, limit=limit)

    return answer() if timeout is None else within(timeout, answer)


def within(seconds: float, work: Callable[[], T]) -> T:
    """Run ``work`` in a worker thread and give up waiting after ``seconds``.

    Oxigraph cannot cancel a query it has started, so a query past its limit runs on in the background
    until it ends (the ``kg`` command exits and takes it along); the caller gets a clear error at once.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller's thread
            # pyoxigraph's result objects must be dropped on the thread that made them: clear the
            # locals the traceback holds here, not in the caller's thread
            traceback.clear_frames(error.__traceback__)
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise QueryTimeout(f"the query ran past its time limit of {seconds:g} s; raise it with --timeout")
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def run_sparql(store: Backend, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run an ad-hoc query (``kg sparql``); a syntax error is a QueryError that says where."""
    try:
        return store.query(sparql)
    except SyntaxError as error:
        raise QueryError(f"the query is not valid SPARQL: {error}") from None


def collect(solutions: ox.QuerySolutions, *, offset: int = 0, limit: int | None = None) -> Result:
    """One page of solutions as typed rows, with the total count and whether rows were cut."""
    result = Result([variable.value for variable in solutions.variables])
    end = None if limit is None else offset + limit
    for index, solution in enumerate(solutions):
        if index >= offset and (end is None or index < end):
            result.rows.append(_row(result.columns, solution))
        result.total = index + 1
    result.truncated = end is not None and result.total > end
    return result


def iterate(
    store: Backend, name: str, params: Mapping[str, object] | None = None
) -> Iterator[dict[str, Any]]:
    """Stream a saved query's rows, for callers that stop early."""
    query = get(name)
    solutions = select(store, bound_sparql(store, query, params or {}))
    columns = [variable.value for variable in solutions.variables]
    for solution in solutions:
        yield _row(columns, solution)


def iterate_many(
    store: Backend, name: str, variable: str, values: list[ox.NamedNode]
) -> Iterator[dict[str, Any]]:
    """Stream a saved query's rows for several values of a variable it projects at once, in one request
    (a round trip per value would cost more than the rows): its parameter, or another column, with its
    parameters left free (``representative-candidates`` for some citations, whichever paper they cite)."""
    query = get(name)
    where = _WHERE.search(query.sparql)
    if where is None:
        raise QueryError(f"{query.name}.rq has no WHERE group to bind its parameters in")
    if not re.search(rf"\?{re.escape(variable)}\b", query.sparql[: where.start()]):
        raise QueryError(
            f"{query.name} does not answer with ?{variable}: its rows could not say which is which"
        )
    block = f" VALUES ?{variable} {{ {' '.join(map(str, values))} }}\n"
    solutions = select(store, query.sparql[: where.end()] + block + query.sparql[where.end() :])
    columns = [column.value for column in solutions.variables]
    for solution in solutions:
        yield _row(columns, solution)


def _row(columns: list[str], solution: ox.QuerySolution) -> dict[str, Any]:
    # (a solution iterates its values in the order of its variables: faster than a lookup by name)
    return dict(zip(columns, map(to_python, solution), strict=True))


# keyed by the datatype itself: comparing NamedNodes costs less than building each one's text
_NUMERIC: dict[ox.NamedNode, type[int] | type[float]] = {
    XSD["integer"]: int,
    XSD["double"]: float,
    XSD["decimal"]: float,
    XSD["float"]: float,
    XSD["gYear"]: int,
    XSD["int"]: int,
    XSD["long"]: int,
}
_BOOLEAN = XSD["boolean"]


def to_python(term: object) -> Any:
    """An RDF term as a plain Python value (IRIs and blank nodes as strings)."""
    if isinstance(term, ox.Literal):
        datatype = term.datatype
        convert = _NUMERIC.get(datatype)
        if convert is not None:
            try:
                return convert(term.value)
            except ValueError:
                return term.value
        if datatype == _BOOLEAN:
            return term.value in ("true", "1")
        return term.value
    return None if term is None else term.value  # type: ignore[attr-defined]
