"""The records citekg takes in: papers, citations and citation-role annotations.

Every importer produces these pydantic models, so every source is validated by the same rules before
anything reaches the store. ``parse_record`` reads one line of the native JSON Lines format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    field_validator,
    model_validator,
)

from kg.ids import SCHEMES, PaperId, best_id, normalise, parse_id
from kg.vocab import (
    NOTICE_SYNONYMS,
    POLARITY_SYNONYMS,
    ROLE_SYNONYMS,
    AnnotatorKind,
    NoticeNature,
    Polarity,
    Role,
)

_PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_OCI = re.compile(r"^\d+-\d+$")
_DURATION = re.compile(r"^-?P(?=\d)(\d+Y)?(\d+M)?(\d+D)?$")


def _paper_id(value: Any) -> PaperId:
    if isinstance(value, PaperId):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a prefixed paper id string such as doi:10.1000/x")
    return parse_id(value)


def _role(value: Any) -> Role:
    if isinstance(value, str) and (role := ROLE_SYNONYMS.get(value.strip().lower())):
        return role
    raise ValueError(f"unknown role {value!r}; expected one of {', '.join(r.value for r in Role)}")


def _polarity(value: Any) -> Polarity:
    if isinstance(value, str) and (polarity := POLARITY_SYNONYMS.get(value.strip().lower())):
        return polarity
    raise ValueError(f"unknown polarity {value!r}; expected one of {', '.join(p.value for p in Polarity)}")


def _nature(value: Any) -> NoticeNature:
    if isinstance(value, str):
        words = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
        if nature := NOTICE_SYNONYMS.get(words):
            return nature
    natures = ", ".join(n.value for n in NoticeNature)
    raise ValueError(f"unknown notice nature {value!r}; expected one of {natures}")


def _partial_date(value: str) -> str:
    if not _PARTIAL_DATE.match(value):
        raise ValueError(f"{value!r} is not a date; expected YYYY, YYYY-MM or YYYY-MM-DD")
    if len(value) == 10:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a day of the calendar") from None
    return value


def _oci(value: str) -> str:
    bare = value.strip().removeprefix("oci:")
    if not _OCI.match(bare):
        raise ValueError(f"{value!r} is not an Open Citation Identifier; expected digits-digits")
    return bare


def _duration(value: str) -> str:
    if not _DURATION.match(value):
        raise ValueError(f"{value!r} is not a duration; expected an ISO 8601 duration such as P2Y9M")
    return value


MAX_TEXT = 1_000_000  # characters: longer is no title, abstract or context, and would not fit a store line


def _text(value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ValueError(f"is {len(value):,} characters long; at most {MAX_TEXT:,} are taken")
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


PaperRef = Annotated[PaperId, PlainValidator(_paper_id)]
RoleLabel = Annotated[Role, PlainValidator(_role)]
PolarityLabel = Annotated[Polarity, PlainValidator(_polarity)]
PartialDate = Annotated[str, AfterValidator(_partial_date)]
Text = Annotated[str, AfterValidator(_text)]
OCI = Annotated[str, AfterValidator(_oci)]
Nature = Annotated[NoticeNature, PlainValidator(_nature)]
Duration = Annotated[str, AfterValidator(_duration)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Author(_Record):
    name: Text
    orcid: str | None = None

    @field_validator("orcid")
    @classmethod
    def _orcid(cls, value: str | None) -> str | None:
        if value is None:
            return None
        bare = value.strip()
        for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid:"):
            bare = bare.removeprefix(prefix)
        if not _ORCID.match(bare):
            raise ValueError(f"{value!r} is not an ORCID; expected 0000-0000-0000-000X")
        return bare


class Paper(_Record):
    """A work, named by its ids; every other field is optional."""

    type: Literal["paper"] = "paper"
    id: PaperRef
    ids: dict[str, Annotated[list[str], BeforeValidator(lambda v: [v] if isinstance(v, str) else v)]] = Field(
        default_factory=dict
    )
    title: Text | None = None
    abstract: Text | None = None
    summary: Text | None = None
    year: Annotated[int, Field(ge=1000, le=2999)] | None = None
    date: PartialDate | None = None
    authors: list[Author] = Field(default_factory=list)
    venue: Text | None = None

    @field_validator("ids")
    @classmethod
    def _known_schemes(cls, ids: dict[str, list[str]]) -> dict[str, list[str]]:
        for scheme, values in ids.items():
            if scheme not in SCHEMES:
                raise ValueError(f"unknown id scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
            for value in values:
                normalise(scheme, value)
        return ids

    @property
    def all_ids(self) -> list[PaperId]:
        """The record's ids, normalised and without repeats, its best id first."""
        found = {self.id}
        found.update(normalise(scheme, value) for scheme, values in self.ids.items() for value in values)
        return sorted(found, key=lambda paper_id: paper_id.rank)

    @property
    def best_id(self) -> PaperId:
        return best_id(self.all_ids)

    @property
    def publication_year(self) -> int | None:
        """The year, or the year of the date when only a date is given."""
        return self.year or (int(self.date[:4]) if self.date else None)


