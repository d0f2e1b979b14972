"""The remote backend against real servers on loopback (the Oxigraph server from PyPI, Debian's Virtuoso)
holding what an embedded store holds: every read gives what the embedded store gives."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from kg import exporter, hub, queries
from kg.cli import app
from kg.errors import CitekgError, QueryError, RemoteError, UnknownPaper
from kg.ids import parse_id
from kg.loader import load
from kg.remote import RemoteStore
from kg.store import Store

from .conftest import EXAMPLE, assert_same_dataset, graphs_of, rdflib_dataset
from .servers import free_port, oxigraph_server, virtuoso_server
from .test_queries import ECHO, HOSTILE, TOTAL_ORDERS

PAPER = "arxiv:2402.13929"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def stores(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, RemoteStore, str]]:
    """The example in an embedded store, and the same data behind a real server: `oxigraph
    serve-read-only` on a backup of its files, or Virtuoso loaded through its Graph Store Protocol."""
    folder = tmp_path_factory.mktemp(request.param)
    with Store(folder / "store") as loading:
        load(loading, EXAMPLE)
        load(loading, EXAMPLE.parent / "retractions.csv")  # notices, for the queries about them
    with Store(folder / "store") as embedded:
        serving = (
            oxigraph_server(folder, embedded)
            if request.param == "oxigraph"
            else virtuoso_server(folder, embedded)
        )
        with serving as endpoint:
            yield embedded, RemoteStore(endpoint, timeout=30), endpoint


def params_for(name: str) -> dict[str, str]:
    query = queries.get(name)
    names = {p.name for p in query.params if p.required}
    values = {"paper": PAPER, "words": "example", "annotator": "citerole-llm@1"}
    return {name: values[name] for name in names}


def as_set(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True) for row in rows)


def test_the_server_is_recognised(
    stores: tuple[Store, RemoteStore, str], request: pytest.FixtureRequest
) -> None:
    _, remote, _ = stores
    assert remote.dialect.name == request.node.callspec.params["stores"]


@pytest.mark.parametrize("name", sorted(queries.catalogue()))
def test_every_saved_query_answers_as_on_the_embedded_store(
    stores: tuple[Store, RemoteStore, str], name: str
) -> None:
    embedded, remote, _ = stores
    params = params_for(name)
    local = queries.run_query(embedded, name, params)
    far = queries.run_query(remote, name, params)
    assert far.columns == local.columns and far.total == local.total
    if name in TOTAL_ORDERS:  # ordered down to the IRI: the same order on every server
        assert far.rows == local.rows
    else:
        assert as_set(far.rows) == as_set(local.rows)


def test_the_hub_summary_and_explorer_are_the_same(stores: tuple[Store, RemoteStore, str]) -> None:
    embedded, remote, _ = stores
    assert hub.summary(remote, PAPER).to_json() == hub.summary(embedded, PAPER).to_json()
    assert hub.citing(remote, PAPER, role="method") == hub.citing(embedded, PAPER, role="method")
    with pytest.raises(UnknownPaper):
        hub.summary(remote, "doi:10.1/nothing")


@pytest.mark.parametrize("fmt", ["nquads", "trig", "jsonld"])
def test_exports_are_isomorphic_to_the_embedded_ones(
    stores: tuple[Store, RemoteStore, str], fmt: str
) -> None:
    embedded, remote, _ = stores
    rdflib_format = {"nquads": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt]
    local, far = io.BytesIO(), io.BytesIO()
    exporter.export(embedded, local, fmt)
    exporter.export(remote, far, fmt)
    expected, actual = (
        graphs_of(rdflib_dataset(local.getvalue(), rdflib_format)),
        graphs_of(rdflib_dataset(far.getvalue(), rdflib_format)),
    )
    assert expected.keys() == actual.keys() and len(expected) > 1
    for name, graph in expected.items():
        assert isomorphic(actual[name], graph), name


@pytest.mark.parametrize(("fmt", "reader"), [("turtle", "turtle"), ("nquads", "nquads")])
def test_one_graph_exports_as_from_the_embedded_store(
    stores: tuple[Store, RemoteStore, str], fmt: str, reader: str
) -> None:
    """The same graph, by the name its file gave it, from the server as from the embedded store; in
    N-Quads with its graph name."""
    embedded, remote, _ = stores
    local, far = io.BytesIO(), io.BytesIO()
    exporter.export(embedded, local, fmt, graph="examples/hub.jsonl")
    exporter.export(remote, far, fmt, graph="examples/hub.jsonl")
    assert_same_dataset(rdflib_dataset(far.getvalue(), reader), rdflib_dataset(local.getvalue(), reader))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_values_stay_values_over_http(stores: tuple[Store, RemoteStore, str], text: str) -> None:
    _, remote, _ = stores
    if len(text) > 2000 and remote.dialect.name == "virtuoso":  # its VALUES cells hold less than that
        with pytest.raises(CitekgError, match="too long"):
            remote.query(queries.bound_sparql(remote, ECHO, {"text": text}))
        return
    solutions = list(remote.query(queries.bound_sparql(remote, ECHO, {"text": text})))
    assert len(solutions) == 1 and solutions[0]["text"].value == text
    with pytest.raises((QueryError, UnknownPaper)):
        queries.run_query(remote, "hub-citing", {"paper": PAPER, "role": text})


def test_server_errors_are_clear_messages(stores: tuple[Store, RemoteStore, str]) -> None:
    _, remote, endpoint = stores
    with pytest.raises(QueryError, match="malformed"):
        remote.query("SELECT ?x WHERE { ?x")
    with pytest.raises(CitekgError, match="did not answer"):
        RemoteStore(f"http://127.0.0.1:{free_port()}/query")
    with pytest.raises(CitekgError, match=r"not a SPARQL endpoint|answered 404"):
        RemoteStore(endpoint.rsplit("/", 1)[0] + "/nothing", dialect=remote.dialect.name).query("ASK {}")


def test_an_answer_cut_by_the_servers_row_limit_is_an_error_not_a_partial_answer(tmp_path: Path) -> None:
    """Virtuoso stops at ResultSetMaxRows and says so only in a header (X-SPARQL-MaxRows, also when
    the answer has exactly that many rows): a hub page or a re-ranking fed the first rows would be
    wrong without a word. citekg refuses the answer and names the setting; an answer within the limit
    is whole."""
    with Store(tmp_path / "store") as embedded:
        load(embedded, EXAMPLE)
        with virtuoso_server(tmp_path, embedded, result_rows=10) as endpoint:
            remote = RemoteStore(endpoint, timeout=30)
            citing = {"paper": PAPER}
            with pytest.raises(RemoteError, match=r"limit of 10 rows .*ResultSetMaxRows"):
                queries.run_query(remote, "hub-citing", citing)
            assert queries.run_query(embedded, "hub-citing", citing).total > 10
            numbers = "SELECT ?n WHERE {{ VALUES ?n {{ {} }} }}"
            with pytest.raises(RemoteError, match="limit of 10 rows"):  # exactly 10: Virtuoso cannot tell
                list(remote.query(numbers.format(" ".join(map(str, range(10))))))
            assert len(list(remote.query(numbers.format(" ".join(map(str, range(9))))))) == 9
            few = queries.run_query(remote, "paper-ids", citing)
            assert as_set(few.rows) == as_set(queries.run_query(embedded, "paper-ids", citing).rows)


READING_COMMANDS = [
    ["hub", PAPER],
    ["hub", PAPER, "--representatives", "10"],
    ["hub", "doi:10.5555/example.bench"],  # retracted: its notice and who kept citing
    ["citing", PAPER, "--role", "method", "--sort", "title"],
    ["citing", PAPER, "--from-year", "2024", "--sort", "year-asc", "--page-size", "5", "--page", "2"],
    ["agreement"],
    ["stats"],
    ["query", "run", "citations-per-year", "-p", f"paper={PAPER}"],
    ["sparql", "SELECT ?p (COUNT(*) AS ?n) { GRAPH data:consensus { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p"],
]


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed embedded store with the same data, for the CLI to open beside the servers."""
    path = tmp_path_factory.mktemp("twin") / "store"
    with Store(path) as store:
        load(store, EXAMPLE)
        load(store, EXAMPLE.parent / "retractions.csv")
    return path


