"""The hub page in a real browser: Debian's Chromium, headless, driven by Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg import hub
from kg.loader import load
from kg.serve import create_app
from kg.store import Store

from .conftest import EXAMPLE, ROOT
from .test_serve import PAPER, example_on_disk, serving

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(os.environ.get("KG_TEST_ARTIFACTS", ROOT / "test-artifacts"))
# CI installs Chromium (.ci/system-packages): there a missing browser is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)


def test_the_hub_page_reads_as_kg_hub_and_its_role_filter_changes_the_explorer(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    store = Store(None)
    load(store, EXAMPLE)
    summary = hub.summary(store, PAPER)
    all_total, _ = hub.citing(store, PAPER)
    method_total, method_rows = hub.citing(store, PAPER, role="method")
    with serving(create_app(example_on_disk(tmp_path))) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        page = browser.new_page()
        page.goto(f"{url}/hub/{PAPER}")
        assert page.inner_text("#headline") == summary.headline
        bars = page.locator("#roles .bar")
        assert [bars.nth(i).get_attribute("data-role") for i in range(bars.count())] == [
            share.label for share in summary.roles
        ]
        assert [int(bars.nth(i).get_attribute("data-count")) for i in range(bars.count())] == [
            share.count for share in summary.roles
        ]
        assert page.locator("#explorer tr.citing").count() == min(all_total, 20)
        page.click("#role-filters a[data-filter-role=method]")
        page.wait_for_url("**role=method**")
        assert page.inner_text("#explorer-count").startswith(f"{method_total} citing papers match")
        assert page.locator("#explorer tr.citing").count() == len(method_rows) < all_total
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hub-page.png"), full_page=True)
        browser.close()
