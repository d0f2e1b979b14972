"""Loads and drops through a real server (a writable Oxigraph server, Virtuoso with digest auth) leave
it holding what an embedded store given the same files holds, and a load cut off part way finishes when
run again."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Literal
from typer.testing import CliRunner

from kg import hub, queries
from kg.backend import WritableBackend
from kg.cli import app
from kg.errors import CitekgError
from kg.exporter import export
from kg.loader import drop, graph_name_for, load
from kg.remote import RemoteStore
from kg.store import Store
from kg.vocab import PROV, XSD

from .conftest import EXAMPLE, SHARED_DATA, TEST_BASE, assert_same_dataset, rdflib_dataset, write_jsonl
from .readers import riot
from .servers import VIRTUOSO_USER, Server, virtuoso_server, writable_oxigraph
from .test_identity import CITE_BY_DOI, HUB_BOTH, OTHER_BY_DOI

DATA = Path(__file__).parent / "data"
SOURCES = [EXAMPLE, DATA / "openalex-works.jsonl", DATA / "index-coci.csv", DATA / "scicite.jsonl"]


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp(f"writable-{request.param}")
    if request.param == "oxigraph":
        with writable_oxigraph(folder / "database") as running:
            yield running
    else:
        with virtuoso_server(folder) as endpoint:
            base = endpoint.rsplit("/", 1)[0]
            yield Server(endpoint, f"{base}/sparql-auth", *VIRTUOSO_USER)


@pytest.fixture
def remote(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RemoteStore]:
    """The server, emptied of citekg's graphs, with loads' work folders kept under this test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    store = connect(server)
    for graph in store.graphs():
        store.remove_graph(graph)
    yield store
    store.close()


def connect(server: Server, cls: type[RemoteStore] = RemoteStore, **options: object) -> RemoteStore:
    return cls(
        server.endpoint,
        update_endpoint=server.update_endpoint,
        user=server.user,
        password=server.password,
        base=TEST_BASE,
        **options,  # type: ignore[arg-type]
    )


def in_batches(store: RemoteStore) -> RemoteStore:
    """The store sending files in Graph Store batches even where the server bulk-loads a whole file."""
    store.dialect = replace(store.dialect, bulk_post=None)
    return store


def dataset(store: WritableBackend) -> Dataset:
    """Everything citekg holds, read back through rdflib, less the load times (they differ run to run)
    and, from Virtuoso, less the xsd:duration values that it rewrites (next test)."""
    out = io.BytesIO()
    store.dump(out, ox.RdfFormat.N_QUADS)
    quads = ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS)
    kept = (q for q in quads if q.predicate != PROV["generatedAtTime"] and not is_duration(q))
    return rdflib_dataset(ox.serialize(kept, format=ox.RdfFormat.N_QUADS), "nquads")


def is_duration(quad: ox.Quad) -> bool:
    return isinstance(quad.object, ox.Literal) and quad.object.datatype == XSD["duration"]


def test_durations_come_back_as_written_and_exports_stay_valid(remote: RemoteStore, tmp_path: Path) -> None:
    """Virtuoso 7 rewrites an xsd:duration as a count ("P2Y9M" comes back as "33", invalid and lossy);
    citekg sends it there as ckg:durationText and reads it back as the xsd:duration it was. The export
    through the server then holds the very durations, and no literal rdflib or Jena RIOT finds ill-typed."""
    graph = ox.NamedNode(load(remote, DATA / "index-coci.csv").graph)
    expected = embedded_after(("load", DATA / "index-coci.csv"))
    durations = {str(q.object.value) for q in remote.quads(graph) if is_duration(q)}
    written = {str(q.object.value) for q in expected.quads(graph) if is_duration(q)}
    assert written and all(value.startswith("P") for value in written)
    assert canonical_durations(durations) == written  # Virtuoso keeps the file's form: "P0Y6M" is P6M
    out = io.BytesIO()
    export(remote, out, "nquads")
    exported = Dataset()
    exported.parse(data=out.getvalue(), format="nquads")
    ill_typed = [o for o in exported.objects() if isinstance(o, Literal) and o.ill_typed]
    assert exported and not ill_typed
    riot(out.getvalue(), "nquads", tmp_path)  # Jena's strict reading, literals included


def canonical_durations(values: set[str]) -> set[str]:
    """The durations as Oxigraph writes them back (its canonical form)."""
    store, node = ox.Store(), ox.NamedNode("http://example.org/d")
    store.extend(ox.Quad(node, node, ox.Literal(value, datatype=XSD["duration"])) for value in values)
    return {quad.object.value for quad in store}


def embedded_after(*steps: tuple[str, Path | str]) -> Store:
    store = Store(None, base=TEST_BASE)
    for action, target in steps:
        load(store, target) if action == "load" else drop(store, str(target))
    return store


