"""Other kg commands on a store that kg serve holds: reads go through the server, loads and drops are
carried out by it (kg.serve.changes) while it serves, and no answer ever shows part of a change."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg import hub
from kg.cli import app as kg_command
from kg.loader import load
from kg.serve import Settings, create_app
from kg.store import Store
from kg.vocab import PROV

from .conftest import DATA, EXAMPLE, write_jsonl
from .test_serve import PAPER, example_on_disk, fetch, free_port, serving

TOKEN = "s3cret"
runner = CliRunner()


def kg(store: Path, *args: str, token: str | None = TOKEN) -> Any:
    env = {"KG_UPDATE_TOKEN": token} if token else {"KG_UPDATE_TOKEN": ""}
    return runner.invoke(kg_command, ["--store", str(store), *args], env=env)


def many_citers(folder: Path, count: int) -> Path:
    """A file of ``count`` new papers citing the example paper, half of them with a role."""
    lines = []
    for n in range(count):
        citing = f"doi:10.7777/citer.{n}"
        lines.append(
            json.dumps({"type": "paper", "id": citing, "title": f"Citer {n}", "year": 2000 + n % 25})
        )
        lines.append(json.dumps({"type": "citation", "citing": citing, "cited": PAPER}))
        if n % 2:
            annotation = {"type": "annotation", "citing": citing, "cited": PAPER, "role": "method"}
            lines.append(json.dumps(annotation | {"annotator": {"id": "model", "kind": "model"}}))
    return write_jsonl(folder / "citers.jsonl", *lines)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """kg serve holding the example store, taking changes with a token, where kg finds it."""
    path, port = example_on_disk(tmp_path), free_port()
    settings = Settings(update_token=TOKEN, address=f"http://127.0.0.1:{port}/")
    with serving(create_app(path, settings), port=port) as url:
        yield url, path


def hub_counts(url: str) -> int:
    status, _, body = fetch(f"{url}/api/hub?{urllib.parse.urlencode({'paper': PAPER})}")
    assert status == 200, body
    return int(json.loads(body)["citing_papers"])


def quads(store: Store) -> set[str]:
    """The store's quads but for the times things were made (a load here and there differ in those)."""
    made = PROV["generatedAtTime"]
    return {str(q) for q in store.oxigraph.quads_for_pattern(None, None, None) if q.predicate != made}


