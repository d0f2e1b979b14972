from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace, URIRef

from kg.errors import InvalidInput, RecordError, UnknownFormat
from kg.importers import detect, read
from kg.importers.opencitations import read_index_csv
from kg.loader import load
from kg.records import Citation
from kg.store import Store

from .conftest import DATA, SHARED_DATA, store_dataset

CITO = Namespace("http://purl.org/spar/cito/")
OC = SHARED_DATA / "opencitations"


def citations(path: Path) -> list[Citation]:
    items = list(read_index_csv(path))
    assert not [item for item in items if isinstance(item, RecordError)]
    return [record for _, record in items]


def test_current_index_rows() -> None:
    rows = citations(DATA / "index-current.csv")
    assert [(str(c.citing), str(c.cited), c.date, c.timespan) for c in rows] == [
        ("omid:br/0610123", "omid:br/0610456", "2018-06-29", "P124Y7M"),
        ("omid:br/0610123", "omid:br/0610789", "2018-04", "P4Y3M15D"),
        ("omid:br/0610321", "omid:br/0610456", "2018", None),
        ("omid:br/0610654", "omid:br/0610456", None, None),
    ]
    assert [(c.journal_self_citation, c.author_self_citation) for c in rows] == [
        (False, False),
        (True, False),
        (False, True),
        (False, False),
    ]
    assert rows[0].oci == "0610123-0610456"


def test_legacy_coci_rows_with_bare_dois() -> None:
    rows = citations(DATA / "index-coci.csv")
    assert [str(c.citing) for c in rows] == ["doi:10.5555/coci.a", "doi:10.5555/coci.a", "doi:10.5555/coci.d"]
    assert str(rows[1].cited) == "doi:10.5555/coci.(c)"


def test_bad_rows_name_line_and_column() -> None:
    path = DATA / "index-bad.csv"
    errors = [str(item) for item in read_index_csv(path) if isinstance(item, RecordError)]
    assert errors == [
        f"{path}:3: row: expected 7 columns, got 4",
        f"{path}:4: cited: 'isbn:123' has no known id prefix; expected one of doi:, arxiv:, pmid:, pmcid:, "
        "openalex:, s2:, corpusid:, omid:, acl:, ref:",
        f"{path}:5: creation: '2018-13' is not a date; expected YYYY, YYYY-MM or YYYY-MM-DD",
        f"{path}:6: timespan: '5 years' is not a duration; expected an ISO 8601 duration such as P2Y9M",
        f"{path}:7: journal_sc: expected yes or no, got 'maybe'",
    ]


def test_formats_are_detected_from_content(tmp_path: Path) -> None:
    assert detect(DATA / "index-current.csv").name == "opencitations-index"
    assert detect(DATA / "index-coci.csv").name == "opencitations-index"
    assert detect(DATA / "mapping-input.jsonl").name == "native"
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(
        UnknownFormat,
        match=r"tried opencitations-index, opencitations-meta, opencitations-rdf, .*, s2-citations, .*native",
    ):
        detect(other)
    with pytest.raises(UnknownFormat, match="unknown format 'marc'"):
        read(other, "marc")


def test_loaded_as_opencitations_publishes_it(store: Store) -> None:
    load(store, DATA / "index-coci.csv")
    graph = Graph()
    for s, p, o, _ in store_dataset(store).quads():
        graph.add((s, p, o))
    self_cited = [c for c in graph.subjects(RDF.type, CITO.AuthorSelfCitation)]
    assert len(self_cited) == 1 and (self_cited[0], RDF.type, CITO.JournalSelfCitation) in graph
    spans = sorted(str(o) for o in graph.objects(None, CITO.hasCitationTimeSpan))
    assert spans == ["P2Y9M", "P6M"]  # the store writes durations in canonical form
    with pytest.raises(InvalidInput):
        load(store, DATA / "index-bad.csv")


shared = pytest.mark.skipif(not OC.exists(), reason="../shared/data is not here")


@shared
@pytest.mark.parametrize(
    ("sample", "count"),
    [
        ("opencitations__index/citations_data.csv", 6),
        ("cthoyt__opencitations-client/citations_sample.csv", 10),
    ],
)
def test_shared_index_samples_load_with_their_counts(store: Store, sample: str, count: int) -> None:
    report = load(store, OC / sample)
    assert report.counts["citation"] == count and not report.skipped


