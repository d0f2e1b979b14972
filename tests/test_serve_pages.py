"""kg serve's pages as a browser asks for them (Accept: text/html) over a real socket, read with the
standard library's HTML parser: the front page, the hub page and its explorer form, the JSON API, the
query pages and the resource pages. The same pages in Chromium: tests/test_serve_browser.py."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg import hub, queries
from kg.explorer import SORTS
from kg.ids import parse_id
from kg.loader import load
from kg.serve import Settings, create_app
from kg.serve.charts import COLOURS, timeline
from kg.stats import store_stats
from kg.store import Store
from kg.vocab import ROLE_BY_IRI

from .conftest import DATA, EXAMPLE
from .test_serve import PAPER, fetch, serving

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON_ID = "doi:10.5555/results.json"  # a paper whose DOI ends like the old JSON suffix


class Page(HTMLParser):
    """What a test reads of a page: links, texts by element id, table rows, forms' fields and every
    address the page loads a resource from."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.loads: list[str] = []  # src of scripts and images, href of stylesheets
        self.texts: dict[str, str] = {}
        self.rows: dict[str, list[list[str]]] = {}
        self._open: list[tuple[str, str | None]] = []
        self._ids: list[str] = []
        self._href: str | None = None
        self._text: list[str] = []
        self._table: str | None = None
        self._cells: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self._href, self._text = found["href"], []
        if tag in ("script", "img", "iframe") and found.get("src"):
            self.loads.append(found["src"] or "")
        if tag == "link" and found.get("rel") in ("stylesheet", "icon", "preload"):
            self.loads.append(found.get("href") or "")
        if tag == "table":
            self._table = found.get("id")
            self.rows.setdefault(self._table or "", [])
        if tag == "tr":
            self._cells = []
        if tag in ("td", "th") and self._cells is not None:
            self._cells.append("")
        if found.get("id"):
            self._ids.append(found["id"] or "")
            self.texts[found["id"] or ""] = ""
        if tag not in ("br", "input", "img", "meta", "link", "hr"):
            self._open.append((tag, found.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None
        if tag == "tr" and self._cells is not None and self._table is not None:
            self.rows[self._table].append([cell.strip() for cell in self._cells])
            self._cells = None
        while self._open:
            opened, element_id = self._open.pop()
            if element_id is not None and self._ids and self._ids[-1] == element_id:
                self._ids.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)
        for element_id in self._ids:
            self.texts[element_id] += data
        if self._cells:
            self._cells[-1] += data

    def text(self, element_id: str) -> str:
        return " ".join(self.texts[element_id].split())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """kg serve (read-only) on the example data (its benchmark paper retracted) and a paper whose DOI
    ends in .json; beside it the same data in memory, which says what the pages should show."""
    expected = Store(None)
    folder = tmp_path_factory.mktemp("site") / "store"
    with Store(folder) as store:
        for target in (store, expected):
            load(target, EXAMPLE)
            load(target, DATA / "pages.jsonl")
            load(target, EXAMPLE.parent / "retractions.csv")  # the benchmark paper, retracted
    with serving(create_app(folder, Settings())) as url:
        yield url, expected


def page(url: str, expect: int = 200) -> Page:
    status, headers, body = fetch(url, accept=BROWSER)
    assert status == expect, body[:500]
    assert headers["content-type"].startswith("text/html"), headers
    return Page(body.decode())


def test_the_front_page_says_what_the_store_holds_and_leads_to_hub_pages(site: tuple[str, Store]) -> None:
    url, store = site
    front = page(f"{url}/")
    stats = store_stats(store)
    holdings = front.text("holdings")
    assert f"{stats.papers:,} papers, {stats.citations:,} citations and {stats.annotations:,}" in holdings
    cited = [row for row in queries.run_query(store, "hub-typology").rows][:10]
    assert [int(cells[1]) for cells in front.rows["most-cited"][1:]] == [r["citing_papers"] for r in cited]
    contested = front.rows["most-contested"][1:]
    assert contested and all(cells[2] != "0%" for cells in contested)
    assert contested[0][:3] == ["A Dataset Whose DOI Ends in .json", "3", "33%"]  # 1 of 3 negative
    hubs = [href for href, _ in front.links if href.startswith("/hub/")]
    assert hubs[0] == f"/hub/{PAPER.replace('arxiv:', 'doi:10.48550/arxiv.')}"
    first = page(url + hubs[0])
    assert first.text("headline") == hub.summary(store, PAPER).headline
    for target in ("/query", "/queries", "/ontology", "/docs", "/dump.nq"):
        assert target in {href for href, _ in front.links}


def test_search_from_the_front_page_finds_by_id_and_by_title_words(site: tuple[str, Store]) -> None:
    url, _ = site
    found = page(f"{url}/search?q={urllib.parse.quote(JSON_ID)}")  # the redirect, followed
    assert found.text("title") == "A Dataset Whose DOI Ends in .json"
    found = page(f"{url}/search?q=reader")
    titles = {text for href, text in found.links if href.startswith("/hub/")}
    assert titles == {"First Reader", "Second Reader", "Third Reader"}


def test_every_citing_paper_links_to_its_hub_page_and_its_registry(site: tuple[str, Store]) -> None:
    url, store = site
    total, rows = hub.citing(store, PAPER, page_size=100)
    hub_page = page(f"{url}/hub/{PAPER}?page_size=100")
    links = dict((text, href) for href, text in hub_page.links)
    for row in rows:
        href = links[row.title]
        assert href.startswith("/hub/doi:10.5555/")
        assert page(url + href).text("title") == row.title
    registry = {href for href, text in hub_page.links if text == "(DOI)"}
    assert len(registry) == total and all(href.startswith("https://doi.org/10.5555/") for href in registry)
    ids = dict((text, href) for href, text in hub_page.links)
    assert ids["2402.13929"] == "https://arxiv.org/abs/2402.13929"


def test_representatives_show_role_polarity_and_why(site: tuple[str, Store]) -> None:
    url, store = site
    summary = hub.summary(store, PAPER)
    shown = page(f"{url}/hub/{PAPER}").text("representatives")
    for representative in summary.representatives:
        assert representative.title and representative.title in shown
        assert (
            f"{(representative.role or 'unclassified').replace('_', ' ')} · {representative.polarity}"
            in shown
        )
    assert shown.count("Role decided by a person") == sum(r.human for r in summary.representatives) > 0


@pytest.mark.parametrize("sort", SORTS)
def test_the_explorer_form_with_empty_boxes_gives_the_page_in_every_order(
    site: tuple[str, Store], sort: str
) -> None:
    url, store = site
    form = {"role": "", "polarity": "", "from_year": "", "to_year": "", "sort": sort, "page_size": "10"}
    shown = page(f"{url}/hub/{PAPER}?{urllib.parse.urlencode(form)}")
    total, rows = hub.citing(store, PAPER, sort=sort, page_size=10)
    assert shown.text("explorer-count").startswith(
        f"{total} citing papers match; page 1 of {-(-total // 10)}"
    )
    assert [cells[0].removesuffix(" (DOI)") for cells in shown.rows["explorer"][1:]] == [
        r.title for r in rows
    ]


def test_unclassified_citing_papers_can_be_listed(site: tuple[str, Store]) -> None:
    url, store = site
    total, _ = hub.citing(store, PAPER, role="unclassified")
    shown = page(f"{url}/hub/{PAPER}?role=unclassified")
    assert total == hub.summary(store, PAPER).unclassified > 0
    assert shown.text("explorer-count").startswith(f"{total} citing papers match")
    assert {cells[2] for cells in shown.rows["explorer"][1:]} == {"unclassified"}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("from_year=abc", "from_year: 'abc' is not a whole number"),
        ("to_year=1e3", "to_year: '1e3' is not a whole number"),
        ("role=sideways", "role: 'sideways' is not one of"),
        ("polarity=happy", "polarity: 'happy' is not one of"),
        ("sort=random", "sort: 'random' is not one of"),
        ("page=0", "page: 0 is not between 1"),
        ("page=x", "page: 'x' is not a whole number"),
        ("page_size=5000", "page_size: 5000 is not between 1 and 1000"),
    ],
)
def test_bad_form_values_give_the_page_with_a_message_never_json(
    site: tuple[str, Store], query: str, named: str
) -> None:
    url, store = site
    shown = page(f"{url}/hub/{PAPER}?{query}", expect=400)
    assert named in shown.text("form-problems")
    total, _ = hub.citing(store, PAPER)
    assert shown.text("explorer-count").startswith(f"{total} citing papers match")  # the value left out


