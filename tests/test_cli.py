from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset
from typer.testing import CliRunner

from kg.cli import app
from kg.store import Store
from kg.vocab import CKG, VOID

from .conftest import DATA, EXAMPLE, ROOT, assert_same_dataset, rdflib_dataset, write_jsonl

runner = CliRunner()
GOOD_CITATION = '{"type":"citation","citing":"doi:10.1/a","cited":"doi:10.1/b"}'
# The example's graph: its path relative to the working directory (the repository's root, see in_root).
HUB_GRAPH = "https://w3id.org/citekg/data/graph/examples/hub.jsonl"


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository's root, which the example's graph name is relative to."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def store_path(tmp_path: Path, in_root: None) -> Path:
    path = tmp_path / "store"
    result = runner.invoke(app, ["--store", str(path), "load", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    return path


def kg(store_path: Path, *args: str) -> object:
    return runner.invoke(app, ["--store", str(store_path), *args])


def test_load_says_what_it_loaded(tmp_path: Path, in_root: None) -> None:
    result = runner.invoke(app, ["load", str(EXAMPLE)], env={"KG_STORE": str(tmp_path / "s")})
    assert result.exit_code == 0
    said = f"loaded 26 papers, 24 citations, 33 annotations from {EXAMPLE} into <{HUB_GRAPH}>"
    assert re.fullmatch(re.escape(said) + r" in \d+\.\d s", result.stdout.strip())  # and how long it took
    again = runner.invoke(app, ["load", str(EXAMPLE)], env={"KG_STORE": str(tmp_path / "s")})
    assert "(replaced the graph's previous contents)" in again.stdout
    quiet = runner.invoke(app, ["load", "--quiet", str(EXAMPLE)], env={"KG_STORE": str(tmp_path / "s")})
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_load_json_and_timings(tmp_path: Path, in_root: None) -> None:
    result = runner.invoke(
        app, ["--store", str(tmp_path / "s"), "load", "--report", "json", "--timings", str(EXAMPLE)]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "file": str(EXAMPLE),
        "graph": HUB_GRAPH,
        "papers": 26,
        "citations": 24,
        "annotations": 33,
        "notices": 0,
        "replaced": False,
        "resumed": False,
        "unplaced": 0,
        "skipped": [],
    }
    assert set(json.loads(result.stderr)) >= {"map", "bulk load", "consensus of new citations"}


def test_bad_input_is_reported_on_stderr_and_loads_nothing(store_path: Path, tmp_path: Path) -> None:
    bad = write_jsonl(
        tmp_path / "bad.jsonl", '{"type":"paper","id":"doi:10.1/a"}', '{"type":"paper","id":"x"}'
    )
    result = kg(store_path, "load", str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}:2: id: 'x' has no known id prefix; expected one of doi:, arxiv:, pmid:, pmcid:, openalex:, "
        "s2:, corpusid:, omid:, acl:, ref:",
        f"error: nothing of {bad} was loaded; fix the records above or pass --skip-invalid",
    ]
    stats = json.loads(kg(store_path, "stats", "--format", "json").stdout)
    assert stats["papers"] == 26 and len(stats["graphs"]) == 2


def test_skip_invalid_reports_and_succeeds(store_path: Path, tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "mixed.jsonl", '{"type":"paper","id":"doi:10.1/a"}', "nope")
    result = kg(store_path, "load", "--skip-invalid", str(bad))
    assert result.exit_code == 0
    assert result.stderr.startswith(f"{bad}:2: json: not a JSON object (")
    assert result.stderr.rstrip().endswith("(skipped)")
    assert "skipped 1 invalid records" in result.stdout


def test_hub_text_and_json(store_path: Path) -> None:
    text = kg(store_path, "hub", "arxiv:2402.13929")
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    assert "Mixed citation behavior. Most common role is background (50%)." in lines
    assert (
        lines.index("Citation roles")
        < lines.index("Citation polarity")
        < lines.index("Representative citing papers")
    )
    data = json.loads(kg(store_path, "hub", "arxiv:2402.13929", "--format", "json").stdout)
    assert list(data) == [
        "paper",
        "citing_papers",
        "annotated",
        "unclassified",
        "behavior",
        "headline",
        "roles",
        "polarities",
        "representatives",
        "notices",
        "citing_after_notice",
        "models",
    ]
    assert list(data["paper"]) == ["iri", "title", "year", "ids"]
    assert data["roles"][0] == {"role": "background", "count": 10, "share": 0.5}
    assert data["polarities"][0] == {"polarity": "neutral", "count": 12, "share": 0.6}
    assert list(data["representatives"][0]) == [
        "iri",
        "title",
        "year",
        "summary",
        "role",
        "polarity",
        "human",
        "support",
    ]


def test_citing_json(store_path: Path) -> None:
    result = kg(
        store_path,
        "citing",
        "arxiv:2402.13929",
        "--role",
        "background",
        "--page",
        "1",
        "--page-size",
        "3",
        "--format",
        "json",
    )
    data = json.loads(result.stdout)
    assert (data["total"], data["page"], data["page_size"], len(data["rows"])) == (10, 1, 3, 3)
    assert set(data["rows"][0]) == {"iri", "title", "year", "summary", "role", "polarity"}
    assert {row["role"] for row in data["rows"]} == {"background"}


def test_stats_json(store_path: Path) -> None:
    data = json.loads(kg(store_path, "stats", "--format", "json").stdout)
    assert data == {
        "papers": 26,
        "citations": 34,
        "annotations": 33,
        "graphs": ["https://w3id.org/citekg/data/consensus", HUB_GRAPH],
    }


def test_a_store_an_older_citekg_derived_is_derived_again_before_it_changes(
    store_path: Path, tmp_path: Path
) -> None:
    """An older citekg kept no store counts and stated no derivation: a change or ``stats`` would be
    wrong, so they are refused (exit 6, naming ``kg rebuild``) until ``kg rebuild`` derives it again."""
    with Store(store_path) as store:
        consensus, dataset = store.consensus_graph, ox.NamedNode(store.minter.dataset)
        older = [
            *store.oxigraph.quads_for_pattern(consensus, CKG["derivation"], None, consensus),
            *store.oxigraph.quads_for_pattern(dataset, None, None, consensus),
            *store.oxigraph.quads_for_pattern(None, VOID["class"], None, consensus),
            *store.oxigraph.quads_for_pattern(None, VOID["entities"], None, consensus),
        ]
        assert len(older) == 10
        for stale in older:
            store.oxigraph.remove(stale)
        before = set(store.oxigraph)
    more = write_jsonl(tmp_path / "more.jsonl", GOOD_CITATION)
    for refused in (
        kg(store_path, "load", str(more)),
        kg(store_path, "stats"),
        kg(store_path, "drop", str(EXAMPLE)),
    ):
        assert refused.exit_code == 6, refused.output
        assert "derived by an older citekg" in refused.stderr and "kg rebuild" in refused.stderr
    with Store(store_path) as store:
        assert set(store.oxigraph) == before  # nothing changed
    assert kg(store_path, "rebuild").exit_code == 0
    assert json.loads(kg(store_path, "stats", "--format", "json").stdout)["papers"] == 26
    assert kg(store_path, "load", str(more)).exit_code == 0
    assert json.loads(kg(store_path, "stats", "--format", "json").stdout)["papers"] == 28


def test_optimize_compacts_and_keeps_what_is_stored(store_path: Path, tmp_path: Path) -> None:
    load = kg(store_path, "load", str(write_jsonl(tmp_path / "one.jsonl", GOOD_CITATION)))
    assert load.exit_code == 0  # (too small a load to compact the store by itself)
    before = kg(store_path, "export", "--format", "nquads").stdout
    result = kg(store_path, "optimize")
    assert result.exit_code == 0 and re.fullmatch(
        r"compacted the database in \d+\.\d s", result.stdout.strip()
    )
    noted = json.loads((store_path / "citekg.json").read_text())["optimized_bytes"]
    assert noted == sum(path.stat().st_size for path in (store_path / "oxigraph").glob("*.sst"))
    after = kg(store_path, "export", "--format", "nquads").stdout
    assert_same_dataset(rdflib_dataset(after, "nquads"), rdflib_dataset(before, "nquads"))
    remote = runner.invoke(app, ["--endpoint", "http://127.0.0.1:9/sparql", "optimize"])
    assert remote.exit_code == 2 and "works on the embedded store" in remote.stderr


def test_export_to_a_file_and_to_stdout(store_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "graph.trig"
    assert kg(store_path, "export", "--format", "trig", "-o", str(target)).exit_code == 0
    from_file = Dataset().parse(target, format="trig")
    from_stdout = Dataset().parse(
        data=kg(store_path, "export", "--format", "nquads").stdout_bytes, format="nquads"
    )
    assert len(from_file) == len(from_stdout) > 0


def test_export_void_describes_the_dataset(store_path: Path) -> None:
    from rdflib import Graph, URIRef

    result = kg(store_path, "export", "--void")
    assert result.exit_code == 0
    void = Graph().parse(data=result.stdout_bytes, format="turtle")
    entities = {
        str(cls): int(count)
        for partition in void.objects(None, URIRef("http://rdfs.org/ns/void#classPartition"))
        for cls in void.objects(partition, URIRef("http://rdfs.org/ns/void#class"))
        for count in void.objects(partition, URIRef("http://rdfs.org/ns/void#entities"))
    }
    stats = json.loads(kg(store_path, "stats", "--format", "json").stdout)
    assert entities["http://purl.org/spar/cito/Citation"] == stats["citations"] > 24
    assert entities["http://purl.org/spar/fabio/Expression"] == stats["papers"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["hub", "doi:10.9/none"], 3, "error: no paper in the store has the id doi:10.9/none"),
        (["hub", "isbn:1"], 2, "error: 'isbn:1' has no known id prefix"),
        (["load", "no-such-file.jsonl"], 2, "error: no-such-file.jsonl: no such file"),
        (["restore", "no-such-dump.nq"], 2, "error: no-such-dump.nq: no such file"),
        (
            ["citing", "arxiv:2402.13929", "--role", "praise"],
            2,
            "error: hub-citing: parameter role (role): unknown role",
        ),
        (["export", "--graph", "nope"], 2, "error: the store has no graph"),
        (["drop", "nope"], 2, "error: there is no loaded source graph"),
        (["validate", "--graph", "nope"], 2, "error: the store has no graph"),
    ],
)
def test_errors_go_to_stderr_with_meaningful_exit_codes(
    store_path: Path, args: list[str], code: int, message: str
) -> None:
    result = kg(store_path, *args)
    assert result.exit_code == code
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr


