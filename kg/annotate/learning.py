"""Features and learning: the scikit-learn pipeline, fitting and predicting, scoring and cross-validation,
and a fitted model read back from its folder."""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from kg.annotate.models import MODEL_FILE, check_name, models_folder
from kg.backend import Backend
from kg.errors import InvalidArgument
from kg.vocab import (
    Polarity,
    Role,
)

# --- features and learning -----------------------------------------------------------------------------

_CITE = re.compile(r"<cite>.*?</cite>", re.DOTALL | re.IGNORECASE)
_WORD = re.compile(r"\w+|[^\w\s]")
WINDOW = 6  # words either side of the marked citation


def marked(texts: Iterable[str]) -> list[str]:
    """The contexts with each marked citation one token: whom a context cites says nothing of why.

    >>> marked(["as in <cite>Lee (2020)</cite> ."])
    ['as in  CITATION  .']
    """
    return [_CITE.sub(" CITATION ", text) for text in texts]


def around(texts: Iterable[str]) -> list[str]:
    """The words next to the marked citation, by side: "as in [X]" and "[X] showed" say why it is cited.

    >>> around(["We use the parser of <cite>[4]</cite> ."])
    ['before:we before:use before:the before:parser before:of after:.']
    """
    found = []
    for text in texts:
        mark = _CITE.search(text)
        if mark is None:
            found.append("unmarked")
            continue
        before = _WORD.findall(text[: mark.start()])[-WINDOW:]
        after = _WORD.findall(text[mark.end() :])[:WINDOW]
        words = [f"before:{word.lower()}" for word in before] + [f"after:{word.lower()}" for word in after]
        found.append(" ".join(words) or "alone")
    return found


def pipeline(seed: int) -> Any:
    """A model yet to learn (scikit-learn, imported here: only training and labelling need it)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.pipeline import FeatureUnion, Pipeline  # type: ignore[import-untyped]
    from sklearn.preprocessing import FunctionTransformer  # type: ignore[import-untyped]

    def tfidf(read: Any, **options: Any) -> Any:
        return Pipeline(
            [("read", FunctionTransformer(read)), ("tfidf", TfidfVectorizer(sublinear_tf=True, **options))]
        )

    features = FeatureUnion(
        [
            ("words", tfidf(marked, ngram_range=(1, 2), min_df=2)),
            ("characters", tfidf(marked, analyzer="char_wb", ngram_range=(3, 5), min_df=2)),
            ("around", tfidf(around, ngram_range=(1, 2), token_pattern=r"\S+")),
        ],
        transformer_weights={"words": 1.0, "characters": 1.0, "around": 0.5},
    )
    classifier = LogisticRegression(
        C=1.0, class_weight="balanced", solver="newton-cg", max_iter=1000, random_state=seed
    )
    return Pipeline([("features", features), ("classifier", classifier)])


Labelled = tuple[str, tuple[str, ...]]  # a context's text and its labels, as a classifier takes them


def _one_thread() -> AbstractContextManager[object]:
    """Keep the numerical libraries to one thread: the learner's matrix products are small, and threads
    cost more than they give (fits measured 2x slower on MultiCite, 8x on a few dozen contexts, with two
    threads on two cores)."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    return threadpool_limits(1)  # type: ignore[no-any-return]


Learner = Callable[[int], Any]  # an unfitted scikit-learn classifier of texts, for a seed


def fit(items: Sequence[Labelled], seed: int, learner: Learner = pipeline) -> Any:
    """A classifier fitted to these texts, each once for each of its labels."""
    texts = [text for text, labels in items for _ in labels]
    with _one_thread():
        try:
            return learner(seed).fit(texts, [label for _, labels in items for label in labels])
        except ValueError as error:  # words and characters that no two contexts share are left out
            raise InvalidArgument(f"scikit-learn cannot learn from these contexts: {error}") from None


def predict(fitted: Any, texts: Sequence[str]) -> list[tuple[str, float]]:
    """The most probable label of each text, with its probability."""
    if not texts:
        return []
    with _one_thread():
        probabilities = fitted.predict_proba(list(texts))
    classes = fitted.classes_
    return [
        (str(classes[best]), float(row[best]))
        for best, row in zip(probabilities.argmax(axis=1), probabilities, strict=True)
    ]


