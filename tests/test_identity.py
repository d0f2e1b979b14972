from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from kg.hub import summary
from kg.loader import load
from kg.store import Store
from kg.vocab import DCTERMS, PROV

from .conftest import TEST_BASE, assert_same_dataset, store_dataset, write_jsonl

HUB_ARXIV = '{"type":"paper","id":"arxiv:2402.13929","title":"Hub"}'
HUB_BOTH = '{"type":"paper","id":"doi:10.48550/arxiv.2402.13929","ids":{"arxiv":"2402.13929v2"},"year":2024}'
CITE_BY_ARXIV = (
    '{"type":"annotation","citing":"doi:10.1/a","cited":"arxiv:2402.13929","role":"method",'
    '"annotator":{"id":"m"}}'
)
CITE_BY_DOI = (
    '{"type":"annotation","citing":"doi:10.1/a","cited":"doi:10.48550/arXiv.2402.13929",'
    '"role":"background","confidence":0.4,"annotator":{"id":"n"}}'
)
OTHER_BY_DOI = '{"type":"citation","citing":"doi:10.1/b","cited":"https://doi.org/10.48550/arxiv.2402.13929"}'


def loaded(tmp_path: Path, order: list[tuple[str, list[str]]]) -> Store:
    store = Store(None, base=TEST_BASE)
    for name, lines in order:
        load(store, write_jsonl(tmp_path / f"{name}.jsonl", *lines))
    for quad in list(store.oxigraph.quads_for_pattern(None, PROV["generatedAtTime"], None)):
        store.oxigraph.remove(quad)
    return store


def without_aliases(store: Store) -> Dataset:
    dataset = store_dataset(store)
    dataset.remove_graph(URIRef(store.minter.aliases_graph))
    return dataset


def aliases(store: Store) -> dict[str, str]:
    """The aliases graph: each IRI citekg once minted, and the IRI that names its thing now."""
    graph = ox.NamedNode(store.minter.aliases_graph)
    return {
        q.subject.value: q.object.value for q in store.oxigraph.quads_for_pattern(None, None, None, graph)
    }


def test_load_order_does_not_change_the_graph(tmp_path: Path) -> None:
    a = ("a", [HUB_ARXIV, CITE_BY_ARXIV])
    b = ("b", [CITE_BY_DOI, OTHER_BY_DOI, HUB_BOTH])
    a_then_b, b_then_a = loaded(tmp_path, [a, b]), loaded(tmp_path, [b, a])
    assert_same_dataset(without_aliases(a_then_b), without_aliases(b_then_a))
    # only the history differs: a then b had published the hub under its arXiv IRI, and keeps it
    assert (
        aliases(a_then_b)[TEST_BASE + "paper/arxiv/2402.13929"]
        == TEST_BASE + "paper/doi/10.48550/arxiv.2402.13929"
    )
    assert aliases(b_then_a) == {}
    hub = summary(a_then_b, "arxiv:2402.13929")
    assert hub.paper.iri == TEST_BASE + "paper/doi/10.48550/arxiv.2402.13929"
    assert hub.paper.ids == {"doi": ["10.48550/arxiv.2402.13929"], "arxiv": ["2402.13929"]}
    assert (hub.citing_papers, hub.annotated) == (2, 1)
    assert [(s.label, s.count) for s in hub.roles] == [("method", 1)]  # 1.0 for method beats 0.4


def test_a_record_naming_two_stored_nodes_merges_them(tmp_path: Path) -> None:
    store = loaded(
        tmp_path,
        [
            ("a", [HUB_ARXIV, CITE_BY_ARXIV]),
            ("b", ['{"type":"paper","id":"doi:10.48550/arxiv.2402.13929"}', OTHER_BY_DOI]),
        ],
    )
    assert summary(store, "arxiv:2402.13929").citing_papers == 1
    assert summary(store, "doi:10.48550/arxiv.2402.13929").citing_papers == 1
    load(store, write_jsonl(tmp_path / "c.jsonl", HUB_BOTH))
    by_arxiv, by_doi = summary(store, "arxiv:2402.13929"), summary(store, "doi:10.48550/arxiv.2402.13929")
    assert by_arxiv.paper.iri == by_doi.paper.iri == TEST_BASE + "paper/doi/10.48550/arxiv.2402.13929"
    assert by_arxiv.citing_papers == by_doi.citing_papers == 2
    papers = {
        row["paper"]
        for row in store.query(
            "SELECT DISTINCT ?paper WHERE { ?paper datacite:hasIdentifier ?id . "
            "?id literal:hasLiteralValue ?v "
            'FILTER(?v IN ("2402.13929", "10.48550/arxiv.2402.13929")) }'
        )
    }
    assert len(papers) == 1