@shared
def test_shared_coci_sample_matches_opencitations_own_rdf(store: Store) -> None:
    load(store, OC / "opencitations__index" / "citations_data.csv")
    ours = Graph()
    for s, p, o, _ in store_dataset(store).quads():
        ours.add((s, p, o))
    theirs = Graph().parse(OC / "opencitations__index" / "citations_data.ttl", format="nt")

    def described(graph: Graph, doi_of, oci_of) -> set[tuple]:
        found = set()
        for citation in graph.subjects(RDF.type, CITO.Citation):
            oci = oci_of(graph, citation)
            if oci is None:
                continue
            types = frozenset(str(t) for t in graph.objects(citation, RDF.type))
            date = next((str(d) for d in graph.objects(citation, CITO.hasCitationCreationDate)), None)
            span = next((d.toPython() for d in graph.objects(citation, CITO.hasCitationTimeSpan)), None)
            citing = doi_of(graph, next(graph.objects(citation, CITO.hasCitingEntity)))
            cited = doi_of(graph, next(graph.objects(citation, CITO.hasCitedEntity)))
            found.add((oci, citing, cited, date, span, types))
        return found

    value = URIRef("http://www.essepuntato.it/2010/06/literalreification/hasLiteralValue")
    has_id = URIRef("http://purl.org/spar/datacite/hasIdentifier")
    scheme = URIRef("http://purl.org/spar/datacite/usesIdentifierScheme")

    def our_id(graph: Graph, node: URIRef, kind: str) -> str | None:
        for identifier in graph.objects(node, has_id):
            if str(graph.value(identifier, scheme)).endswith("/" + kind):
                return str(graph.value(identifier, value))
        return None

    def their_doi(graph: Graph, node: URIRef) -> str:
        from urllib.parse import unquote

        return unquote(str(node).removeprefix("http://dx.doi.org/")).lower()

    mine = described(ours, lambda g, n: our_id(g, n, "doi"), lambda g, c: our_id(g, c, "oci"))
    published = described(theirs, their_doi, lambda g, c: str(c).rsplit("/", 1)[1])
    assert len(published) == 6
    assert mine == published


OWL_SAME_AS = URIRef("http://www.w3.org/2002/07/owl#sameAs")
# OpenCitations' own RDF of the rows of tests/data/index-current.csv, as the Index publishes its
# citations (https://w3id.org/oc/index/ci/OCI) between OpenCitations Meta's works (…/meta/br/OMID).
OPENCITATIONS_RDF = "\n".join(
    f"<https://w3id.org/oc/index/ci/{oci}> <{CITO.hasCitingEntity}> <https://w3id.org/oc/meta/br/{citing}> ;"
    f" <{CITO.hasCitedEntity}> <https://w3id.org/oc/meta/br/{cited}> ; a <{CITO.Citation}> ."
    for oci, citing, cited in (
        ("0610123-0610456", "0610123", "0610456"),
        ("0610123-0610789", "0610123", "0610789"),
        ("0610321-0610456", "0610321", "0610456"),
        ("0610654-0610456", "0610654", "0610456"),
    )
)


def test_papers_and_citations_link_to_what_opencitations_publishes(store: Store) -> None:
    """Each paper links (owl:sameAs) to its OpenCitations Meta IRI, each citation to its Index IRI, so
    the union of citekg's graphs and OpenCitations' RDF of the same rows names no paper or citation
    twice without a link."""
    load(store, DATA / "index-current.csv")
    union = Graph()
    for s, p, o, _ in store_dataset(store).quads():
        union.add((s, p, o))
    union.parse(data=OPENCITATIONS_RDF, format="turtle")
    theirs = {URIRef(str(s)) for s in union.subjects(CITO.hasCitingEntity, None) if "/oc/index/" in str(s)}
    theirs |= {o for o in union.objects(None, CITO.hasCitedEntity) if "/oc/meta/" in str(o)}
    theirs |= {o for o in union.objects(None, CITO.hasCitingEntity) if "/oc/meta/" in str(o)}
    linked = set(union.objects(None, OWL_SAME_AS))
    assert len(theirs) == 9 and theirs <= linked  # 4 citations, 5 works
    ours_by_theirs = {o: set(union.subjects(OWL_SAME_AS, o)) for o in theirs}
    assert all(len(ours) == 1 for ours in ours_by_theirs.values())  # one node of ours for each


def test_a_doi_links_to_its_resolver(store: Store) -> None:
    load(store, DATA / "index-coci.csv")
    graph = Graph()
    for s, p, o, _ in store_dataset(store).quads():
        graph.add((s, p, o))
    resolvers = sorted(str(o) for o in graph.objects(None, OWL_SAME_AS) if "doi.org" in str(o))
    assert resolvers and all(iri.startswith("https://doi.org/10.") for iri in resolvers)
    assert "https://doi.org/10.5555/coci.(c)" in resolvers  # parentheses stay, as DOIs have them
