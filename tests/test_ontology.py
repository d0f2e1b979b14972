from __future__ import annotations

import pyoxigraph as ox
from pyshacl import validate
from rdflib import RDFS, SKOS, Graph, Literal, URIRef

from kg.store import Store
from kg.vocab import CKG, POLARITY_SYNONYMS, ROLE_SYNONYMS, Polarity, Role

from .conftest import ROOT, store_dataset

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