def test_when_sources_disagree_the_smallest_title_and_year_are_shown_whatever_the_order(
    tmp_path: Path,
) -> None:
    one = ("one", ['{"type":"paper","id":"doi:10.1/p","title":"Zebra title","year":2021}'])
    two = (
        "two",
        ['{"type":"paper","id":"arxiv:2101.00001","ids":{"doi":"10.1/P"},"title":"Alpha title","year":2020}'],
    )
    for order in ([one, two], [two, one]):
        hub = summary(loaded(tmp_path, order), "doi:10.1/p")
        assert (hub.paper.title, hub.paper.year) == ("Alpha title", 2020)
        assert hub.paper.ids == {"doi": ["10.1/p"], "arxiv": ["2101.00001"]}


def test_the_same_paper_from_three_sources_is_one_node(tmp_path: Path) -> None:
    from kg.stats import store_stats

    store = Store(None, base=TEST_BASE)
    index = tmp_path / "index.csv"
    index.write_text(
        "oci,citing,cited,creation,timespan,journal_sc,author_sc\n"
        "0200100-0200200,10.5555/three.citer,10.5555/THREE.PAPER,2020,P1Y,no,no\n"
    )
    s2 = tmp_path / "s2.json"
    s2.write_text(
        '{"paperId": "' + "f" * 40 + '", "externalIds": {"DOI": "10.5555/Three.Paper", "CorpusId": 7}, '
        '"title": "Three", "tldr": {"text": "One line."}}'
    )
    openalex = tmp_path / "openalex.json"
    openalex.write_text(
        '{"id": "https://openalex.org/W77", "doi": "https://doi.org/10.5555/three.paper", '
        '"publication_year": 2019, "referenced_works": []}'
    )
    for path in (index, s2, openalex):
        load(store, path)
    hub = summary(store, "openalex:W77")
    assert hub.paper.iri == TEST_BASE + "paper/doi/10.5555/three.paper"
    assert set(hub.paper.ids) == {"doi", "s2", "corpusid", "openalex"}
    assert (hub.paper.title, hub.paper.year, hub.citing_papers) == ("Three", 2019, 1)
    assert summary(store, "s2:" + "f" * 40).paper.iri == hub.paper.iri
    assert store_stats(store).papers == 2


AUTHORED_BY_ARXIV = (
    '{"type":"paper","id":"arxiv:2402.13929","title":"Hub","authors":'
    '[{"name":"Ada Lovelace"},{"name":"Bo Li","orcid":"0000-0002-1825-0097"},{"name":"Cy Young"}]}'
)
AUTHORED_BY_BOTH = (
    '{"type":"paper","id":"doi:10.48550/arxiv.2402.13929","ids":{"arxiv":"2402.13929"},"authors":'
    '[{"name":"Ada Lovelace"},{"name":"Bo Li","orcid":"0000-0002-1825-0097"},{"name":"Cy Young"}]}'
)
AUTHOR_ORDER = """
SELECT ?name WHERE {
  ?paper pro:isDocumentContextFor ?role . ?role pro:isHeldBy ?author . ?author foaf:name ?name .
  ?paper pro:isDocumentContextFor ?each . ?each oco:hasNext* ?role .
} GROUP BY ?name ORDER BY COUNT(?each)
"""


def test_authors_keep_their_order_and_their_iris_whatever_the_load_order(tmp_path: Path) -> None:
    """Author IRIs (and their roles) minted from a paper's IRI are minted again when identity renames
    the paper, so the same author is the same IRI in either order; the old IRIs stay as aliases. The
    author list keeps its order (OpenCitations' model: roles in the paper's context, oco:hasNext)."""
    a = ("a", [AUTHORED_BY_ARXIV])
    b = ("b", [AUTHORED_BY_BOTH])
    a_then_b, b_then_a = loaded(tmp_path, [a, b]), loaded(tmp_path, [b, a])
    assert_same_dataset(without_aliases(a_then_b), without_aliases(b_then_a))
    authors = {q.object.value for q in a_then_b.oxigraph.quads_for_pattern(None, DCTERMS["creator"], None)}
    assert len(authors) == 3  # one IRI each, although two files named them
    old = set(aliases(a_then_b))
    assert old and not old & authors and all(a_then_b.quads(ox.NamedNode(a_then_b.minter.aliases_graph)))
    for store in (a_then_b, b_then_a):
        names = [row["name"].value for row in store.query(AUTHOR_ORDER)]
        assert names == ["Ada Lovelace", "Bo Li", "Cy Young"]
