"""Each cited paper's behaviour (kg/typology.py): kept by every write as counting the consensus edges
when asked would give it, and read by hub-typology as that count answered it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from kg import queries
from kg.loader import drop, load
from kg.store import Store
from kg.typology import share

from .test_tallies import _assert_as_rebuilt, _labels, _write

# hub-typology as it was before the behaviour was kept: every consensus edge grouped when asked
COUNTED = """
SELECT ?paper ?citing_papers ?annotated ?behavior ?dominant_role ?top_share ?negative_share WHERE {
  VALUES (?min_citing ?dominant_share) { (1 0.6) }
  { SELECT ?paper (COUNT(?citing) AS ?citing_papers) WHERE {
      GRAPH data:consensus { ?citing cito:cites ?paper }
    } GROUP BY ?paper }
  OPTIONAL { SELECT ?paper (SUM(?n) AS ?annotated) (MAX(?n * 10 + ?weight) AS ?key) WHERE {
      { SELECT ?paper ?edge (COUNT(?x) AS ?n) WHERE {
          GRAPH data:consensus { ?x ?edge ?paper }
          VALUES ?edge { cito:usesMethodIn cito:citesAsRelated cito:extends cito:obtainsSupportFrom
                         cito:citesAsPotentialSolution cito:obtainsBackgroundFrom }
        } GROUP BY ?paper ?edge }
      VALUES (?edge ?weight) { (cito:usesMethodIn 6) (cito:citesAsRelated 5) (cito:extends 4)
                               (cito:obtainsSupportFrom 3) (cito:citesAsPotentialSolution 2)
                               (cito:obtainsBackgroundFrom 1) }
    } GROUP BY ?paper }
  OPTIONAL { SELECT ?paper (COUNT(?notice) AS ?notices) WHERE {
      ?notice ckg:concerns ?paper ; ckg:noticeNature ?nature .
      FILTER(?nature = ckg:notice-retraction || ?nature = ckg:notice-expression-of-concern)
    } GROUP BY ?paper }
  OPTIONAL { SELECT ?paper (COUNT(?y) AS ?negative) WHERE {
      GRAPH data:consensus { ?y cito:disagreesWith ?paper }
    } GROUP BY ?paper }
  BIND(xsd:integer(COALESCE(?key, 0) - 10 * FLOOR(COALESCE(?key, 0) / 10)) AS ?top_weight)
  OPTIONAL { VALUES (?top_weight ?dominant_role) { (6 ckg:role-method) (5 ckg:role-comparison)
      (4 ckg:role-extension) (3 ckg:role-motivation) (2 ckg:role-future-work) (1 ckg:role-background) } }
  BIND(IF(COALESCE(?annotated, 0) > 0, xsd:decimal(ROUND(10000 * FLOOR(?key / 10) / ?annotated)) / 10000, 0)
       AS ?top_share)
  BIND(IF(COALESCE(?notices, 0) > 0, "contested",
       IF(COALESCE(?annotated, 0) = 0, "none", IF(?top_share >= ?dominant_share, "dominant", "mixed")))
       AS ?behavior)
  BIND(xsd:decimal(ROUND(10000 * COALESCE(?negative, 0) / ?citing_papers)) / 10000 AS ?negative_share)
}
ORDER BY DESC(?citing_papers) CONCAT(STR(?paper), " ")
"""


def _typology(store: Store) -> list[dict]:
    rows = queries.run_query(store, "hub-typology").rows
    return [{**row, "annotated": row["annotated"] or 0} for row in rows]


def _counted(store: Store) -> list[dict]:
    rows = queries.collect(store.query(COUNTED)).rows
    return [{**row, "annotated": row["annotated"] or 0} for row in rows]


def test_every_write_keeps_what_counting_the_edges_gives(store: Store, tmp_path: Path) -> None:
    models = [("model-a", "model"), ("model-b", "model")]
    first = load(store, _write(tmp_path / "first.jsonl", _labels(1, models, citations=60))).graph
    kept = _typology(store)
    assert kept == _counted(store) and len(kept) == 5
    assert {row["behavior"] for row in kept} >= {"mixed"}
    second = load(store, _write(tmp_path / "second.jsonl", _labels(2, [("h", "human")], citations=60))).graph
    assert _typology(store) == _counted(store) != kept  # humans outrank the models
    load(store, _write(tmp_path / "first.jsonl", _labels(3, models, citations=20)), graph=first)
    assert _typology(store) == _counted(store)  # a replace
    _assert_as_rebuilt(store)
    drop(store, second)
    assert _typology(store) == _counted(store)
    drop(store, first)
    assert _typology(store) == [] and not list(store.query(COUNTED))


def test_a_small_case_by_hand(store: Store, tmp_path: Path) -> None:
    """Three papers cite b: two give method, one background (and disagrees); d is cited without a role;
    a notice makes e contested; a tie between method and background goes to method."""

    def label(citing: str, cited: str, **values: str) -> dict:
        return {
            "type": "annotation",
            "citing": citing,
            "cited": cited,
            **values,
            "annotator": {"id": "x", "kind": "human"},
        }

    rows = [
        label("doi:10.1/a1", "doi:10.1/b", role="method"),
        label("doi:10.1/a2", "doi:10.1/b", role="method"),
        label("doi:10.1/a3", "doi:10.1/b", role="background", polarity="negative"),
        {"type": "citation", "citing": "doi:10.1/a1", "cited": "doi:10.1/d"},
        label("doi:10.1/a1", "doi:10.1/e", role="background"),
        label("doi:10.1/a2", "doi:10.1/e", role="method"),
        {"type": "notice", "paper": "doi:10.1/e", "nature": "retraction"},
    ]
    load(store, _write(tmp_path / "small.jsonl", rows))
    found = {row["paper"].rsplit("/", 1)[-1]: row for row in _typology(store)}
    assert {
        paper: (
            r["citing_papers"],
            r["annotated"],
            r["behavior"],
            (r["dominant_role"] or "").rsplit("-", 1)[-1],
            r["top_share"],
            r["negative_share"],
        )
        for paper, r in found.items()
    } == {
        "b": (3, 3, "dominant", "method", 0.6667, 0.3333),
        "d": (1, 0, "none", "", 0, 0),
        "e": (2, 2, "contested", "method", 0.5, 0),
    }
    assert _typology(store) == _counted(store)
    only_methods = queries.run_query(store, "hub-typology", {"role": "method", "min_citing": 3}).rows
    assert [row["paper"].rsplit("/", 1)[-1] for row in only_methods] == ["b"]
    disputed = queries.run_query(store, "hub-typology", {"min_negative_share": 0.3}).rows
    assert [row["paper"].rsplit("/", 1)[-1] for row in disputed] == ["b"]


def test_shares_round_half_up_to_four_places() -> None:
    assert share(1, 3) == Decimal("0.3333") and share(2, 3) == Decimal("0.6667")
    assert share(1, 16) == Decimal("0.0625") and share(1, 80_000) == Decimal("0")
    assert share(1, 20_000) == Decimal("0.0001")  # exactly half of the last place rounds up


def test_kg_rebuild_derives_what_a_store_loaded_by_an_older_citekg_lacks(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kg.cli import app
    from kg.typology import PROPERTIES

    from .conftest import EXAMPLE

    path = tmp_path / "store"
    with Store(path) as store:
        load(store, EXAMPLE)
        derived = _typology(store)
        for prop in PROPERTIES:  # as before paper behaviour was kept
            for found in list(store.oxigraph.quads_for_pattern(None, prop, None)):
                store.oxigraph.remove(found)
        assert derived and _typology(store) == []
    result = CliRunner().invoke(app, ["--store", str(path), "rebuild"])
    assert result.exit_code == 0, result.output
    with Store(path) as store:
        assert _typology(store) == derived == _counted(store)
