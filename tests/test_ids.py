from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.ids import SCHEMES, PaperId, best_id, parse_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("doi:10.1000/ABC", ("doi", "10.1000/abc")),
        ("DOI:10.1000/abc", ("doi", "10.1000/abc")),
        ("https://doi.org/10.1000/ABC", ("doi", "10.1000/abc")),
        ("http://dx.doi.org/10.1000/abc", ("doi", "10.1000/abc")),
        ("doi:https://doi.org/10.1000/abc", ("doi", "10.1000/abc")),
        ("doi:doi:10.1000/abc", ("doi", "10.1000/abc")),
        ("10.1000/abc", ("doi", "10.1000/abc")),
        (" doi:10.1000/abc ", ("doi", "10.1000/abc")),
        ("arxiv:2402.13929", ("arxiv", "2402.13929")),
        ("arxiv:arXiv:2402.13929v3", ("arxiv", "2402.13929")),
        ("arXiv:2402.13929v3", ("arxiv", "2402.13929")),
        ("https://arxiv.org/abs/2402.13929v1", ("arxiv", "2402.13929")),
        ("arxiv:hep-th/9901001v2", ("arxiv", "hep-th/9901001")),
        ("arxiv:math.gt/0309136", ("arxiv", "math.GT/0309136")),
        ("openalex:W2741809807", ("openalex", "W2741809807")),
        ("openalex:https://openalex.org/w2741809807", ("openalex", "W2741809807")),
        ("https://openalex.org/W2741809807", ("openalex", "W2741809807")),
        ("pmid:000123", ("pmid", "123")),
        ("pmcid:pmc123", ("pmcid", "PMC123")),
        ("pmcid:123", ("pmcid", "PMC123")),
        ("s2:649DEF34F8BE52C8B66281AF98AE884C09AEF38B", ("s2", "649def34f8be52c8b66281af98ae884c09aef38b")),
        ("corpusid:215416146", ("corpusid", "215416146")),
        ("omid:br/0612345", ("omid", "br/0612345")),
        ("https://w3id.org/oc/meta/br/0612345", ("omid", "br/0612345")),
    ],
)
def test_normalises(text: str, expected: tuple[str, str]) -> None:
    assert parse_id(text) == PaperId(*expected)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("isbn:123", "no known id prefix"),
        ("doi:11.1000/x", "not a valid doi"),
        ("doi:10.1000/has space", "not a valid doi"),
        ("arxiv:12345", "not a valid arxiv"),
        ("pmid:12a", "not a valid pmid"),
        ("s2:xyz", "not a valid s2"),
        ("openalex:A123", "not a valid openalex"),
        ("omid:xx/1", "not a valid omid"),
    ],
)
def test_rejects_with_reason(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_id(text)


def test_best_id_follows_precedence_then_value() -> None:
    ids = [
        parse_id("s2:" + "a" * 40),
        parse_id("arxiv:2402.13929"),
        parse_id("pmid:5"),
        parse_id("omid:br/061"),
    ]
    assert best_id(ids) == parse_id("arxiv:2402.13929")
    assert best_id([parse_id("doi:10.1/b"), parse_id("doi:10.1/a")]) == parse_id("doi:10.1/a")
    assert SCHEMES[:3] == ("doi", "arxiv", "pmid")


doi_suffix = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./-_();", min_size=1
)


@given(registrant=st.integers(1000, 99999), suffix=doi_suffix)
def test_doi_normalisation_is_idempotent_and_spelling_blind(registrant: int, suffix: str) -> None:
    doi = f"10.{registrant}/{suffix}"
    once = parse_id(f"doi:{doi}")
    assert parse_id(str(once)) == once
    for spelling in (doi.upper(), f"https://doi.org/{doi}", f"DOI:{doi}", f"doi:https://dx.doi.org/{doi}"):
        assert parse_id(spelling) == once


@given(number=st.integers(1, 99999), yymm=st.integers(701, 2912), version=st.integers(1, 9))
def test_arxiv_versions_name_one_paper(number: int, yymm: int, version: int) -> None:
    plain = f"{yymm:04d}.{number:05d}"
    once = parse_id(f"arxiv:{plain}")
    assert parse_id(f"arXiv:{plain}v{version}") == once
    assert parse_id(str(once)) == once