@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_reading_command_prints_what_it_prints_on_the_embedded_store(
    stores: tuple[Store, RemoteStore, str], twin: Path, command: list[str]
) -> None:
    _, _, endpoint = stores
    runner = CliRunner()
    far = runner.invoke(app, ["--endpoint", endpoint, *command, "--format", "json"])
    assert far.exit_code == 0, far.output
    local = runner.invoke(app, ["--store", str(twin), *command, "--format", "json"])
    assert local.exit_code == 0, local.output
    assert json.loads(far.stdout) == json.loads(local.stdout)


def test_the_cli_reads_through_the_endpoint(stores: tuple[Store, RemoteStore, str], tmp_path: Path) -> None:
    embedded, _, endpoint = stores
    runner = CliRunner()
    far = runner.invoke(app, ["--endpoint", endpoint, "hub", PAPER, "--format", "json"])
    assert far.exit_code == 0, far.output
    assert json.loads(far.stdout) == hub.summary(embedded, PAPER).to_json()
    ran = runner.invoke(
        app,
        [
            "--endpoint",
            endpoint,
            "query",
            "run",
            "hub-distribution",
            "-p",
            f"paper={PAPER}",
            "--format",
            "json",
        ],
    )
    assert ran.exit_code == 0, ran.output
    exported = runner.invoke(app, ["--endpoint", endpoint, "export", "--format", "nquads"])
    quads = Dataset().parse(data=exported.stdout_bytes, format="nquads").quads((None, None, None, None))
    assert len(list(quads)) == len(embedded.oxigraph)
    refused = runner.invoke(app, ["--endpoint", endpoint, "load", str(EXAMPLE)])
    assert refused.exit_code == 2 and "read-only" in refused.stderr
    shown = runner.invoke(
        app, ["config", "--format", "json"], env={"KG_ENDPOINT": endpoint, "KG_PASSWORD": "pw"}
    )
    settings = json.loads(shown.stdout)
    assert settings["endpoint"] == {"value": endpoint, "from": "environment"}
    assert settings["password"]["value"] == "***"
    (tmp_path / "citekg.toml").write_text(f'endpoint = "{endpoint}"\nuser = "reader"\n', encoding="utf-8")
    from_file = runner.invoke(app, ["--config", str(tmp_path / "citekg.toml"), "config", "--format", "json"])
    assert json.loads(from_file.stdout)["user"] == {"value": "reader", "from": str(tmp_path / "citekg.toml")}
    bad = tmp_path / "bad.toml"
    bad.write_text('colour = "red"\n', encoding="utf-8")
    assert runner.invoke(app, ["--config", str(bad), "config"]).exit_code == 2


def test_graphs_leave_out_what_is_not_citekgs(stores: tuple[Store, RemoteStore, str]) -> None:
    embedded, remote, _ = stores
    assert remote.graphs() == embedded.graphs()
    assert remote.paper(parse_id(PAPER)) == embedded.paper(parse_id(PAPER))
    assert isinstance(
        remote.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH data:consensus { ?s ?p ?o } } LIMIT 3"),
        ox.QueryTriples,
    )