def test_loads_give_what_the_embedded_store_holds(remote: RemoteStore, tmp_path: Path) -> None:
    merging = write_jsonl(tmp_path / "merging.jsonl", CITE_BY_DOI, OTHER_BY_DOI, HUB_BOTH)
    steps = [("load", path) for path in [*SOURCES, merging]]
    for _, path in steps:
        report = load(remote, path)
        assert not report.resumed
    expected = embedded_after(*steps)
    assert_same_dataset(dataset(remote), dataset(expected))
    assert (
        hub.summary(remote, "arxiv:2402.13929").to_json()
        == hub.summary(expected, "arxiv:2402.13929").to_json()
    )
    for name in ("hub-distribution", "annotators"):
        params = {"paper": "arxiv:2402.13929"} if name == "hub-distribution" else {}
        far, local = queries.run_query(remote, name, params), queries.run_query(expected, name, params)
        assert sorted(map(json.dumps, far.rows)) == sorted(map(json.dumps, local.rows))  # ties in any order
    assert not (tmp_path / "cache" / "citekg" / "loads").exists() or not any(
        (tmp_path / "cache" / "citekg" / "loads").iterdir()
    )


SHARED_SAMPLES = [
    "opencitations/opencitations__index/citations_data.csv",
    "opencitations/opencitations__oc_meta/real_data_with_prov.nq",
    "opencitations/opencitations__oc_meta/real_data.csv",
    "opencitations/cthoyt__opencitations-client/citations_sample.csv",
    "s2-datasets/citations-sample.jsonl",
    "scicite/scicite-train.jsonl",
]


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="../shared/data is not beside the repository")
def test_the_shared_samples_load_as_into_the_embedded_store(remote: RemoteStore) -> None:
    steps = [("load", SHARED_DATA / name) for name in SHARED_SAMPLES]
    for _, path in steps:
        load(remote, path)
    assert_same_dataset(dataset(remote), dataset(embedded_after(*steps)))


def test_replacing_and_dropping_give_what_the_embedded_store_holds(
    remote: RemoteStore, tmp_path: Path
) -> None:
    first = write_jsonl(tmp_path / "extra.jsonl", CITE_BY_DOI, OTHER_BY_DOI)
    second = write_jsonl(tmp_path / "extra-2.jsonl", OTHER_BY_DOI, HUB_BOTH)
    load(remote, EXAMPLE)
    extra = load(remote, first).graph
    replaced = load(remote, second, extra)
    assert replaced.replaced and replaced.graph == extra
    expected = embedded_after(("load", EXAMPLE), ("load", first), ("load", second))
    load(expected, second, extra)  # the embedded store's own replace, after the same two loads
    drop(expected, graph_name_for(second))
    assert_same_dataset(dataset(remote), dataset(expected))
    drop(remote, extra)
    drop(expected, extra)
    assert_same_dataset(dataset(remote), dataset(expected))
    with pytest.raises(CitekgError, match="no loaded source graph"):
        drop(remote, extra)


def test_a_load_cut_off_part_way_finishes_when_run_again(server: Server, remote: RemoteStore) -> None:
    """The server goes away after some batches: the load fails with a clear message and keeps its work
    folder; the same load run again sends only the batches that had not arrived, and the store ends
    as an uninterrupted load leaves it."""
    first_run: list[tuple[ox.Triple, ...]] = []

    class Failing(RemoteStore):
        def _post_graph(self, graph: ox.NamedNode, triples: list[ox.Triple]) -> None:
            if len(first_run) == 3:
                raise CitekgError(f"{self.graph_store} did not answer: connection refused")
            super()._post_graph(graph, triples)
            first_run.append(tuple(triples))

    second_run: list[tuple[ox.Triple, ...]] = []

    class Counting(RemoteStore):
        def _post_graph(self, graph: ox.NamedNode, triples: list[ox.Triple]) -> None:
            super()._post_graph(graph, triples)
            second_run.append(tuple(triples))

    load(remote, DATA / "openalex-works.jsonl")
    with pytest.raises(CitekgError, match="did not answer"):
        load(in_batches(connect(server, batch=40, cls=Failing)), EXAMPLE)
    folder = remote.work_folder(ox.NamedNode(remote.minter.graph(graph_name_for(EXAMPLE))))
    assert (folder / "plan.json").exists() and (folder / "quads.nq.sent").read_text() == "3"

    report = load(in_batches(connect(server, batch=40, cls=Counting)), EXAMPLE)
    assert report.resumed and not report.replaced and report.counts["citation"] == 24
    assert second_run and not set(first_run) & set(second_run)  # nothing that had arrived went again
    assert not folder.exists()
    expected = embedded_after(("load", DATA / "openalex-works.jsonl"), ("load", EXAMPLE))
    assert_same_dataset(dataset(remote), dataset(expected))