def test_a_load_and_a_drop_through_the_server_leave_the_store_as_offline(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    url, path = served
    loaded = kg(path, "load", str(DATA / "pages.jsonl"))
    assert loaded.exit_code == 0, loaded.output
    assert f"by the server at {url}/" in loaded.output and "pages.jsonl" in loaded.output
    summary = kg(path, "hub", "doi:10.5555/results.json", "--format", "json")
    offline = Store(tmp_path / "offline")
    for file in (EXAMPLE, DATA / "pages.jsonl"):
        load(offline, file)
    assert json.loads(summary.output) == hub.summary(offline, "doi:10.5555/results.json").to_json()
    dropped = kg(path, "drop", str(DATA / "pages.jsonl"))
    assert dropped.exit_code == 0 and "dropped <" in dropped.output
    assert not list(path.parent.glob(".store.change-*"))  # the side store and the old one are gone
    served_quads = _served_quads(url)
    with Store(tmp_path / "example") as expected:
        load(expected, EXAMPLE)
        assert served_quads == quads(expected)
    offline.close()


def _served_quads(url: str) -> set[str]:
    status, _, body = fetch(f"{url}/dump.nq")
    assert status == 200
    made = PROV["generatedAtTime"]
    return {str(q) for q in ox.parse(body, format=ox.RdfFormat.N_QUADS) if q.predicate != made}


def test_a_hub_polled_during_a_load_shows_the_state_before_or_after_never_a_part(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    url, path = served
    before = hub_counts(url)
    file = many_citers(tmp_path, 3000)
    seen: list[int] = []
    failures: list[str] = []
    loading = threading.Event()

    def poll() -> None:
        while not loading.is_set():
            try:
                seen.append(hub_counts(url))
            except AssertionError as error:
                failures.append(str(error))
            time.sleep(0.01)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        loaded = kg(path, "load", str(file))
    finally:
        loading.set()
        poller.join()
    assert loaded.exit_code == 0, loaded.output
    after = hub_counts(url)
    assert after == before + 3000
    assert failures == []
    assert set(seen) <= {before, after} and seen.count(before) > 10
    assert seen == sorted(seen)  # once the new state shows, the old never comes back


def test_reading_commands_go_through_the_server(served: tuple[str, Path], tmp_path: Path) -> None:
    _, path = served
    for args in (("stats", "--format", "json"), ("hub", PAPER, "--format", "json"), ("citing", PAPER)):
        through = kg(path, *args)
        assert through.exit_code == 0, through.output
    expected = Store(None)
    load(expected, EXAMPLE)
    assert (
        json.loads(kg(path, "hub", PAPER, "--format", "json").output)
        == hub.summary(expected, PAPER).to_json()
    )
    assert json.loads(kg(path, "stats", "--format", "json").output)["citations"] == 34


def test_one_change_at_a_time_and_no_write_while_it_runs(served: tuple[str, Path], tmp_path: Path) -> None:
    """The first change is held running by its own upload (half sent, the rest sent after the checks):
    nothing here depends on how fast the machine loads."""
    url, path = served
    file = many_citers(tmp_path, 2000)
    query = urllib.parse.urlencode({"kind": "load", "name": file.name, "graph": "citers"})
    headers = {"Authorization": f"Bearer {TOKEN}"}
    upload = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=60)
    upload.putrequest("POST", f"/changes?{query}")
    upload.putheader("Authorization", headers["Authorization"])
    upload.putheader("Transfer-Encoding", "chunked")
    upload.endheaders()
    body = file.read_bytes()
    half = len(body) // 2
    upload.send(b"%x\r\n%s\r\n" % (half, body[:half]))
    deadline = time.monotonic() + 30
    while json.loads(fetch(f"{url}/changes", headers=headers)[2])["running"] is None:
        assert time.monotonic() < deadline, "the upload never began its change"
        time.sleep(0.05)
    status, _, refused = fetch(f"{url}/changes?{query}", data=b"{}", headers=headers)
    first = json.loads(refused)
    assert status == 409 and first["state"] == "running" and first["phase"] == "upload"  # with its progress
    second = kg(path, "load", str(DATA / "pages.jsonl"))
    assert second.exit_code == 4 and "carrying out another load" in second.output, second.output
    update = urllib.parse.urlencode({"update": "INSERT DATA { <http://x> <http://y> <http://z> }"}).encode()
    status, headers_back, _ = fetch(f"{url}/sparql", data=update, headers=headers)
    assert status == 503 and headers_back["retry-after"]
    upload.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body) - half, body[half:]))
    accepted = upload.getresponse()
    assert accepted.status == 202 and json.loads(accepted.read())["id"] == first["id"]
    upload.close()
    while (state := json.loads(fetch(url + first["url"], headers=headers)[2]))["state"] != "done":
        assert state["state"] in ("running", "swapping"), state
        time.sleep(0.1)
    assert state["report"]["citations"] == 2000 and hub_counts(url) == 24 + 2000
    assert fetch(f"{url}/sparql", data=update, headers=headers)[0] == 204  # writes again


def test_an_earlier_change_can_still_be_asked_how_it_ended(served: tuple[str, Path]) -> None:
    """A client that polls its change after another has begun (a second kg command) still learns how
    its own ended."""
    url, _ = served
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def carried_out(query: dict[str, str], body: bytes) -> dict[str, Any]:
        status, _, answer = fetch(
            f"{url}/changes?{urllib.parse.urlencode(query)}", data=body, headers=headers
        )
        assert status == 202, answer
        started = json.loads(answer)
        while (state := json.loads(fetch(url + started["url"], headers=headers)[2]))["state"] != "done":
            assert state["state"] in ("running", "swapping"), state
            time.sleep(0.1)
        return started

    loaded = carried_out(
        {"kind": "load", "name": "pages.jsonl", "graph": "pages"}, (DATA / "pages.jsonl").read_bytes()
    )
    carried_out({"kind": "drop", "graph": "pages"}, b"")
    status, _, body = fetch(url + loaded["url"], headers=headers)
    assert status == 200 and json.loads(body)["report"]["citations"] == 3
    assert fetch(f"{url}/changes/nosuchchange", headers=headers)[0] == 404