def test_a_busy_store_is_a_clear_message(store_path: Path) -> None:
    with Store(store_path):
        busy = subprocess.run(
            [sys.executable, "-m", "kg", "--store", str(store_path), "stats"],
            capture_output=True,
            text=True,
            check=False,
        )
    assert busy.returncode == 4
    assert busy.stderr.startswith(f"error: the store {store_path} is in use by another process")
    assert "RocksDB" not in busy.stderr and "Traceback" not in busy.stderr


def test_reading_commands_share_the_store_and_a_writer_waits_for_them(
    store_path: Path, tmp_path: Path
) -> None:
    """A reader holds the store shared: other readers (processes of their own) run beside it, a load
    is told the store is busy and changes nothing; once the reader is done, the load goes through."""
    more = write_jsonl(tmp_path / "more.jsonl", GOOD_CITATION)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "kg", "--store", str(store_path), *args]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    with Store.for_reading(store_path) as reading:
        assert reading.oxigraph is not None
        stats, hub = run("stats", "--format", "json"), run("hub", "arxiv:2402.13929")
        assert stats.returncode == 0 and json.loads(stats.stdout)["papers"] == 26, stats.stderr
        assert hub.returncode == 0 and "SDXL-Lightning" in hub.stdout, hub.stderr
        busy = run("load", str(more))
        assert busy.returncode == 4 and "in use by another process" in busy.stderr
    assert json.loads(run("stats", "--format", "json").stdout)["papers"] == 26  # the load changed nothing
    assert run("load", str(more)).returncode == 0
    assert json.loads(run("stats", "--format", "json").stdout)["papers"] == 28


