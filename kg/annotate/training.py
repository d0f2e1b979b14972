"""Training a model (measured by cross-validation, kept beside the store with its description in RDF) and
evaluating one on a labelled file."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pyoxigraph as ox

from kg import consensus
from kg.annotate.labelled import Source, annotated, read_labelled
from kg.annotate.learning import (
    POLARITIES,
    ROLES,
    Model,
    Scores,
    cross_validate,
    fit,
    learnable,
    read_model,
    score,
)
from kg.annotate.models import (
    DEFAULT_SEED,
    DESCRIPTION_FILE,
    FOLDS,
    MODEL_FILE,
    annotator_id,
    check_name,
    description_graph,
    model_iri,
    models_folder,
)
from kg.backend import Backend, WritableBackend
from kg.errors import InvalidArgument
from kg.iris import Minter
from kg.mapping import decimal
from kg.nquads import quad
from kg.vocab import (
    CKG,
    DCTERMS,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SPDX,
    XSD,
    Polarity,
    Role,
)

# --- training ------------------------------------------------------------------------------------------


@dataclass
class TrainReport:
    """A trained model, as its description says it: what it learned from and how well it did."""

    name: str
    iri: str
    folder: Path
    seed: int
    folds: int
    sources: list[Source]
    examples: Counter[str]  # contexts per role
    roles: Scores  # cross-validated
    polarity_examples: Counter[str] = field(default_factory=Counter)
    polarities: Scores | None = None  # cross-validated, when the labels have polarities to learn
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def contexts(self) -> int:
        return sum(len(source.contexts) for source in self.sources)

    def to_json(self) -> dict[str, object]:
        return {
            "model": self.name,
            "iri": self.iri,
            "folder": str(self.folder),
            "seed": self.seed,
            "folds": self.folds,
            "contexts": self.contexts,
            "sources": [source.to_json() for source in self.sources],
            "examples": dict(self.examples),
            "roles": self.roles.to_json(),
            "polarity_examples": dict(self.polarity_examples),
            "polarities": self.polarities.to_json() if self.polarities else None,
            "versions": self.versions,
        }


def train(
    store: WritableBackend,
    name: str,
    files: Iterable[str | Path] = (),
    annotators: Iterable[str] = (),
    *,
    seed: int = DEFAULT_SEED,
    folds: int = FOLDS,
) -> TrainReport:
    """Train the model ``name`` on the labelled contexts of these files and of these annotators in the
    store, measure it by cross-validation, and keep it beside the store with its description (replacing
    a model of that name). Nothing is written unless it trains."""
    check_name(name)
    folder = models_folder(store)
    if folds < 2:
        raise InvalidArgument(f"cross-validation needs at least 2 folds, not {folds}")
    sources = [read_labelled(path) for path in files] + [annotated(store, who) for who in annotators]
    if not sources:
        raise InvalidArgument(
            "name what to learn from: labelled files (--from) or annotators (--from-annotator)"
        )
    contexts = [context for source in sources for context in source.contexts]
    roles = [(c.text, tuple(role.value for role in c.roles)) for c in contexts]
    examples = Counter(role for _, labels in roles for role in labels)
    if not learnable(roles):
        found = ", ".join(f"{role} {examples[role]}" for role in ROLES if examples[role]) or "none"
        raise InvalidArgument(
            f"{len(contexts)} labelled contexts in {', '.join(s.name for s in sources)}: a model needs at "
            f"least two roles with two contexts each (contexts per role: {found})"
        )
    started = datetime.now(UTC)
    role_scores, k = cross_validate(roles, ROLES, seed, folds)
    polarities = [(c.text, (c.polarity.value,)) for c in contexts if c.polarity is not None]
    polarity_scores = (
        cross_validate(polarities, POLARITIES, seed, folds)[0] if learnable(polarities) else None
    )
    model = Model(name, fit(roles, seed), fit(polarities, seed) if polarity_scores else None)
    report = TrainReport(
        name,
        model_iri(store.minter, name).value,
        folder / name,
        seed,
        k,
        sources,
        examples,
        role_scores,
        Counter(label for _, (label,) in polarities) if polarity_scores else Counter(),
        polarity_scores,
        {"scikit-learn": version("scikit-learn"), "citekg": version("citekg")},
    )
    _save(store, model, describe(store.minter, report, started, datetime.now(UTC)), report)
    return report


def _save(store: WritableBackend, model: Model, description: list[Statement], report: TrainReport) -> None:
    """Keep the model in its folder and its description in the store too, both or neither: the files
    are written aside, the store changed, and only then do the files take the place of the old ones."""
    import joblib  # type: ignore[import-untyped]

    written = report.folder.with_name(f".{model.name}.new")  # (the store's lock keeps out other writers)
    shutil.rmtree(written, ignore_errors=True)  # what a training cut short left
    written.mkdir(parents=True)
    try:
        joblib.dump({"roles": model.roles, "polarities": model.polarities}, written / MODEL_FILE, compress=3)
        with (written / DESCRIPTION_FILE).open("wb") as turtle:
            triples = [ox.Triple(*statement) for statement in description]
            ox.serialize(triples, turtle, ox.RdfFormat.TURTLE, prefixes=_PREFIXES)
        graph = description_graph(store.minter, model.name)
        with store.change(graph):
            store.remove_graph(graph)
            store.add("".join(quad(*statement, graph) for statement in description))
            consensus.describe_itself(store)
        replaced = report.folder.with_name(f".{model.name}.old")
        if report.folder.exists():
            report.folder.rename(replaced)
        written.rename(report.folder)
        shutil.rmtree(replaced, ignore_errors=True)
    finally:
        shutil.rmtree(written, ignore_errors=True)


_PREFIXES = {name: PREFIXES[name] for name in ("ckg", "prov", "rdf", "rdfs", "xsd", "owl", "dcterms", "spdx")}
Statement = tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]


def describe(minter: Minter, report: TrainReport, started: datetime, ended: datetime) -> list[Statement]:
    """The model's description (PROV-O, citekg's terms): what trained it on what, and how well it did."""
    model = ox.NamedNode(report.iri)
    training = ox.NamedNode(f"{report.iri}#training")

    def integer(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=XSD["integer"])

    def share(value: float) -> ox.Literal:
        return ox.Literal(decimal(value, 4), datatype=XSD["decimal"])

    def moment(value: datetime) -> ox.Literal:
        return ox.Literal(
            value.isoformat(timespec="seconds").replace("+00:00", "Z"), datatype=XSD["dateTime"]
        )

    said: list[Statement] = [
        (model, RDF["type"], PROV["SoftwareAgent"]),
        (model, RDF["type"], CKG["CitationRoleModel"]),
        (model, RDFS["label"], ox.Literal(annotator_id(report.name))),
        (model, CKG["modelName"], ox.Literal(report.name)),
        (model, CKG["macroF1"], share(report.roles.macro_f1)),
        (model, CKG["trainingExamples"], integer(report.contexts)),
        (model, PROV["wasGeneratedBy"], training),
        (training, RDF["type"], PROV["Activity"]),
        (training, PROV["startedAtTime"], moment(started)),
        (training, PROV["endedAtTime"], moment(ended)),
        (training, CKG["randomSeed"], integer(report.seed)),
        (training, CKG["crossValidationFolds"], integer(report.folds)),
    ]
    if report.polarities is not None:
        said.append((model, CKG["polarityMacroF1"], share(report.polarities.macro_f1)))
    labels: list[tuple[Role | Polarity, Counter[str], Scores]] = [
        (role, report.examples, report.roles) for role in Role if role.value in report.examples
    ]
    if report.polarities is not None:
        labels += [
            (p, report.polarity_examples, report.polarities)
            for p in Polarity
            if p in report.polarity_examples
        ]
    for label, examples, scores in labels:
        node = ox.NamedNode(f"{report.iri}#{label.iri.value.rpartition('#')[2]}")
        said += [(model, CKG["labelScore"], node), (node, CKG["scoredLabel"], label.iri)]
        said.append((node, CKG["trainingExamples"], integer(examples[label.value])))
        for measured in scores.labels:
            if measured.label == label.value:
                said += [
                    (node, CKG["precision"], share(measured.precision)),
                    (node, CKG["recall"], share(measured.recall)),
                    (node, CKG["f1"], share(measured.f1)),
                    (node, CKG["support"], integer(measured.support)),
                ]
    for number, source in enumerate(report.sources, 1):
        used = ox.NamedNode(f"{report.iri}#source-{number}")
        said += [
            (training, PROV["used"], used),
            (used, CKG["trainingExamples"], integer(len(source.contexts))),
        ]
        if source.kind == "annotator":
            said += [
                (used, RDF["type"], PROV["Collection"]),
                (used, RDFS["label"], ox.Literal(f"the annotations of {source.name}")),
                (used, PROV["wasAttributedTo"], ox.NamedNode(minter.annotator(source.name))),
            ]
            continue
        checksum = ox.NamedNode(f"{used.value}-sha256")
        said += [
            (used, RDF["type"], PROV["Entity"]),
            (used, DCTERMS["source"], ox.Literal(source.name)),
            (used, DCTERMS["format"], ox.Literal(source.format or "")),
            (used, SPDX["checksum"], checksum),
            (checksum, RDF["type"], SPDX["Checksum"]),
            (checksum, SPDX["algorithm"], SPDX["checksumAlgorithm_sha256"]),
            (checksum, SPDX["checksumValue"], ox.Literal(source.sha256 or "", datatype=XSD["hexBinary"])),
        ]
    for library, release in report.versions.items():
        agent = ox.NamedNode(f"{report.iri}#{library}")
        said += [
            (training, PROV["wasAssociatedWith"], agent),
            (agent, RDF["type"], PROV["SoftwareAgent"]),
            (agent, RDFS["label"], ox.Literal(library)),
            (agent, OWL["versionInfo"], ox.Literal(release)),
        ]
    return sorted(said, key=lambda statement: statement[0].value)  # (stable: a subject's statements in order)


# --- evaluating ----------------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """How a model did on a labelled file."""

    model: str
    file: str
    format: str
    contexts: int
    roles: Scores
    polarities: Scores | None = None  # for a model that says polarities, on a file that has them

    def to_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "file": self.file,
            "format": self.format,
            "contexts": self.contexts,
            "roles": self.roles.to_json(),
            "polarities": self.polarities.to_json() if self.polarities else None,
        }


def evaluate(store: Backend, name: str, path: str | Path) -> Evaluation:
    """Precision, recall and F1 of each role (and polarity), and the macro F1, of a model on a file."""
    model = read_model(store, name)
    source = read_labelled(path)
    if not source.contexts:
        raise InvalidArgument(f"{path}: no labelled contexts to evaluate on")
    predicted = model.predict([context.text for context in source.contexts])
    roles = score(
        [[role.value for role in context.roles] for context in source.contexts],
        [found.role.value for found in predicted],
        ROLES,
    )
    judged = [
        (context.polarity.value, found.polarity.value)
        for context, found in zip(source.contexts, predicted, strict=True)
        if context.polarity is not None and found.polarity is not None
    ]
    polarities = (
        score([[given] for given, _ in judged], [said for _, said in judged], POLARITIES) if judged else None
    )
    return Evaluation(name, str(path), source.format or "", len(source.contexts), roles, polarities)