def test_a_bad_file_changes_nothing_and_says_where(served: tuple[str, Path], tmp_path: Path) -> None:
    url, path = served
    before = _served_quads(url)
    bad = write_jsonl(
        tmp_path / "bad.jsonl",
        json.dumps({"type": "paper", "id": "doi:10.5555/ok", "title": "Fine"}),
        json.dumps({"type": "citation", "citing": "doi:10.5555/ok", "cited": "nonsense"}),
    )
    result = kg(path, "load", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:2: cited:" in result.output and "nothing of" in result.output
    assert _served_quads(url) == before
    assert not list(path.parent.glob(".store.change-*"))


def test_a_missing_file_or_graph_is_said_as_offline(served: tuple[str, Path], tmp_path: Path) -> None:
    _, path = served
    result = kg(path, "load", str(tmp_path / "nowhere.jsonl"))
    assert result.exit_code == 2 and "nowhere.jsonl: no such file" in result.output
    offline = kg(tmp_path / "offline", "drop", "never/loaded.jsonl")
    through = kg(path, "drop", "never/loaded.jsonl")
    assert through.exit_code == offline.exit_code != 0
    assert offline.output.strip().removeprefix("error: ") in through.output


def test_changes_need_the_update_token(served: tuple[str, Path], tmp_path: Path) -> None:
    _, path = served
    result = kg(path, "load", str(DATA / "pages.jsonl"), token=None)
    assert result.exit_code == 1 and "KG_UPDATE_TOKEN" in result.output
    wrong = kg(path, "drop", "examples/hub.jsonl", token="guess")
    assert wrong.exit_code == 1 and "token is wrong" in wrong.output


def test_a_server_that_takes_no_changes_says_so(tmp_path: Path) -> None:
    path, port = example_on_disk(tmp_path), free_port()
    with serving(create_app(path, Settings(address=f"http://127.0.0.1:{port}/")), port=port):
        result = kg(path, "load", str(DATA / "pages.jsonl"))
        assert result.exit_code == 4 and "takes no changes" in result.output  # the store is busy
        assert kg(path, "stats").exit_code == 0  # reading still works, through it
    assert not (path / "served.json").exists()  # gone with the server
    assert kg(path, "load", str(DATA / "pages.jsonl")).exit_code == 0  # and the store is free again


def test_a_restore_through_the_server_fills_the_empty_store(tmp_path: Path) -> None:
    with Store(tmp_path / "source") as source:
        load(source, EXAMPLE)
        expected = quads(source)
    dump = tmp_path / "dump.nq"
    assert kg(tmp_path / "source", "export", "--format", "nquads", "-o", str(dump)).exit_code == 0
    empty, port = tmp_path / "empty", free_port()
    Store(empty).close()
    with serving(
        create_app(empty, Settings(update_token=TOKEN, address=f"http://127.0.0.1:{port}/")), port=port
    ):
        restored = kg(empty, "restore", str(dump))
        assert restored.exit_code == 0, restored.output
        assert "restored" in restored.output
        again = kg(empty, "restore", str(dump))
        assert again.exit_code == 1 and "not empty" in again.output
    with Store(empty) as store:
        assert quads(store) == expected


def test_what_a_change_cut_short_left_is_cleared_when_the_server_starts(tmp_path: Path) -> None:
    path = example_on_disk(tmp_path)
    leftover = tmp_path / ".store.change-abc123" / "store"
    leftover.mkdir(parents=True)
    (leftover / "junk").write_text("half a store")
    with serving(create_app(path, Settings())):
        assert not leftover.parent.exists()


@pytest.mark.parametrize("name", ["a\x00b", "a" * 300, "../x", ".hidden", ""])
def test_a_file_name_that_cannot_be_saved_is_a_clear_refusal(served: tuple[str, Path], name: str) -> None:
    url, _ = served
    address = f"{url}/changes?{urllib.parse.urlencode({'kind': 'load', 'name': name})}"
    status, _, body = fetch(address, data=b"x", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 400 and b"name the file" in body