def test_formats_and_a_forced_format(tmp_path: Path) -> None:
    listed = json.loads(runner.invoke(app, ["formats", "--format", "json"]).stdout)
    assert [f["name"] for f in listed] == [
        "opencitations-index",
        "opencitations-meta",
        "opencitations-rdf",
        "retraction-watch",
        "s2-citations",
        "s2-api",
        "openalex",
        "crossref",
        "scicite",
        "acl-arc",
        "native",
    ]
    assert all(f["example"] for f in listed)
    csv = tmp_path / "rows.txt"
    csv.write_text((DATA / "index-coci.csv").read_text())
    loaded = runner.invoke(
        app, ["--store", str(tmp_path / "s"), "load", "--format", "opencitations-index", str(csv)]
    )
    assert loaded.exit_code == 0 and "3 citations" in loaded.stdout
    wrong = runner.invoke(app, ["--store", str(tmp_path / "s"), "load", "--format", "native", str(csv)])
    assert wrong.exit_code == 2 and ":1: json: not a JSON object" in wrong.stderr


def test_sources(store_path: Path) -> None:
    listed = json.loads(kg(store_path, "sources", "--format", "json").stdout)
    assert len(listed) == 1
    source = listed[0]
    assert (source["graph"], source["file"], source["format"]) == (
        HUB_GRAPH,
        "hub.jsonl",
        "native",
    )
    # instances in the graph, as VoID counts them: 34 citations, 24 of them with a citation record
    assert (source["papers"], source["citations"], source["annotations"]) == (26, 34, 33)
    assert source["loaded"].endswith("Z")


