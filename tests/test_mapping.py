from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InvalidSetting
from kg.ids import parse_id
from kg.iris import Minter
from kg.loader import load
from kg.mapping import Mapper
from kg.records import parse_record
from kg.store import Store
from kg.vocab import PROV

from .conftest import DATA, ROOT, assert_same_dataset, rdflib_dataset, store_dataset


def test_maps_records_onto_the_ontology(store: Store) -> None:
    load(store, DATA / "mapping-input.jsonl", graph="g")
    for quad in list(store.oxigraph.quads_for_pattern(None, PROV["generatedAtTime"], None)):
        store.oxigraph.remove(quad)
    expected = rdflib_dataset((DATA / "mapping-expected.trig").read_text(encoding="utf-8"), "trig")
    assert_same_dataset(store_dataset(store), expected)


def test_iris_are_minted_from_ids_not_text() -> None:
    minter = Minter("http://example.org/kg/")
    assert minter.paper(parse_id("doi:10.1000/a<b>c")) == "http://example.org/kg/paper/doi/10.1000/a%3Cb%3Ec"
    assert minter.graph("my source") == "http://example.org/kg/graph/my%20source"
    assert minter.graph("https://example.com/g") == "https://example.com/g"
    assert minter.citation("a", "b") == minter.citation("a", "b") != minter.citation("b", "a")


@pytest.mark.parametrize("base", ["http://example.org/kg", "example.org/", "not an iri/"])
def test_a_base_that_is_not_an_absolute_iri_ending_in_a_slash_or_hash_is_refused(
    base: str, tmp_path: Path
) -> None:
    with pytest.raises(InvalidSetting, match=r"^the IRI base <") as raised:
        Minter(base)
    assert raised.value.exit_code == 2
    with pytest.raises(InvalidSetting):
        Store(tmp_path / "store", base=base)
    assert not (tmp_path / "store").exists()


def test_the_cli_refuses_a_bad_base_before_it_creates_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidSetting) as raised:
        Minter("http://example.org/kg")
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(
        app,
        ["--base", "http://example.org/kg", "load", "examples/hub.jsonl"],
        env={"KG_STORE": str(tmp_path / "store")},
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {raised.value}"]
    assert list(tmp_path.iterdir()) == []  # no store folder


@pytest.mark.parametrize(
    "base", ["http://example.org/kg/", "https://w3id.org/citekg/data/", "urn:example:kg#"]
)
def test_an_absolute_base_ending_in_a_slash_or_hash_is_kept(base: str) -> None:
    assert Minter(base).base == base


@pytest.mark.parametrize("remembered", [1, 10])
def test_papers_seen_lately_are_not_introduced_again(remembered: int) -> None:
    mapper = Mapper(
        Minter("http://example.org/kg/"),
        "http://example.org/kg/graph/g",
        lambda _: None,
        remembered=remembered,
    )
    citation = parse_record('{"type":"citation","citing":"doi:10.1/a","cited":"doi:10.1/b"}')
    first = mapper.map(citation).quads.splitlines(keepends=True)
    again = mapper.map(citation).quads.splitlines(keepends=True)
    introductions = [quad for quad in again if "hasIdentifier" in quad]
    assert len(introductions) == (2 if remembered == 1 else 0)  # a table of one keeps neither paper
    assert set(again) <= set(first)
    assert len(mapper._papers) <= remembered
