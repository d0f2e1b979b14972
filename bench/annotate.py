"""kg annotate on MultiCite: its model's macro F1 against plain TF-IDF + logistic regression, and the time
to train and to label.

    python bench/annotate.py [--multicite ../shared/data/multicite] [--contexts 100000] [--citations 100000]

The model's settings were chosen on dev.json, training on train.json. Quality is macro F1 over citekg's
six roles, as ``kg.annotate.score`` counts it (an item with several labels: a prediction that is any of
them is right, a wrong one counts against its first), for the model and two baselines on the same data:
TF-IDF of word one- and two-grams into a logistic regression, plain and with balanced classes.

- ``cv``: stratified 5-fold cross-validation on train.json (seed 0), the folds ``kg annotate train``
  makes (its own figure for the model); the headline.
- ``split``: trained on a stratified 80% of train.json (seed 0), tested on the other 20%.
- ``dev``: trained on train.json, tested on dev.json (where the settings were chosen: for reference).

Time: ``kg.annotate.train`` on train.json (its 5,491 items; the cross-validation included, into a store
under bench/work), labelling ``--contexts`` contexts (train.json's, repeated, each copy numbered) with
``Model.predict``, and ``kg.annotate.run`` over a store of ``--citations`` citations with those contexts
(reading them from the store, labelling, and loading the annotations). MultiCite is CC BY-NC: every
model trained here lives in a temporary folder under bench/work and is deleted.

Prints the figures as JSON and merges them into bench/results.json under "annotate".
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from kg import annotate
from kg.annotate import Labelled, LabelledContext
from kg.loader import load
from kg.store import Store
from kg.vocab import Role

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
ROLES = [role.value for role in Role]
SEED = 0


def plain(seed: int) -> Any:
    """The baseline: TF-IDF of word one- and two-grams into a logistic regression."""
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("classifier", LogisticRegression(max_iter=2000, random_state=seed)),
        ]
    )


def balanced(seed: int) -> Any:
    """The baseline with balanced classes, as citekg's model has them."""
    found = plain(seed)
    found.set_params(classifier__class_weight="balanced")
    return found


LEARNERS = {"citekg": annotate.pipeline, "tfidf_lr": plain, "tfidf_lr_balanced": balanced}


def items(contexts: list[LabelledContext]) -> list[Labelled]:
    return [(c.text, tuple(role.value for role in c.roles)) for c in contexts]


def tested(train: list[Labelled], test: list[Labelled]) -> dict[str, float]:
    """Macro F1 of each learner trained on ``train`` and tested on ``test``."""
    found = {}
    for name, learner in LEARNERS.items():
        fitted = annotate.fit(train, SEED, learner)
        predicted = [label for label, _ in annotate.predict(fitted, [text for text, _ in test])]
        found[name] = round(annotate.score([labels for _, labels in test], predicted, ROLES).macro_f1, 4)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--multicite", type=Path, default=HERE.parent.parent / "shared" / "data" / "multicite"
    )
    parser.add_argument("--contexts", type=int, default=100_000, help="contexts to label")
    parser.add_argument("--citations", type=int, default=100_000, help="citations of the store to run over")
    options = parser.parse_args()
    train_file, dev_file = options.multicite / "train.json", options.multicite / "dev.json"
    train, dev = (
        items(annotate.read_labelled(train_file).contexts),
        items(annotate.read_labelled(dev_file).contexts),
    )

    (HERE / "work").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="annotate-", dir=HERE / "work"))
    try:
        with Store(work / "store") as store:
            started = time.perf_counter()
            report = annotate.train(store, "multicite", [train_file], seed=SEED)
            train_s = time.perf_counter() - started
            model = annotate.read_model(store, "multicite")
        print(f"trained in {train_s:.1f} s; cross-validated macro F1 {report.roles.macro_f1:.4f}", flush=True)
        cv = {"citekg": round(report.roles.macro_f1, 4)}
        for name in ("tfidf_lr", "tfidf_lr_balanced"):
            cv[name] = round(
                annotate.cross_validate(train, ROLES, SEED, annotate.FOLDS, LEARNERS[name])[0].macro_f1, 4
            )
        first = [labels[0] for _, labels in train]
        kept, held = train_test_split(train, test_size=0.2, random_state=SEED, stratify=first)
        split = tested(kept, held)
        on_dev = tested(train, dev)
        print(f"macro F1: cv {cv}, split {split}, dev {on_dev}", flush=True)

        texts = [
            f"{text} ({copy})" for copy in range(-(-options.contexts // len(train))) for text, _ in train
        ]
        texts = texts[: options.contexts]
        started = time.perf_counter()
        model.predict(texts)
        predict_s = time.perf_counter() - started
        print(f"labelled {len(texts)} contexts in {predict_s:.1f} s", flush=True)

        citations = work / "citations.jsonl"
        with citations.open("w", encoding="utf-8") as out:
            for number in range(options.citations):
                record = {
                    "type": "citation",
                    "citing": f"doi:10.9999/annotate.citing{number}",
                    "cited": f"doi:10.9999/annotate.cited{number % 1000}",
                    "contexts": [texts[number % len(texts)]],
                }
                out.write(json.dumps(record) + "\n")
        with Store(work / "store") as store:
            started = time.perf_counter()
            load(store, citations)
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            ran = annotate.run(store, "multicite")
            run_s = time.perf_counter() - started
    finally:
        shutil.rmtree(work)
    figures = {
        "data": "MultiCite (allenai/multicite, classification_1_context), six citekg roles",
        "train_items": len(train),
        "dev_items": len(dev),
        "macro_f1": {"cv": cv, "split": split, "dev": on_dev},
        "cv_per_role_f1": {s.label: round(s.f1, 4) for s in report.roles.labels},
        "train_s": round(train_s, 1),
        "label": {"contexts": len(texts), "s": round(predict_s, 1)},
        "run": {
            "citations": ran.citations,
            "load_citations_s": round(load_s, 1),
            "run_s": round(run_s, 1),
            "phases_s": ran.seconds,
        },
        "versions": report.versions,
    }
    print(json.dumps(figures, indent=2))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["annotate"] = figures | {"measured": time.strftime("%Y-%m-%d")}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
