from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from kg.nquads import iri, literal, quad
from kg.vocab import XSD


@pytest.mark.parametrize("text", ["plain", 'a "quote"', "back\\slash", "new\nline\r", "tab\tand ünïcödé ✓"])
def test_literals_survive_any_text(text: str) -> None:
    line = quad(iri("http://e/s"), iri("http://e/p"), literal(text), iri("http://e/g"))
    assert next(ox.parse(line, ox.RdfFormat.N_QUADS)).object.value == text  # pyoxigraph's reader
    dataset = Dataset()
    dataset.parse(data=line, format="nquads")  # and rdflib's
    assert [str(o) for _, _, o, _ in dataset.quads()] == [text]


def test_terms_from_pyoxigraph_and_from_text_make_the_same_line() -> None:
    typed = ox.Quad(
        ox.NamedNode("http://e/s"),
        ox.NamedNode("http://e/p"),
        ox.Literal("7", datatype=XSD["integer"]),
        ox.NamedNode("http://e/g"),
    )
    written = quad(
        iri("http://e/s"), ox.NamedNode("http://e/p"), literal("7", XSD["integer"]), "<http://e/g>"
    )
    assert list(ox.parse(written, ox.RdfFormat.N_QUADS)) == [typed]
