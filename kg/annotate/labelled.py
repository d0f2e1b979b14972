"""Labelled contexts: what a model learns from and is measured on, from files (native, SciCite, ACL-ARC,
MultiCite) and from annotators in the store."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pyoxigraph as ox
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError

from kg import consensus, importers
from kg.annotate.models import LABELLED_FORMATS, MULTICITE_ROLES
from kg.backend import Backend, named, solutions, value_of
from kg.errors import InvalidArgument, InvalidInput, RecordError, UnknownFormat
from kg.ids import PaperId
from kg.records import Annotation, Citation, PolarityLabel, RoleLabel, Text
from kg.vocab import (
    CKG,
    OA,
    POLARITY_BY_IRI,
    PROV,
    ROLE_BY_IRI,
    Polarity,
    Role,
)

# --- labelled contexts ---------------------------------------------------------------------------------


class LabelledContext(BaseModel):
    """A citation's context and the labels it was given: what a model learns from and is measured on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Text
    roles: tuple[RoleLabel, ...] = Field(min_length=1)
    polarity: PolarityLabel | None = None


def _multicite_roles(value: Any) -> tuple[Role, ...]:
    if not isinstance(value, str):
        raise ValueError("expected the labels as one string, separated by spaces")
    roles: list[Role] = []
    for label in value.split():
        if label not in MULTICITE_ROLES:
            raise ValueError(
                f"unknown MultiCite label {label!r}; expected one of {', '.join(MULTICITE_ROLES)}"
            )
        if MULTICITE_ROLES[label] not in roles:
            roles.append(MULTICITE_ROLES[label])
    if not roles:
        raise ValueError("no label")
    return tuple(roles)


class MultiCiteItem(BaseModel):
    """One item of MultiCite's JSON: the sentences of a citation's context, and its labels (its ``id``
    and anything else are left alone)."""

    model_config = ConfigDict(frozen=True)

    x: list[str]
    y: Annotated[tuple[Role, ...], PlainValidator(_multicite_roles)]


@dataclass
class Source:
    """What a model learned from: a file or an annotator in the store, and the contexts it gave."""

    kind: str  # "file" or "annotator"
    name: str  # the file's name, or the annotator's id
    contexts: list[LabelledContext] = field(repr=False)
    format: str | None = None
    sha256: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "format": self.format, "contexts": len(self.contexts)}


def read_labelled(path: str | Path) -> Source:
    """The labelled contexts of a file in one of ``LABELLED_FORMATS``; InvalidInput lists what is wrong."""
    source = Path(path)
    if not source.is_file():
        raise InvalidArgument(f"{source}: no such file")
    if _MULTICITE.match(importers.head(source)):
        fmt, contexts = "multicite", _read_multicite(source)
    else:
        try:
            fmt = importers.detect(source).name
        except UnknownFormat:
            fmt = "no format citekg reads"
        if fmt not in LABELLED_FORMATS:
            raise UnknownFormat(
                f"{source}: not labelled citation contexts in a format kg annotate reads "
                f"({', '.join(LABELLED_FORMATS)}); it is {fmt}"
            )
        contexts = _read_records(source, fmt)
    with source.open("rb") as data:
        digest = hashlib.file_digest(data, "sha256").hexdigest()
    return Source("file", source.name, contexts, fmt, digest)


_MULTICITE = re.compile(r'\s*\[\s*\{\s*"(?:id|x|y)"\s*:')  # a JSON array of objects keyed as MultiCite's


