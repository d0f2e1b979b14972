"""The pages in a real browser: Debian's Chromium, headless, driven by Playwright as a reader would use
them (typing, choosing, clicking), checked by axe-core for accessibility, with the network beyond
this machine cut off. Screenshots of every page go to test-artifacts/ (KG_TEST_ARTIFACTS)."""

from __future__ import annotations

import os
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kg import hub, queries
from kg.explorer import SORTS
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
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    retractions = EXAMPLE.parent / "retractions.csv"  # a retracted paper's page is audited too
    expected = Store(None)
    load(expected, EXAMPLE)
    load(expected, retractions)
    folder = example_on_disk(tmp_path_factory.mktemp("browser"))
    with Store(folder) as store:
        load(store, retractions)
    with serving(create_app(folder)) as url:
        yield url, expected


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page whose requests to any other host fail, as on a machine without Internet; the
    addresses it tried are in ``page.elsewhere``."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    opened.elsewhere = []

    def offline(route: Any) -> None:
        host = urllib.parse.urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            opened.elsewhere.append(route.request.url)
            route.abort()

    opened.route("**/*", offline)
    yield opened
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def explorer_titles(page: Any) -> list[str]:
    cells = page.locator("#explorer tr.citing td:first-child a:not(.external)")
    return [cells.nth(i).inner_text() for i in range(cells.count())]


def test_a_newcomer_finds_the_paper_filters_its_citing_papers_and_follows_one(
    site: tuple[str, Store], page: Any
) -> None:
    """The issue's walk: front page, search, the explorer by unclassified and by title, a citing
    paper's own page, a saved query run from its form. No step shows JSON."""
    url, store = site
    summary = hub.summary(store, PAPER)
    page.goto(f"{url}/")
    shot(page, "front-page")
    page.fill("#front-search", "Progressive Adversarial")
    page.click("#search button")
    page.click(f"#found a:text('{summary.paper.title}')")
    page.wait_for_url("**/hub/**")
    assert page.inner_text("#headline") == summary.headline
    shot(page, "hub-page")

    page.select_option("#explorer-form select[name=role]", "unclassified")
    page.select_option("#explorer-form select[name=sort]", "title")
    page.click("#explorer-form button")
    page.wait_for_url("**role=unclassified**")
    total, rows = hub.citing(store, PAPER, role="unclassified", sort="title")
    assert page.inner_text("#explorer-count").startswith(f"{total} citing papers match")
    assert explorer_titles(page) == [row.title for row in rows]
    assert "application/json" not in page.evaluate("document.contentType")
    shot(page, "hub-page-unclassified-by-title")

    page.click(f"#explorer a:text('{rows[0].title}')")
    page.wait_for_url("**/hub/doi:10.5555/**")
    assert page.inner_text("#title") == rows[0].title

    page.click("header nav a:text('Saved queries')")
    page.click("a[href='/queries/hub-typology']")
    page.select_option("#saved-form select[name=role]", "background")
    page.click("#saved-form button")
    page.wait_for_selector("#results")
    expected = queries.run_query(store, "hub-typology", {"role": "background"}).rows
    assert page.locator("#results tbody tr").count() == len(expected) > 0
    shot(page, "saved-query-form")
    assert page.elsewhere == []


def test_the_explorer_form_gives_every_order_with_empty_years_and_pages_to_the_last(
    site: tuple[str, Store], page: Any
) -> None:
    url, store = site
    page.goto(f"{url}/hub/{PAPER}")
    for sort in SORTS:
        page.select_option("#explorer-form select[name=sort]", sort)
        page.select_option("#explorer-form select[name=page_size]", "10")
        page.fill("#explorer-form input[name=from_year]", "")
        page.click("#explorer-form button")
        page.wait_for_url(f"**sort={sort}**")
        _, rows = hub.citing(store, PAPER, sort=sort, page_size=10)
        assert explorer_titles(page) == [row.title for row in rows], sort
    total, _ = hub.citing(store, PAPER)
    last = -(-total // 10)
    page.click(".paging a[rel=last]")
    page.wait_for_url(f"**page={last}**")
    assert page.inner_text("#explorer-count").endswith(f"page {last} of {last}.")
    _, rows = hub.citing(store, PAPER, sort=SORTS[-1], page=last, page_size=10)
    assert explorer_titles(page) == [row.title for row in rows]
    page.fill("#explorer-form input[name=from_year]", "abc")
    page.click("#explorer-form button")
    assert "from_year: 'abc' is not a whole number" in page.inner_text("#form-problems")
    shot(page, "hub-page-bad-year")


def test_the_query_page_runs_a_query_and_shows_a_table(site: tuple[str, Store], page: Any) -> None:
    url, store = site
    text = "SELECT ?paper ?title WHERE { ?paper a fabio:Expression ; dcterms:title ?title } ORDER BY ?title"
    page.goto(f"{url}/sparql")  # a browser asking the endpoint lands on the query page
    page.fill("#query-text", text)
    page.click("#query-form button")
    page.wait_for_selector("#results")
    expected = list(store.oxigraph.query(text, use_default_graph_as_union=True, prefixes=store.prefixes))
    assert page.locator("#results tbody tr").count() == len(expected) > 0
    assert page.inner_text("#answer-size").startswith(f"{len(expected)} rows")
    assert page.input_value("#site-search") == ""  # the header's search box is not the query
    assert (
        page.locator("#results tbody tr:first-child td:first-child a").inner_text().startswith("data:paper/")
    )
    shot(page, "query-page")


def test_the_api_docs_render_without_internet(site: tuple[str, Store], page: Any) -> None:
    url, _ = site
    page.goto(f"{url}/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    paths = page.locator(".opblock-summary-path")
    shown = {paths.nth(i).inner_text().replace("\u200b", "") for i in range(paths.count())}
    assert {"/api/hub", "/api/citing", "/sparql"} <= shown
    assert page.elsewhere == []
    shot(page, "api-docs-offline")


def test_the_pages_work_without_javascript(site: tuple[str, Store], browser: Any) -> None:
    url, store = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{url}/hub/{PAPER}")
    page.select_option("#explorer-form select[name=polarity]", "negative")
    page.click("#explorer-form button")
    page.wait_for_url("**polarity=negative**")
    total, _ = hub.citing(store, PAPER, polarity="negative")
    assert page.inner_text("#explorer-count").startswith(f"{total} citing papers match")
    page.emulate_media(media="print")
    assert not page.is_visible("#explorer-form") and page.is_visible("#explorer")
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"/hub/{PAPER}",
        f"/hub/{PAPER}?from_year=abc",
        "/hub/doi:10.5555/example.bench",
        "/query?query=ASK%20%7B%7D",
        "/queries",
        "/queries/hub-typology?run=1",
        "/ontology",
        "/hub/doi:10.1/nothing",
    ],
)
def test_axe_finds_no_accessibility_violations(site: tuple[str, Store], page: Any, path: str) -> None:
    """axe-core (the engine browsers' own audits use), WCAG 2.0/2.1 A and AA rules and best practices.
    (Swagger UI at /docs is not ours: axe finds violations in it.)"""
    from axe_playwright_python.sync_playwright import Axe

    url, _ = site
    page.goto(url + path)
    result = Axe().run(page)
    assert result.violations_count == 0, result.generate_report()
    assert "color-contrast" in {rule["id"] for rule in result.response["passes"]}  # it did look
