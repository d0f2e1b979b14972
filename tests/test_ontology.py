from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from kg.store import Store
from kg.vocab import CKG, NOTICE_SYNONYMS, POLARITY_SYNONYMS, ROLE_SYNONYMS, NoticeNature, Polarity, Role

from .conftest import ROOT, SHARED_DATA, store_dataset

ONTOLOGY = Graph().parse(ROOT / "ontology" / "citekg.ttl")
SHAPES = Graph().parse(ROOT / "ontology" / "shapes.ttl")


def union_graph(store: Store) -> Graph:
    """All of the store's graphs as one graph, as SHACL validates them."""
    union = Graph()
    for s, p, o, _ in store_dataset(store).quads():
        union.add((s, p, o))
    return union


def test_loaded_example_conforms_to_the_shapes(example_store: Store) -> None:
    conforms, _, report = validate(union_graph(example_store), shacl_graph=SHAPES)
    assert conforms, report


def test_shapes_catch_a_second_characterization(example_store: Store) -> None:
    data = union_graph(example_store)
    characterization = URIRef("http://purl.org/spar/cito/hasCitationCharacterization")
    citation, existing = next(iter(data.subject_objects(characterization)))
    other = next(URIRef(role.cito.value) for role in Role if URIRef(role.cito.value) != existing)
    data.add((citation, characterization, other))
    conforms, _, _ = validate(data, shacl_graph=SHAPES)
    assert not conforms


def test_every_citekg_term_in_the_data_is_defined(example_store: Store) -> None:
    used = {
        term.value
        for quad in example_store.oxigraph
        for term in (quad.predicate, quad.object)
        if isinstance(term, ox.NamedNode) and term.value.startswith(str(CKG))
    }
    assert used
    for term in used:
        assert (URIRef(term), RDFS.label, None) in ONTOLOGY, term
        assert (URIRef(term), RDFS.comment, None) in ONTOLOGY, term


def test_concepts_carry_the_synonyms_the_loader_accepts() -> None:
    for labels, synonyms in ((Role, ROLE_SYNONYMS), (Polarity, POLARITY_SYNONYMS)):
        for label in labels:
            concept = URIRef(label.iri.value)
            assert (concept, SKOS.notation, Literal(label.value)) in ONTOLOGY
            alt = {str(o) for o in ONTOLOGY.objects(concept, SKOS.altLabel)}
            expected = {k for k, v in synonyms.items() if v is label and k != label.value}
            assert alt == expected, label
    for role in Role:
        assert (URIRef(role.iri.value), SKOS.closeMatch, URIRef(role.cito.value)) in ONTOLOGY


OA_BODY = URIRef("http://www.w3.org/ns/oa#hasBody")
CITED = URIRef("http://purl.org/spar/cito/hasCitedEntity")
CITING = URIRef("http://purl.org/spar/cito/hasCitingEntity")
LITERAL_VALUE = URIRef("http://www.essepuntato.it/2010/06/literalreification/hasLiteralValue")
USES_SCHEME = URIRef("http://purl.org/spar/datacite/usesIdentifierScheme")
SH = "http://www.w3.org/ns/shacl#"


def with_role_body(data: Graph) -> URIRef:
    roles = {URIRef(role.iri.value) for role in Role}
    return next(a for a, body in data.subject_objects(OA_BODY) if body in roles)


def two_role_bodies(data: Graph) -> None:
    annotation = with_role_body(data)
    present = set(data.objects(annotation, OA_BODY))
    data.add(
        (annotation, OA_BODY, next(URIRef(r.iri.value) for r in Role if URIRef(r.iri.value) not in present))
    )


def polarity_outside_the_scheme(data: Graph) -> None:
    data.add((with_role_body(data), OA_BODY, URIRef(str(CKG) + "polarity-furious")))


def cito_property_as_body(data: Graph) -> None:
    data.add((with_role_body(data), OA_BODY, URIRef("http://purl.org/spar/cito/usesMethodIn")))


def a_paper_citing_itself(data: Graph) -> None:
    citation, citing = next(iter(data.subject_objects(CITING)))
    data.remove((citation, CITED, None))
    data.add((citation, CITED, citing))


def a_doi_that_is_no_doi(data: Graph) -> None:
    identifier = next(data.subjects(USES_SCHEME, URIRef("http://purl.org/spar/datacite/doi")))
    data.remove((identifier, LITERAL_VALUE, None))
    data.add((identifier, LITERAL_VALUE, Literal("not a doi")))


@pytest.mark.parametrize(
    ("defect", "component"),
    [
        (two_role_bodies, "QualifiedMaxCountConstraintComponent"),
        (polarity_outside_the_scheme, "OrConstraintComponent"),
        (cito_property_as_body, "OrConstraintComponent"),
        (a_paper_citing_itself, "DisjointConstraintComponent"),
        (a_doi_that_is_no_doi, "OrConstraintComponent"),
    ],
)
def test_every_shape_fires_on_its_defect(example_store: Store, defect, component: str) -> None:
    """A corpus of broken graphs, one defect each, made from the valid example: each fails, and by
    the constraint meant to catch it."""
    data = union_graph(example_store)
    defect(data)
    conforms, results, report = validate(data, shacl_graph=SHAPES)
    assert not conforms
    fired = {str(o) for o in results.objects(None, URIRef(SH + "sourceConstraintComponent"))}
    assert SH + component in fired, report


