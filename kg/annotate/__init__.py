"""Citation-role models trained on the user's own labels (``kg annotate train``, ``evaluate``, ``run``).

A model reads a citation's context and says its role, and its polarity when the labels it learned from
have polarities. It is a scikit-learn pipeline: TF-IDF of the context's words (one and two) and of its
characters (three to five) that two contexts or more share, with the marked citation (``<cite>…</cite>``)
replaced by one token, and the six words either side of the mark as features of their own, into a
logistic regression whose classes are balanced (a rare role weighs what a common one does). The same
labels and seed give the same model.

- **Labelled contexts** come from annotators in the store (their annotations' roles and polarities, the
  contexts any source gives the citations) and from files: citekg's native JSON Lines (citation records
  with ``contexts``, annotation records with ``role``), SciCite and ACL-ARC (read by citekg's importers)
  and MultiCite's JSON (its labels: ``MULTICITE_ROLES``). Each source is read on its own; within one,
  the contexts of a citation are one text, and its labels are all the roles given to it.
- **Several roles**: a context with several (MultiCite's ``"uses extends"``, annotators who disagree)
  teaches the model each of them; in measuring, a prediction that is any of them is right, and a wrong
  one counts against its first role. Polarities, one per context, are decided as the consensus decides.
- **Measured** by stratified k-fold cross-validation (seeded, on each context's first role): precision,
  recall and F1 per role, over the out-of-fold predictions of all folds, and their mean, the macro F1,
  over the roles the labels or the predictions hold. A model needs two roles with two contexts each.
- **Kept** beside the store, in ``STORE/models/NAME/``: ``model.joblib`` (the fitted pipelines) and
  ``description.ttl``, which the store also holds in the graph ``BASE model/NAME``: the model is the
  annotator ``model:NAME`` (``Minter.annotator``), a ``prov:SoftwareAgent`` and ``ckg:CitationRoleModel``
  whose description names what it learned from, the examples of each label, the library versions, the
  seed and its cross-validated scores. ``model_of`` reads it back, from any store.
- **Run** labels each citation that has a context and that no person has judged (a
  ``prov:Person``'s annotation of any role or polarity): one annotation of kind ``model`` with the
  predicted role and its probability as confidence (and one with the polarity, for a model that has
  them). They are loaded as a native file into a graph of the model's own, so the consensus (where a
  person's role always outranks a model's), the hub summaries and the explorer follow, and a second run
  replaces that graph only: ``BASE model/NAME/citations`` for the whole store, ``…/citations/SCHEME/ID``
  for the citations of one paper (where it is the cited paper, as its hub page counts them). A paper's
  run leaves the citations that the whole-store graph labels to it; a whole-store run labels them all
  and drops the graphs of single papers it replaces.

The package's modules, in the order a model lives: ``models`` (its names, graphs, folder, and what a hub
page asks of it), ``labelled`` (the contexts it learns from), ``learning`` (features, fitting, scoring),
``training`` (train and evaluate), ``labelling`` (run).
"""

from __future__ import annotations

from kg.annotate.labelled import LabelledContext, MultiCiteItem, Source, annotated, contexts_of, read_labelled
from kg.annotate.labelling import RunReport, run
from kg.annotate.learning import (
    WINDOW,
    Labelled,
    LabelScore,
    Learner,
    Model,
    Prediction,
    Scores,
    around,
    cross_validate,
    fit,
    marked,
    pipeline,
    predict,
    read_model,
    score,
)
from kg.annotate.models import (
    DEFAULT_SEED,
    DESCRIPTION_FILE,
    FOLDS,
    LABELLED_FORMATS,
    MODEL_FILE,
    MODELS,
    MULTICITE_ROLES,
    ModelInfo,
    annotations_graph,
    annotator_id,
    check_name,
    description_graph,
    model_iri,
    model_of,
    models_folder,
)
from kg.annotate.training import Evaluation, Statement, TrainReport, describe, evaluate, train

__all__ = [
    "DEFAULT_SEED",
    "DESCRIPTION_FILE",
    "FOLDS",
    "LABELLED_FORMATS",
    "MODELS",
    "MODEL_FILE",
    "MULTICITE_ROLES",
    "WINDOW",
    "Evaluation",
    "LabelScore",
    "Labelled",
    "LabelledContext",
    "Learner",
    "Model",
    "ModelInfo",
    "MultiCiteItem",
    "Prediction",
    "RunReport",
    "Scores",
    "Source",
    "Statement",
    "TrainReport",
    "annotated",
    "annotations_graph",
    "annotator_id",
    "around",
    "check_name",
    "contexts_of",
    "cross_validate",
    "describe",
    "description_graph",
    "evaluate",
    "fit",
    "marked",
    "model_iri",
    "model_of",
    "models_folder",
    "pipeline",
    "predict",
    "read_labelled",
    "read_model",
    "run",
    "score",
    "train",
]