def test_the_cli_loads_and_drops_through_the_endpoint(server: Server, remote: RemoteStore) -> None:
    options = [
        "--endpoint",
        server.endpoint,
        "--update-endpoint",
        server.update_endpoint,
        "--base",
        TEST_BASE,
    ]
    if server.user:
        options += ["--user", server.user, "--password", server.password or ""]
    runner = CliRunner()
    loaded = runner.invoke(app, [*options, "load", "--report", "json", str(EXAMPLE)])
    assert loaded.exit_code == 0, loaded.output
    report = json.loads(loaded.stdout)
    assert report["citations"] == 24
    assert report["graph"] == remote.minter.graph(graph_name_for(EXAMPLE))
    shown = runner.invoke(app, [*options, "hub", "arxiv:2402.13929", "--format", "json"])
    assert (
        json.loads(shown.stdout)
        == hub.summary(embedded_after(("load", EXAMPLE)), "arxiv:2402.13929").to_json()
    )
    dropped = runner.invoke(app, [*options, "drop", graph_name_for(EXAMPLE)])
    assert dropped.exit_code == 0, dropped.output
    assert remote.graphs() == []
    if server.user:
        wrong = runner.invoke(app, [*options[:-1], "wrong", "load", str(EXAMPLE)])
        assert wrong.exit_code == 1 and "refused the credentials" in wrong.stderr
        assert remote.graphs() == []


def test_without_a_graph_store_the_triples_go_by_insert_data(server: Server, remote: RemoteStore) -> None:
    """Servers with no Graph Store endpoint get batched INSERT DATA; the store ends the same."""
    plain = connect(server, batch=200)
    plain.graph_store = None
    load(plain, EXAMPLE)
    assert_same_dataset(dataset(remote), dataset(embedded_after(("load", EXAMPLE))))


def test_a_server_too_slow_to_answer_is_a_clear_error_and_the_load_resumes(
    server: Server, remote: RemoteStore
) -> None:

    class Impatient(RemoteStore):
        """Waits a millisecond for the data to arrive (no server takes 50,000 triples in that)."""

        def _post_graph(self, graph: ox.NamedNode, triples: list[ox.Triple]) -> None:
            self.timeout = 0.001
            super()._post_graph(graph, triples)

    with pytest.raises(CitekgError, match="did not answer"):
        load(in_batches(connect(server, cls=Impatient)), EXAMPLE)
    assert load(remote, EXAMPLE).resumed
    assert_same_dataset(dataset(remote), dataset(embedded_after(("load", EXAMPLE))))


def test_a_server_that_bulk_loads_gets_each_file_whole_and_a_lost_answer_sends_it_again(
    server: Server, remote: RemoteStore
) -> None:
    """The Oxigraph server loads a POSTed N-Quads file with its bulk loader (``no_transaction``):
    citekg sends each scratch file in one request. An answer lost after the server took the file
    fails the load clearly; run again, it sends the file again (triples are a set), and the store
    ends as an uninterrupted load leaves it."""
    if remote.dialect.bulk_post is None:
        pytest.skip(f"{remote.dialect.name} has no bulk load over HTTP")
    sent: list[str] = []

    class Recording(RemoteStore):
        def _post_file(self, path: Path, on_read: Callable[[int], None] | None) -> None:
            super()._post_file(path, on_read)
            sent.append(path.name)

        def _post_graph(self, graph: ox.NamedNode, triples: list[ox.Triple]) -> None:
            raise AssertionError("a file went in batches")

    class LosingTheAnswer(Recording):
        def _post_file(self, path: Path, on_read: Callable[[int], None] | None) -> None:
            super()._post_file(path, on_read)
            raise CitekgError(f"{self.graph_store} did not answer within 0.001 s")

    with pytest.raises(CitekgError, match="did not answer"):
        load(connect(server, cls=LosingTheAnswer), EXAMPLE)
    assert sent == ["quads.nq"]
    report = load(connect(server, cls=Recording), EXAMPLE)
    assert report.resumed and report.counts["citation"] == 24
    assert sent == ["quads.nq", "quads.nq", "derived.nq"]
    assert_same_dataset(dataset(remote), dataset(embedded_after(("load", EXAMPLE))))


def test_authenticating_leaves_the_process_wide_url_opener_alone(server: Server, remote: RemoteStore) -> None:
    """Digest authentication (Virtuoso) must not answer the process's other urlopen calls."""
    import urllib.request

    before = urllib.request._opener  # type: ignore[attr-defined]
    load(remote, EXAMPLE)
    assert remote.query("ASK { ?s ?p ?o }")
    assert urllib.request._opener is before  # type: ignore[attr-defined]
