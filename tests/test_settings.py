"""kg.open() and kg.Settings: the library's way to name a store as the kg command's settings do."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from kg.settings import Settings, read_config
from kg.store import Store

from .conftest import EXAMPLE


def test_open_names_an_embedded_store_by_keyword_or_file(tmp_path: Path) -> None:
    folder = tmp_path / "one.store"
    with kg.open(store=folder) as store:
        assert isinstance(store, Store) and store.path == folder
        kg.load(store, EXAMPLE)
    config = tmp_path / "citekg.toml"
    config.write_text(f'store = "{folder}"\n', encoding="utf-8")
    with kg.open(config) as store:
        assert kg.hub_summary(store, "arxiv:2402.13929").headline.startswith("Mixed citation behavior")
    other = tmp_path / "two.store"
    with kg.open(config, store=other) as store:  # a keyword wins over the file
        assert store.path == other and store.is_empty()


def test_bad_settings_are_refused_with_what_is_known(tmp_path: Path) -> None:
    config = tmp_path / "citekg.toml"
    config.write_text('colour = "blue"\n', encoding="utf-8")
    with pytest.raises(kg.InvalidSetting, match="unknown settings colour; known: store, base"):
        read_config(config)
    with pytest.raises(kg.InvalidSetting, match="unknown settings colour"):
        kg.open(colour="blue")
    config.write_text("store = [", encoding="utf-8")
    with pytest.raises(kg.CitekgError, match="not valid TOML"):
        kg.open(config)
    assert read_config(tmp_path / "none.toml") == {}


def test_an_endpoint_wins_over_the_folder_and_is_read_only_without_its_update_endpoint(
    tmp_path: Path,
) -> None:
    settings = Settings(store=tmp_path / "unused.store", endpoint="http://127.0.0.1:9/query")
    with pytest.raises(kg.RemoteError, match=r"127\.0\.0\.1:9/query did not answer"):
        settings.open()  # the endpoint is asked, not the folder
    with pytest.raises(kg.InvalidSetting, match="read-only here: give --update-endpoint"):
        settings.open_writable()
    with pytest.raises(kg.InvalidSetting, match="works on the embedded store"):
        settings.open_embedded("restore")
    assert not (tmp_path / "unused.store").exists()