def test_a_page_past_the_last_shows_the_last_and_a_repeated_field_takes_the_last_value(
    site: tuple[str, Store],
) -> None:
    url, store = site
    total, rows = hub.citing(store, PAPER, sort="title", page=2, page_size=20)
    last = -(-total // 20)
    shown = page(f"{url}/hub/{PAPER}?sort=year&sort=title&page=99")
    assert shown.text("explorer-count").endswith(f"page {last} of {last}.")
    assert [cells[0].removesuffix(" (DOI)") for cells in shown.rows["explorer"][1:]] == [
        r.title for r in rows
    ]
    rels = {text: href for href, text in shown.links}
    assert (
        "last" not in rels and "first" in rels and page(url + f"/hub/{PAPER}" + rels["first"].split("#")[0])
    )


def test_a_paper_whose_doi_ends_in_json_has_a_page_and_json_by_parameter(site: tuple[str, Store]) -> None:
    url, store = site
    shown = page(f"{url}/hub/{JSON_ID}")
    assert shown.text("title") == "A Dataset Whose DOI Ends in .json"
    status, _, body = fetch(f"{url}/api/hub?{urllib.parse.urlencode({'paper': JSON_ID})}")
    assert status == 200 and json.loads(body) == hub.summary(store, JSON_ID).to_json()
    status, _, body = fetch(f"{url}/hub/{PAPER}.json")  # the old form, where it is unambiguous
    assert status == 200 and json.loads(body) == hub.summary(store, PAPER).to_json()


def test_the_json_api_answers_as_the_command_does(site: tuple[str, Store]) -> None:
    url, store = site
    status, headers, body = fetch(f"{url}/api/hub?paper={PAPER}")
    assert status == 200 and headers["content-type"] == "application/json"
    assert json.loads(body) == hub.summary(store, PAPER).to_json()
    parameters = {"paper": PAPER, "role": "background", "sort": "title-desc", "page": "2", "page_size": "3"}
    status, _, body = fetch(f"{url}/api/citing?{urllib.parse.urlencode(parameters)}")
    total, rows = hub.citing(store, PAPER, role="background", sort="title-desc", page=2, page_size=3)
    assert status == 200 and json.loads(body) == hub.citing_json(total, rows, 2, 3)
    assert fetch(f"{url}/api/citing?paper={PAPER}&page=0")[0] == 422
    assert fetch(f"{url}/api/hub?paper=doi:10.1/nothing")[0] == 404
    status, _, body = fetch(f"{url}/openapi.json")
    assert {"/api/hub", "/api/citing"} <= set(json.loads(body)["paths"])


def test_the_role_chart_adds_up_to_role_over_time(site: tuple[str, Store]) -> None:
    url, store = site
    rows = queries.run_query(store, "role-over-time", {"paper": PAPER}).rows
    counted = [(row["year"], ROLE_BY_IRI[row["role"]].value, row["citations"]) for row in rows]
    chart = timeline(counted)
    assert chart is not None
    body = fetch(f"{url}/hub/{PAPER}", accept=BROWSER)[2].decode()
    rects = [rect.split(">")[0] for rect in body.split("<rect ")[1:]]
    drawn = {
        (_attribute(r, "data-year"), _attribute(r, "data-role")): int(_attribute(r, "data-count"))
        for r in rects
    }
    assert drawn == {(str(year), role): count for year, role, count in counted}
    assert sum(drawn.values()) == sum(segment.count for _, stacked in chart.segments for segment in stacked)


def _attribute(tag: str, name: str) -> str:
    return tag.split(f'{name}="', 1)[1].split('"', 1)[0]


def test_every_colour_passes_the_contrast_for_graphics() -> None:
    """WCAG 2.1, 1.4.11: 3:1 against the white page, by the relative luminance formula of WCAG."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    assert len(set(COLOURS.values())) == len(COLOURS)
    assert min(1.05 / (luminance(colour) + 0.05) for colour in COLOURS.values()) >= 3


def test_the_query_page_shows_a_table_its_size_and_downloads(site: tuple[str, Store]) -> None:
    url, store = site
    text = "SELECT ?citing ?title WHERE { ?citing cito:cites ?o OPTIONAL { ?citing dcterms:title ?title } }"
    shown = page(f"{url}/query?{urllib.parse.urlencode({'query': text})}")
    expected = list(store.oxigraph.query(text, use_default_graph_as_union=True, prefixes=store.prefixes))
    assert len(shown.rows["results"]) - 1 == len(expected) > 0
    assert shown.text("answer-size").startswith(f"{len(expected)} rows")
    assert shown.rows["results"][1][0].startswith("data:paper/")  # short, with the store's prefix
    downloads = {text: href for href, text in shown.links if href.startswith("/sparql?")}
    assert set(downloads) == {"CSV", "TSV", "JSON", "XML"}
    status, headers, body = fetch(url + downloads["CSV"])
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert len(list(csv.reader(io.StringIO(body.decode())))) - 1 == len(expected)
    status, headers, body = fetch(url + downloads["JSON"])
    assert len(json.loads(body)["results"]["bindings"]) == len(expected)
    wrong = page(f"{url}/query?{urllib.parse.urlencode({'query': 'SELECT nonsense'})}", expect=400)
    assert "not valid SPARQL" in wrong.text("message")


def test_the_query_page_shows_graphs_and_yes_or_no(site: tuple[str, Store]) -> None:
    url, store = site
    construct = "CONSTRUCT { ?s cito:cites ?o } WHERE { GRAPH data:consensus { ?s cito:cites ?o } }"
    shown = page(f"{url}/query?{urllib.parse.urlencode({'query': construct})}")
    triples = len(list(store.query(construct)))
    assert shown.text("answer-size").startswith(f"{triples} triples")
    turtle = {text: href for href, text in shown.links}["Turtle"]
    status, headers, body = fetch(url + turtle)
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=body.decode(), format="turtle")) == triples
    ask = page(f"{url}/query?{urllib.parse.urlencode({'query': 'ASK { ?s cito:cites ?o }'})}")
    assert ask.text("boolean") == "yes (true)"


def test_saved_queries_are_forms_from_their_typed_parameters(site: tuple[str, Store]) -> None:
    url, store = site
    listing = page(f"{url}/queries")
    assert {f"/queries/{name}" for name in queries.catalogue()} <= {href for href, _ in listing.links}
    _, _, body = fetch(f"{url}/queries/hub-typology", accept=BROWSER)
    assert '<select name="role">' in body.decode() and 'name="min_citing"' in body.decode()
    shown = page(f"{url}/queries/hub-typology?role=method&min_citing=&run=1")
    expected = queries.run_query(store, "hub-typology", {"role": "method"}).rows
    assert len(shown.rows["results"]) - 1 == len(expected) > 0
    bad = page(f"{url}/queries/hub-typology?min_citing=many&run=1", expect=400)
    assert "min_citing" in bad.text("message")
    missing = page(f"{url}/queries/role-over-time?run=1&role=", expect=200)  # nothing given: the form
    assert "results" not in missing.rows
    asked = page(f"{url}/queries/contexts?role=method&run=1", expect=400)
    assert "give a value for" in asked.text("message")


def test_resource_pages_use_labels_list_what_points_in_and_link_the_hub(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("linked") / "store"
    with Store(folder, base="http://127.0.0.1:8771/") as store:
        load(store, EXAMPLE)
        paper = store.paper(parse_id(PAPER))
        assert paper is not None
        citing = {q.subject.value for q in store.oxigraph.quads_for_pattern(None, None, paper, None)}
    with serving(create_app(folder), port=8771) as url:
        path = paper.value.removeprefix("http://127.0.0.1:8771")
        shown = page(url + path)
        texts = {text for _, text in shown.links}
        assert {"title", "has publication year"} & {cells[0] for cells in shown.rows["description"]}
        assert "Its hub page" in texts
        pointing = {
            href for href, _ in shown.links if href.startswith("/citation/") or href.startswith("/paper/")
        }
        assert pointing and {url + href.split("#")[0] for href in pointing} <= {
            iri.replace("http://127.0.0.1:8771/", url + "/") for iri in citing
        } | {url + path}
        status, headers, turtle = fetch(url + path + "?format=turtle", accept=BROWSER)
        assert status == 200 and headers["content-type"].startswith("text/turtle")
        status, _, expected = fetch(url + path, accept="text/turtle")
        assert isomorphic(
            Graph().parse(data=turtle.decode(), format="turtle"),
            Graph().parse(data=expected.decode(), format="turtle"),
        )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"/hub/{PAPER}",
        "/query?query=ASK%20%7B%7D",
        "/queries",
        "/queries/hub-typology",
        "/docs",
        "/ontology",
        "/search?q=reader",
        "/hub/doi:10.1/nothing",
    ],
)
def test_no_page_loads_anything_from_another_host(site: tuple[str, Store], path: str) -> None:
    url, _ = site
    status, _, body = fetch(url + path, accept=BROWSER)
    assert status in (200, 404)
    loads = Page(body.decode()).loads
    assert all(urllib.parse.urlsplit(address).netloc == "" for address in loads), loads
    if path == "/docs":
        assert len(loads) >= 2  # Swagger UI's script and styles, from this server
        for address in loads:
            assert fetch(url + address)[0] == 200


def test_errors_are_pages_for_browsers_and_text_for_programs(site: tuple[str, Store]) -> None:
    url, _ = site
    shown = page(f"{url}/hub/doi:10.1/nothing", expect=404)
    assert "no paper in the store has the id doi:10.1/nothing" in shown.text("message")
    status, headers, _ = fetch(f"{url}/hub/doi:10.1/nothing.json")
    assert status == 404 and headers["content-type"].startswith("text/plain")


def test_the_front_pages_figures_are_kept_until_the_store_changes(tmp_path: Path) -> None:
    from kg.serve import tasks

    with Store(tmp_path / "store") as store:
        load(store, EXAMPLE)
        first = tasks.front_page(store)
        kept = json.loads((tmp_path / "store" / tasks.FRONT).read_text())
        assert kept["generation"] == store.generation and first.stats == store_stats(store)
        kept["front"]["stats"]["papers"] = -1  # what is kept is what is shown, while the store is as it was
        (tmp_path / "store" / tasks.FRONT).write_text(json.dumps(kept))
        assert tasks.front_page(store).stats.papers == -1
        load(store, DATA / "pages.jsonl")
        assert tasks.front_page(store).stats == store_stats(store)
        assert tasks.front_page(store).most_contested[0].title == "A Dataset Whose DOI Ends in .json"


def test_an_iri_that_is_not_a_web_address_is_never_a_link(site: tuple[str, Store]) -> None:
    """An IRI may be ``javascript:...``: a query (or a loaded file) that makes one must not put it in
    a link a reader could follow on this site."""
    url, _ = site
    query = 'SELECT * { BIND(IRI("javascript:alert(1)") AS ?x) BIND(IRI("https://doi.org/10.1/a") AS ?y) }'
    shown = page(f"{url}/query?{urllib.parse.urlencode({'query': query})}")
    assert shown.rows["results"][1] == ["javascript:alert(1)", "https://doi.org/10.1/a"]
    hrefs = {href for href, _ in shown.links}
    assert "https://doi.org/10.1/a" in hrefs and not any(h.lower().startswith("javascript") for h in hrefs)


def test_a_retracted_papers_page_says_so_and_who_kept_citing(site: tuple[str, Store]) -> None:
    url, store = site
    summary = hub.summary(store, "doi:10.5555/example.bench")
    shown = page(f"{url}/hub/doi:10.5555/example.bench")
    assert shown.text("notices").startswith(summary.notices[0].line())
    assert shown.text("after-notice").startswith(summary.notice_lines[-1])
    links = dict(shown.links)
    retraction = "10.5555/example.bench.retraction"
    assert links[f"https://doi.org/{retraction}"] == f"The notice (doi:{retraction})"
    details = next(href for href, text in shown.links if text == "What the sources say")
    status, _, body = fetch(url + details, accept=BROWSER)  # the notice's own page: what sources say
    assert status == 200 and b"Retraction Watch" in body and b"Error in Data" in body
    assert "notices" not in page(f"{url}/hub/{PAPER}").texts
