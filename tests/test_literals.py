"""kg.literals: which literals the engine rewrites, and how citekg keeps them as written."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, URIRef

from kg.literals import CARRIERS, REWRITTEN, carried, stored_form, written
from kg.vocab import XSD

from .test_ontology import ONTOLOGY

# A lexical form of each type that is not its canonical one.
NOT_CANONICAL = {
    "boolean": "1",
    "decimal": "01.50",
    "float": "1.50",
    "double": "0.9E0",
    "duration": "P0Y6M",
    "dayTimeDuration": "PT0H1M",
    "yearMonthDuration": "P0Y6M",
    "dateTime": "2020-01-01T00:00:00.000Z",
    "dateTimeStamp": "2020-01-01T00:00:00.000Z",
    "date": "2020-01-01+00:00",
    "time": "10:00:00.000",
    "gYear": "2020+00:00",
    "gYearMonth": "2020-01+00:00",
    "gMonth": "--01+00:00",
    "gDay": "---01+00:00",
    "gMonthDay": "--01-01+00:00",
    "nonPositiveInteger": "-05",
    "negativeInteger": "-05",
}


@pytest.mark.parametrize("name", REWRITTEN)
def test_each_rewritten_type_is_carried_as_text_and_given_back_as_written(name: str) -> None:
    literal = ox.Literal(NOT_CANONICAL.get(name, "+05"), datatype=XSD[name])
    assert stored_form(literal) != literal.value  # the engine does rewrite this type
    kept = carried(literal)
    assert kept.datatype == CARRIERS[XSD[name]] and kept.value == literal.value
    store = ox.Store()
    store.add(ox.Quad(XSD[name], XSD[name], kept))
    assert written(next(iter(store)).object) == literal  # through the engine and back


def test_canonical_literals_and_other_types_stay_as_they_are() -> None:
    for literal in (
        ox.Literal("P6M", datatype=XSD["duration"]),
        ox.Literal("2020-01-01T00:00:00Z", datatype=XSD["dateTime"]),
        ox.Literal(" spaces kept "),
        ox.Literal("abc", datatype=XSD["integer"]),  # ill-typed: the engine keeps it as it is
        ox.Literal("title", language="en"),
    ):
        assert carried(literal) == literal


def test_every_carrier_is_a_datatype_of_the_ontology() -> None:
    for datatype, carrier in CARRIERS.items():
        assert (URIRef(carrier.value), RDF.type, RDFS.Datatype) in ONTOLOGY
        assert (URIRef(carrier.value), RDFS.seeAlso, URIRef(datatype.value)) in ONTOLOGY