def test_query_commands(store_path: Path) -> None:
    listed = json.loads(kg(store_path, "query", "list", "--format", "json").stdout)
    hub_citing = next(q for q in listed if q["name"] == "hub-citing")
    assert hub_citing["parameters"][0] == {
        "name": "paper",
        "type": "paper",
        "required": True,
        "default": None,
        "description": "The cited paper.",
    }
    shown = kg(store_path, "query", "show", "citations-per-year").stdout
    assert shown.startswith("Citations per year") and "SELECT" in shown
    per_year = ["query", "run", "citations-per-year", "-p", "paper=arxiv:2402.13929"]
    run = kg(store_path, *per_year, "--format", "json")
    assert json.loads(run.stdout) == {
        "columns": ["year", "citations"],
        "truncated": False,
        "rows": [
            {"year": 2024, "citations": 8},
            {"year": 2025, "citations": 8},
            {"year": 2026, "citations": 8},
        ],
    }
    cut = json.loads(kg(store_path, *per_year, "--format", "json", "--limit", "1").stdout)
    assert cut["truncated"] and len(cut["rows"]) == 1
    w3c = json.loads(kg(store_path, *per_year, "--format", "sparql-json").stdout)
    assert w3c["head"]["vars"] == ["year", "citations"] and len(w3c["results"]["bindings"]) == 3
    missing = kg(store_path, "query", "run", "citations-per-year")
    assert missing.exit_code == 2 and "missing parameter paper" in missing.stderr


def test_sparql_command(store_path: Path) -> None:
    count = kg(
        store_path,
        "sparql",
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH data:consensus { ?c a cito:Citation } }",
        "--format",
        "json",
    )
    assert json.loads(count.stdout)["rows"] == [{"n": 34}]
    constructed = kg(
        store_path,
        "sparql",
        "CONSTRUCT { ?s a cito:Citation } WHERE { GRAPH data:consensus { ?s a cito:Citation } }",
    )
    from rdflib import Graph

    assert len(Graph().parse(data=constructed.stdout, format="turtle")) == 34
    bad = kg(store_path, "sparql", "SELECT WHERE {")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: the query is not valid SPARQL")


def test_agreement_command(store_path: Path) -> None:
    (pair,) = json.loads(kg(store_path, "agreement", "--format", "json").stdout)
    assert pair["citations"] == 3 and pair["agreement"] == 0.0 and round(pair["kappa"], 3) == -0.8


def test_the_load_display_moves_one_bar_forward_through_the_phases() -> None:
    """The bar never goes back and never claims the end before the load has finished."""
    from kg.cli import LoadDisplay

    display = LoadDisplay(EXAMPLE, quiet=True)
    seen = []
    with display:
        for name, total in [
            ("map", 1000),
            ("bulk load", 4000),
            ("consensus", None),
            ("finish", None),
            ("optimize", None),
        ]:
            display.phase(name, total)
            seen.append(display.bar.tasks[0].completed)
            for _ in range(10):
                display.advance((total or 0) // 8)  # more than the total: counted up to it
                seen.append(display.bar.tasks[0].completed)
    assert seen == sorted(seen) and seen[-1] < 100
    assert seen[1] > seen[0]  # reading the file moves the bar
    assert not display.shown  # --quiet: no display, so the load is not asked to count bytes


def test_the_explorer_sorts_offered_are_the_library_s() -> None:
    from kg.cli import Sort
    from kg.explorer import SORTS

    assert [sort.value for sort in Sort] == list(SORTS)


def test_hub_text_says_a_paper_was_retracted(tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    kg(store_path, "load", str(EXAMPLE), str(EXAMPLE.parent / "retractions.csv"))
    lines = kg(store_path, "hub", "doi:10.5555/example.bench").stdout.splitlines()
    retracted = lines.index(
        "Retracted on 2025-03-01 (Retraction Watch: Concerns/Issues About Results; Error in Data)."
    )
    assert lines[retracted + 1] == "3 of 10 citing papers cite it after the retraction; 3 of them positively."
    assert lines[retracted + 2] == "Dominant citation role: method (80%)."
