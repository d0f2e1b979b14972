from __future__ import annotations

import pytest
from pydantic import ValidationError

from kg.ids import parse_id
from kg.records import Annotation, Citation, Paper, parse_record
from kg.vocab import AnnotatorKind, Polarity, Role


def test_paper_with_all_fields() -> None:
    paper = parse_record(
        '{"type":"paper","id":"arxiv:2402.13929v2","ids":{"doi":"10.48550/arXiv.2402.13929","s2":["'
        + "a" * 40
        + '"]},"title":" T ","abstract":"A","summary":"S","year":2024,"date":"2024-02",'
        '"authors":[{"name":"Ada","orcid":"https://orcid.org/0000-0002-1825-0097"}],"venue":"V"}'
    )
    assert isinstance(paper, Paper)
    assert paper.title == "T"
    assert [str(i) for i in paper.all_ids] == [
        "doi:10.48550/arxiv.2402.13929",
        "arxiv:2402.13929",
        "s2:" + "a" * 40,
    ]
    assert paper.best_id == parse_id("doi:10.48550/arxiv.2402.13929")
    assert paper.authors[0].orcid == "0000-0002-1825-0097"


def test_annotation_synonyms_and_defaults() -> None:
    annotation = parse_record(
        '{"type":"annotation","citing":"doi:10.1/a","cited":"doi:10.1/b","role":"Methodology",'
        '"polarity":"supporting"}'
    )
    assert isinstance(annotation, Annotation)
    assert annotation.role is Role.METHOD
    assert annotation.polarity is Polarity.POSITIVE
    assert annotation.confidence is None and annotation.annotator is None
    only_polarity = parse_record(
        '{"type":"annotation","citing":"doi:10.1/a","cited":"doi:10.1/b",'
        '"polarity":"contrasting","annotator":{"id":"x"}}'
    )
    assert only_polarity.role is None and only_polarity.annotator.kind is AnnotatorKind.MODEL


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("uses", Role.METHOD),
        ("CompareOrContrast", Role.COMPARISON),
        ("result", Role.COMPARISON),
        ("extends", Role.EXTENSION),
        ("future", Role.FUTURE_WORK),
        ("Motivation", Role.MOTIVATION),
        ("background", Role.BACKGROUND),
        ("future_work", Role.FUTURE_WORK),
    ],
)
def test_source_role_labels(label: str, role: Role) -> None:
    record = parse_record(
        f'{{"type":"annotation","citing":"doi:10.1/a","cited":"doi:10.1/b","role":"{label}"}}'
    )
    assert record.role is role


def test_citation() -> None:
    citation = parse_record(
        '{"type":"citation","citing":"doi:10.1/A","cited":"pmid:7","contexts":["as in [1]"]}'
    )
    assert isinstance(citation, Citation)
    assert citation.citing == parse_id("doi:10.1/a") and citation.contexts == ["as in [1]"]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"type":"paper"}', "id"),
        ('{"type":"paper","id":"doi:10.1/a","year":"x"}', "year"),
        ('{"type":"paper","id":"doi:10.1/a","date":"2024-13-01"}', "date"),
        ('{"type":"paper","id":"doi:10.1/a","ids":{"isbn":"1"}}', "ids"),
        ('{"type":"paper","id":"doi:10.1/a","title":"  "}', "title"),
        ('{"type":"paper","id":"doi:10.1/a","authors":[{"name":"A","orcid":"12"}]}', "authors.0.orcid"),
        ('{"type":"paper","id":"doi:10.1/a","colour":"red"}', "colour"),
        ('{"type":"annotation","citing":"doi:10.1/a","cited":"doi:10.1/b","role":"praise"}', "role"),
        (
            '{"type":"annotation","citing":"doi:10.1/a","cited":"doi:10.1/b","role":"method","confidence":1.5}',
            "confidence",
        ),
        ('{"type":"annotation","citing":"doi:10.1/a","cited":"doi:10.1/b"}', ""),
        ('{"type":"annotation","citing":"doi:10.1/a","cited":"x:1","role":"method"}', "cited"),
    ],
)
def test_invalid_records_name_the_field(line: str, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_record(line)
    locations = [".".join(str(p) for p in error["loc"][1:]) for error in raised.value.errors()]
    assert field in locations