@dataclass(frozen=True)
class LabelScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int  # contexts that count as this label (see ``score``)


@dataclass(frozen=True)
class Scores:
    labels: list[LabelScore]
    macro_f1: float

    def to_json(self) -> dict[str, object]:
        return {
            "labels": [
                {
                    "label": s.label,
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.support,
                }
                for s in self.labels
            ],
            "macro_f1": round(self.macro_f1, 4),
        }


def score(given: Sequence[Sequence[str]], predicted: Sequence[str], order: Sequence[str]) -> Scores:
    """Precision, recall and F1 of each label, and their mean, the macro F1, over the labels given or
    predicted (in ``order``). A prediction that is any of a context's labels is right; a wrong one
    counts against its first.

    >>> score([["method"], ["method", "extension"], ["background"]], ["method", "extension", "method"],
    ...       ["method", "extension", "background"]).macro_f1
    0.5555555555555555
    """
    counted = [
        label if label in labels else labels[0] for label, labels in zip(predicted, given, strict=True)
    ]
    right = Counter(label for label, truth in zip(predicted, counted, strict=True) if label == truth)
    guessed, true = Counter(predicted), Counter(counted)
    scores = []
    for label in (label for label in order if label in guessed or label in true):
        precision = right[label] / guessed[label] if guessed[label] else 0.0
        recall = right[label] / true[label] if true[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if right[label] else 0.0
        scores.append(LabelScore(label, precision, recall, f1, true[label]))
    return Scores(scores, sum(s.f1 for s in scores) / len(scores) if scores else 0.0)


def cross_validate(
    items: Sequence[Labelled], order: Sequence[str], seed: int, folds: int, learner: Learner = pipeline
) -> tuple[Scores, int]:
    """Scores of out-of-fold predictions (stratified by first label, seeded), and the folds used: at most
    as many as the most common first label has contexts."""
    from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

    first = [labels[0] for _, labels in items]
    k = min(folds, max(Counter(first).values()))
    predicted = [""] * len(items)
    with warnings.catch_warnings():  # a label with fewer contexts than folds is scored all the same
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        splits = list(StratifiedKFold(k, shuffle=True, random_state=seed).split(first, first))
    for train, test in splits:
        fitted = fit([items[i] for i in train], seed, learner)
        for i, (label, _) in zip(test, predict(fitted, [items[i][0] for i in test]), strict=True):
            predicted[i] = label
    return score([labels for _, labels in items], predicted, order), k


def learnable(items: Sequence[Labelled]) -> bool:
    """Whether every fold of a cross-validation has two labels to learn: two with two contexts each."""
    return sum(1 for n in Counter(labels[0] for _, labels in items).values() if n >= 2) >= 2


ROLES = [role.value for role in Role]
POLARITIES = [polarity.value for polarity in Polarity]


@dataclass(frozen=True)
class Prediction:
    role: Role
    confidence: float
    polarity: Polarity | None = None
    polarity_confidence: float | None = None


@dataclass(frozen=True)
class Model:
    """A trained model: its name, and the fitted pipelines for roles and (if it learned them) polarities."""

    name: str
    roles: Any
    polarities: Any = None

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """The role (and polarity) of each context, with its probability."""
        roles = predict(self.roles, texts)
        if self.polarities is None:
            return [Prediction(Role(role), confidence) for role, confidence in roles]
        return [
            Prediction(Role(role), confidence, Polarity(polarity), polarity_confidence)
            for (role, confidence), (polarity, polarity_confidence) in zip(
                roles, predict(self.polarities, texts), strict=True
            )
        ]


def read_model(store: Backend, name: str) -> Model:
    """The model ``name`` of this store; InvalidArgument if there is none."""
    folder = models_folder(store) / check_name(name)
    if not (folder / MODEL_FILE).is_file():
        raise InvalidArgument(
            f"there is no model {name!r} in {folder.parent}; train one with kg annotate train --model {name}"
        )
    import joblib  # type: ignore[import-untyped]

    fitted = joblib.load(folder / MODEL_FILE)
    return Model(name, fitted["roles"], fitted["polarities"])