def test_a_language_tagged_title_is_a_title(example_store: Store) -> None:
    data = union_graph(example_store)
    title = URIRef("http://purl.org/dc/terms/title")
    paper, plain = next(iter(data.subject_objects(title)))
    data.remove((paper, title, plain))
    data.add((paper, title, Literal(str(plain), lang="en")))
    conforms, _, report = validate(data, shacl_graph=SHAPES)
    assert conforms, report


def test_the_ontology_names_its_version_and_licence_and_mixes_no_property_kinds() -> None:
    """OWL 2 DL keeps data, object and annotation properties apart: no citekg data property is a
    sub-property of an annotation property such as dcterms:description (ckg:summary was)."""
    ontology = URIRef("https://w3id.org/citekg/ontology")
    assert (ontology, OWL.versionIRI, None) in ONTOLOGY
    assert (ontology, DCTERMS.license, None) in ONTOLOGY
    data_properties = set(ONTOLOGY.subjects(RDF.type, OWL.DatatypeProperty))
    annotation_like = {DCTERMS.description, DCTERMS.title, RDFS.comment, RDFS.label}
    for prop in data_properties:
        assert not set(ONTOLOGY.objects(prop, RDFS.subPropertyOf)) & annotation_like, prop


CITO_TTL = SHARED_DATA / "cito" / "cito.ttl"


@pytest.mark.skipif(not CITO_TTL.exists(), reason="CiTO is read from ../shared/data")
def test_the_ontology_with_cito_and_the_example_data_is_consistent_for_hermit(
    example_store: Store, tmp_path: Path
) -> None:
    """HermiT (through owlready2) finds citekg's ontology, CiTO 2.8.2 and the loaded example together
    consistent, with no unsatisfiable class. Imports are left out (no network here), and the XSD
    datatypes outside OWL 2's datatype map (xsd:duration, which CiTO itself uses, xsd:gYear, ...)
    are ignored, as HermiT cannot reason over them."""
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("CI machines have Java")
        pytest.skip("HermiT needs Java")
    merged = Graph()
    merged += ONTOLOGY
    merged.parse(CITO_TTL)
    merged += union_graph(example_store)
    merged.remove((None, OWL.imports, None))
    assert hermit_finds_consistent(merged, tmp_path / "all.nt")
    # and it does reason: a paper that is also owl:Nothing is caught
    paper = next(merged.subjects(RDF.type, URIRef("http://purl.org/spar/fabio/Expression")))
    merged.add((paper, RDF.type, OWL.Nothing))
    assert not hermit_finds_consistent(merged, tmp_path / "contradiction.nt")


def hermit_finds_consistent(graph: Graph, path: Path) -> bool:
    import owlready2

    path.write_bytes(graph.serialize(format="nt", encoding="utf-8"))
    world = owlready2.World()
    ontology = world.get_ontology(path.as_uri()).load(format="ntriples")
    try:
        with ontology:
            owlready2.sync_reasoner_hermit(world, debug=0, ignore_unsupported_datatypes=True)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False
    return list(world.inconsistent_classes()) == []


@pytest.fixture(scope="module")
def noticed_store() -> Store:
    """The example with Retraction Watch rows (a retraction, an expression of concern, a correction)."""
    from kg.loader import load

    from .conftest import DATA, EXAMPLE

    loaded = Store(None)
    load(loaded, EXAMPLE)
    load(loaded, DATA / "retraction-watch.csv")
    return loaded


def test_notices_conform_and_use_defined_terms(noticed_store: Store) -> None:
    data = union_graph(noticed_store)
    conforms, _, report = validate(data, shacl_graph=SHAPES)
    assert conforms, report
    notices = set(data.subjects(RDF.type, URIRef(CKG["Notice"].value)))
    assert len(notices) == 3
    for notice in notices:
        for _, term in data.predicate_objects(notice):
            if isinstance(term, URIRef) and str(term).startswith(str(CKG)):
                assert (term, RDFS.label, None) in ONTOLOGY, term
    for nature in NoticeNature:
        concept = URIRef(nature.iri.value)
        assert (concept, SKOS.notation, Literal(nature.value)) in ONTOLOGY
        for synonym, mapped in NOTICE_SYNONYMS.items():
            if mapped is nature and synonym != nature.label:
                assert (concept, SKOS.altLabel, Literal(synonym)) in ONTOLOGY, synonym


def test_the_notice_shape_fires_on_a_notice_without_its_paper(noticed_store: Store) -> None:
    data = union_graph(noticed_store)
    notice = next(data.subjects(RDF.type, URIRef(CKG["Notice"].value)))
    data.remove((notice, URIRef(CKG["concerns"].value), None))
    conforms, results, _ = validate(data, shacl_graph=SHAPES)
    assert not conforms
    fired = {str(o) for o in results.objects(None, URIRef(SH + "sourceConstraintComponent"))}
    assert SH + "MinCountConstraintComponent" in fired