def _read_multicite(path: Path) -> list[LabelledContext]:
    """MultiCite's items, each a context of its sentences (an item without any has none: left out)."""
    try:
        with importers.open_binary(path) as data:
            items = json.load(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput([RecordError(str(path), 1, "json", f"not JSON ({error})")]) from None
    if not isinstance(items, list):
        raise InvalidInput([RecordError(str(path), 1, "json", "expected a JSON array of MultiCite items")])
    contexts, errors = [], []
    for index, item in enumerate(items):
        try:
            found = MultiCiteItem.model_validate(item)
            text = " ".join(sentence.strip() for sentence in found.x if sentence.strip())
            if text:
                contexts.append(LabelledContext(text=text, roles=found.y))
        except ValidationError as error:
            errors += [
                RecordError(
                    str(path),
                    f"[{index}]",
                    ".".join(map(str, detail["loc"])) or "item",
                    detail["msg"].removeprefix("Value error, "),
                )
                for detail in error.errors(include_url=False)
            ]
    if errors:
        raise InvalidInput(errors)
    return contexts


def _read_records(path: Path, fmt: str) -> list[LabelledContext]:
    """The contexts of a file of citekg's records, each citation's with the roles its annotations give."""
    contexts: dict[tuple[PaperId, PaperId], list[str]] = {}
    roles: dict[tuple[PaperId, PaperId], list[Role]] = {}
    polarities: dict[tuple[PaperId, PaperId], list[consensus.Judgement]] = {}
    errors = []
    for item in importers.read(path, fmt):
        if isinstance(item, RecordError):
            errors.append(item)
            continue
        record = item[1]
        if isinstance(record, Citation):
            said = contexts.setdefault((record.citing, record.cited), [])
            said += [context for context in record.contexts if context not in said]
        elif isinstance(record, Annotation):
            key = (record.citing, record.cited)
            if record.role is not None and record.role not in roles.setdefault(key, []):
                roles[key].append(record.role)
            if record.polarity is not None:
                confidence = 1.0 if record.confidence is None else record.confidence
                polarities.setdefault(key, []).append(consensus.Judgement(record.polarity, confidence, False))
    if errors:
        raise InvalidInput(errors)
    return [
        _labelled(" ".join(contexts[key]), labels, polarities.get(key, []))
        for key, labels in roles.items()
        if labels and contexts.get(key)
    ]


def _labelled(text: str, roles: Sequence[Role], polarities: list[consensus.Judgement]) -> LabelledContext:
    polarity = consensus.decide(polarities, Polarity)
    return LabelledContext(text=text, roles=tuple(roles), polarity=polarity.label if polarity else None)


def annotated(store: Backend, annotator: str) -> Source:
    """The contexts of the citations an annotator in the store judged, with the roles it gave them."""
    agent = ox.NamedNode(store.minter.annotator(annotator))
    pattern = (
        f"GRAPH ?g {{ ?annotation {PROV['wasAttributedTo']} ?annotator ; {OA['hasTarget']} ?citation ; "
        f"{OA['hasBody']} ?body . OPTIONAL {{ ?annotation {CKG['confidence']} ?confidence }} }}"
    )
    roles: dict[ox.NamedNode, set[Role]] = {}
    polarities: dict[ox.NamedNode, list[consensus.Judgement]] = {}
    found = False
    for row in solutions(store, "?annotator", [agent], pattern):
        found = True
        citation, body = named(row["citation"]), value_of(row["body"])
        if body in ROLE_BY_IRI:
            roles.setdefault(citation, set()).add(ROLE_BY_IRI[body])
        elif body in POLARITY_BY_IRI:
            confidence = float(value_of(row["confidence"])) if row["confidence"] is not None else 1.0
            judgement = consensus.Judgement(POLARITY_BY_IRI[body], confidence, False)
            polarities.setdefault(citation, []).append(judgement)
    if not found:
        raise InvalidArgument(f"the store holds no annotations by the annotator {annotator!r}")
    judged = sorted(roles, key=str)
    texts = contexts_of(store, judged)
    contexts = [
        _labelled(
            texts[citation], sorted(roles[citation], key=list(Role).index), polarities.get(citation, [])
        )
        for citation in judged
        if citation in texts
    ]
    return Source("annotator", annotator, contexts)


def contexts_of(store: Backend, citations: Iterable[ox.NamedNode]) -> dict[ox.NamedNode, str]:
    """The context of each of these citations that has one: what every source says of it, one text."""
    said: dict[ox.NamedNode, set[str]] = {}
    pattern = f"GRAPH ?g {{ ?citation {CKG['context']} ?context }}"
    for row in solutions(store, "?citation", citations, pattern):
        said.setdefault(named(row["citation"]), set()).add(value_of(row["context"]))
    return {citation: " ".join(sorted(texts)) for citation, texts in said.items()}
