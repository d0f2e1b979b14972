"""A model's names: the annotator it is, the graphs it writes and its description lives in, its folder beside
the store; and what a hub page asks of it (``model_of``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from kg.backend import Backend, solutions, value_of
from kg.errors import InvalidArgument
from kg.ids import PaperId
from kg.iris import Minter
from kg.vocab import (
    CKG,
    Role,
)

DEFAULT_SEED = 0
FOLDS = 5
MODELS = "models"  # the folder beside the store's database that holds its models
MODEL_FILE = "model.joblib"
DESCRIPTION_FILE = "description.ttl"
LABELLED_FORMATS = ("native", "scicite", "acl-arc", "multicite")

# MultiCite's labels, as its SOURCES.md maps them onto citekg's roles
MULTICITE_ROLES = {
    "background": Role.BACKGROUND,
    "motivation": Role.MOTIVATION,
    "future_work": Role.FUTURE_WORK,
    "similarities": Role.COMPARISON,
    "differences": Role.COMPARISON,
    "uses": Role.METHOD,
    "extends": Role.EXTENSION,
}

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_name(name: str) -> str:
    """A model's name, if it can name a folder and nothing else (no path of any kind).

    >>> check_name("roles-v2")
    'roles-v2'
    >>> check_name("../roles")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    kg.errors.InvalidArgument: '../roles' is no model name: use up to 64 letters, digits, ...
    """
    if not _NAME.fullmatch(name):
        raise InvalidArgument(
            f"{name!r} is no model name: use up to 64 letters, digits, '.', '_' and '-', starting with a "
            "letter or digit"
        )
    return name


def annotator_id(name: str) -> str:
    """The annotator a model's annotations name: ``model:NAME``."""
    return f"model:{name}"


def model_iri(minter: Minter, name: str) -> ox.NamedNode:
    """The model as an annotator, minted as every annotator is: its annotations are attributed to it."""
    return ox.NamedNode(minter.annotator(annotator_id(name)))


def description_graph(minter: Minter, name: str) -> ox.NamedNode:
    return ox.NamedNode(f"{minter.base}model/{name}")


def annotations_graph(minter: Minter, name: str, paper: PaperId | None = None) -> ox.NamedNode:
    """Where a run puts its annotations: of the whole store, or of the citations of one paper."""
    whole = f"{minter.base}model/{name}/citations"
    return ox.NamedNode(whole if paper is None else f"{whole}/{paper.scheme}/{quote(paper.value, safe='/')}")


def models_folder(store: Backend) -> Path:
    if store.path is None:
        raise InvalidArgument(
            "models are kept beside the store, in STORE/models/: a store in memory or at an endpoint has "
            "no folder for them; use a store on disk (--store PATH)"
        )
    return store.path / MODELS


# --- what a hub page asks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelInfo:
    """A model as its description in the store says it: enough for a page to say that a role summary is
    a model's, and how well the model measured."""

    name: str
    iri: str  # the model as annotator: the subject of its description
    macro_f1: float  # over roles, cross-validated when it was trained
    polarity_macro_f1: float | None
    graph: str  # the graph that holds the description


def model_of(store: Backend, annotator: str | ox.NamedNode) -> ModelInfo | None:
    """The model an annotator IRI names, from its description in the store (of any kind, a remote one
    too); None for an annotator that is no model trained by citekg, a person say."""
    agent = annotator if isinstance(annotator, ox.NamedNode) else ox.NamedNode(annotator)
    pattern = (
        f"GRAPH ?graph {{ ?model a {CKG['CitationRoleModel']} ; {CKG['modelName']} ?name ; "
        f"{CKG['macroF1']} ?f1 . OPTIONAL {{ ?model {CKG['polarityMacroF1']} ?polarity }} }}"
    )
    for row in solutions(store, "?model", [agent], pattern):
        polarity = row["polarity"]
        return ModelInfo(
            value_of(row["name"]),
            agent.value,
            float(value_of(row["f1"])),
            float(value_of(polarity)) if polarity is not None else None,
            value_of(row["graph"]),
        )
    return None