class _Cites:
    """A citing and a cited paper, which must differ."""

    @model_validator(mode="after")
    def _not_itself(self) -> _Cites:
        if self.citing == self.cited:  # type: ignore[attr-defined]
            raise ValueError("cited: a paper does not cite itself (citing and cited are the same id)")
        return self


class Citation(_Cites, _Record):
    """The citing paper cites the cited paper."""

    type: Literal["citation"] = "citation"
    citing: PaperRef
    cited: PaperRef
    date: PartialDate | None = None
    contexts: list[Text] = Field(default_factory=list)
    oci: OCI | None = None
    timespan: Duration | None = None
    author_self_citation: bool = False
    journal_self_citation: bool = False
    influential: bool | None = None  # Semantic Scholar's judgement that the citation matters


class Annotator(_Record):
    id: Text
    kind: AnnotatorKind = AnnotatorKind.MODEL


class Annotation(_Cites, _Record):
    """One annotator's judgement of one citation: its role, its polarity, or both."""

    type: Literal["annotation"] = "annotation"
    citing: PaperRef
    cited: PaperRef
    role: RoleLabel | None = None
    polarity: PolarityLabel | None = None
    confidence: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] | None = None
    annotator: Annotator | None = None
    created: datetime | None = None
    rationale: Text | None = None

    @model_validator(mode="after")
    def _judges_something(self) -> Annotation:
        if self.role is None and self.polarity is None:
            raise ValueError("an annotation needs a role, a polarity or both")
        return self


class Notice(_Record):
    """An editorial notice about a paper: a retraction, an expression of concern, a correction or a
    reinstatement, as a source reports it (Retraction Watch, Crossref, OpenAlex)."""

    type: Literal["notice"] = "notice"
    paper: PaperRef
    nature: Nature
    date: PartialDate | None = None
    doi: str | None = None  # the notice's own DOI
    reasons: list[Text] = Field(default_factory=list)
    source: Text | None = None  # who reports it, e.g. "Retraction Watch"
    record: Text | None = None  # the source's id for its record of the notice

    @field_validator("doi")
    @classmethod
    def _doi(cls, value: str | None) -> str | None:
        return None if value is None else normalise("doi", value).value


@dataclass(frozen=True)
class Raw:
    """Triples a source publishes in RDF, kept as they are (N-Triples terms, without the final dot),
    and the graph the source put them in (``None``: its default graph)."""

    triples: tuple[str, ...]
    graph: str | None = None
    type: str = "raw"


@dataclass(frozen=True)
class Unplaced:
    """A source row that names a citation citekg cannot place (its cited work has no id): counted, not
    loaded."""

    reason: str
    type: str = "unplaced"


Record = Annotated[Paper | Citation | Annotation | Notice, Field(discriminator="type")]
_RECORD = TypeAdapter(Record)


def parse_record(line: str | bytes) -> Paper | Citation | Annotation | Notice:
    """Validate one JSON line of the native format; raises pydantic.ValidationError."""
    return _RECORD.validate_json(line)
