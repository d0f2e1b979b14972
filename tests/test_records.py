from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


# --- properties ------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
FIELDS = ["type", "id", "ids", "citing", "cited", "title", "year", "date", "role", "polarity", "confidence"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    row=st.dictionaries(
        st.sampled_from(FIELDS),
        JSON_VALUES | st.sampled_from(["paper", "citation", "annotation", "doi:10.1/x", "method", "2020"]),
    )
)
def test_any_json_object_is_a_record_or_a_validation_error(row: dict) -> None:
    """Whatever a line holds, the models answer with a record or say what is wrong: never another
    exception, which would escape the per-line error report."""
    try:
        record = parse_record(json.dumps(row))
    except ValidationError as error:
        assert error.errors()
    else:
        assert record.type == row["type"]


@given(
    citing=st.integers(1, 10**6),
    cited=st.integers(1, 10**6),
    role=st.sampled_from(list(Role)),
    confidence=st.floats(0, 1),
    text=st.text(min_size=1, max_size=200).filter(str.strip),
)
def test_a_valid_annotation_reads_back_as_it_was_written(
    citing: int, cited: int, role: Role, confidence: float, text: str
) -> None:
    row = {
        "type": "annotation",
        "citing": f"doi:10.5555/p.{citing}",
        "cited": f"doi:10.5555/p.{cited}",
        "role": role.value,
        "confidence": confidence,
        "rationale": text,
    }
    if citing == cited:
        with pytest.raises(ValidationError, match="does not cite itself"):
            parse_record(json.dumps(row))
        return
    annotation = parse_record(json.dumps(row))
    assert isinstance(annotation, Annotation)
    assert (annotation.role, annotation.confidence, annotation.rationale) == (role, confidence, text.strip())
    assert (str(annotation.citing), str(annotation.cited)) == (row["citing"], row["cited"])
