"""kg sync: a store brought in line with a folder of dump files touches only the files that changed,
and ends as a fresh load of the folder would leave it; embedded, and through a running kg serve."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg.cli import app as kg_command
from kg.ids import parse_id
from kg.loader import load
from kg.stats import sources
from kg.store import Store
from kg.vocab import PROV

from .conftest import DATA, EXAMPLE, write_jsonl
from .test_serve import free_port, serving

runner = CliRunner()


def kg(store: Path, *args: str) -> Any:
    return runner.invoke(kg_command, ["--store", str(store), *args], env={"KG_UPDATE_TOKEN": "t"})


def release(folder: Path) -> Path:
    """A folder of three dumps of our own making, one in a subfolder, and a hidden file to ignore."""
    (folder / "part").mkdir(parents=True)
    shutil.copy(EXAMPLE, folder / "hub.jsonl")
    shutil.copy(DATA / "pages.jsonl", folder / "part" / "pages.jsonl")
    write_jsonl(
        folder / "extra.jsonl",
        json.dumps({"type": "paper", "id": "doi:10.5555/extra.1", "title": "Extra", "year": 2020}),
        json.dumps({"type": "citation", "citing": "doi:10.5555/extra.1", "cited": "arxiv:2402.13929"}),
    )
    (folder / ".partial.jsonl").write_text("not a dump yet")
    return folder


def quads(store: Store) -> set[str]:
    """The store but for when things were made and the aliases graph, which keeps the IRIs a store
    once published (history a fresh load has not lived: tests/test_identity.py)."""
    made, aliases = PROV["generatedAtTime"], store.minter.aliases_graph
    return {
        str(q)
        for q in store.oxigraph.quads_for_pattern(None, None, None)
        if q.predicate != made and q.graph_name.value != aliases
    }


def loaded_at(path: Path) -> dict[str, str]:
    with Store(path) as store:
        return {source.file: source.loaded for source in sources(store)}


def fresh(folder: Path, at: Path) -> set[str]:
    with Store(at) as store:
        for file in sorted(f for f in folder.rglob("*.jsonl") if not f.name.startswith(".")):
            load(store, file)
        return quads(store)


def test_sync_loads_what_is_new_or_changed_drops_what_is_gone_and_ends_as_a_fresh_load(
    tmp_path: Path,
) -> None:
    folder, path = release(tmp_path / "release"), tmp_path / "store"
    first = kg(path, "sync", str(folder), "--report", "json")
    assert first.exit_code == 0, first.output
    assert len(json.loads(first.output)["new"]) == 3
    before = loaded_at(path)

    again = kg(path, "sync", str(folder), "--report", "json")
    assert json.loads(again.output)["unchanged"] and not json.loads(again.output)["new"]
    assert loaded_at(path) == before  # nothing loaded again

    with (folder / "extra.jsonl").open("a") as extra:
        extra.write(
            json.dumps({"type": "citation", "citing": "doi:10.5555/extra.1", "cited": "doi:10.5555/x"}) + "\n"
        )
    (folder / "part" / "pages.jsonl").unlink()
    dry = kg(path, "sync", str(folder), "--dry-run")
    assert "would replace" in dry.output and "would drop" in dry.output and loaded_at(path) == before
    synced = kg(path, "sync", str(folder), "--report", "json")
    report = json.loads(synced.output)
    assert [Path(f).name for f in report["changed"]] == ["extra.jsonl"]
    assert len(report["dropped"]) == 1 and report["dropped"][0].endswith("part/pages.jsonl")
    assert [Path(f).name for f in report["unchanged"]] == ["hub.jsonl"]
    after = loaded_at(path)
    assert after["hub.jsonl"] == before["hub.jsonl"]  # untouched: loaded when it was
    assert set(after) == {"hub.jsonl", "extra.jsonl"}

    with Store(path) as store:
        assert quads(store) == fresh(folder, tmp_path / "fresh")


def test_sync_through_a_running_server(tmp_path: Path) -> None:
    from kg.serve import Settings, create_app

    folder, path, port = release(tmp_path / "release"), tmp_path / "store", free_port()
    Store(path).close()
    settings = Settings(update_token="t", address=f"http://127.0.0.1:{port}/")
    with serving(create_app(path, settings), port=port):
        synced = kg(path, "sync", str(folder), "--report", "json")
        assert synced.exit_code == 0, synced.output
        assert len(json.loads(synced.output)["new"]) == 3
        (folder / "part" / "pages.jsonl").unlink()
        synced = kg(path, "sync", str(folder), "--report", "json")
        assert len(json.loads(synced.output)["dropped"]) == 1
    with Store(path) as store:
        assert quads(store) == fresh(folder, tmp_path / "fresh")


def test_sync_names_a_folder(tmp_path: Path) -> None:
    result = kg(tmp_path / "store", "sync", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "no such folder" in result.output


@pytest.fixture(autouse=True)
def _outside_the_repo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Graph names are paths relative to the working directory: work where the test's files are."""
    monkeypatch.chdir(tmp_path)


def test_a_paper_keeps_its_iri_when_the_file_that_named_it_is_dropped(tmp_path: Path) -> None:
    """The one way a synced store differs from a fresh load: IRIs once published stay. hub.jsonl gave
    the hub a DOI, which named it; with hub.jsonl gone, extra.jsonl's citation still points at the
    DOI's IRI, where a fresh load of extra.jsonl alone would mint one from the arXiv id."""
    folder, path = release(tmp_path / "release"), tmp_path / "store"
    assert kg(path, "sync", str(folder)).exit_code == 0
    (folder / "hub.jsonl").unlink()
    assert kg(path, "sync", str(folder)).exit_code == 0
    with Store(path) as store:
        cited = {
            q.object.value
            for q in store.oxigraph.quads_for_pattern(None, None, None)
            if "cites" in q.predicate.value
        }
        assert "https://w3id.org/citekg/data/paper/doi/10.48550/arxiv.2402.13929" in cited
        assert store.paper(parse_id("arxiv:2402.13929")) is not None  # still found by the id it was cited by
