"""kg.validation: citekg's graphs conform to its shapes, also in a store that keeps OpenCitations' RDF."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import CitekgError
from kg.loader import load
from kg.store import Store
from kg.validation import validate

from .conftest import DATA, EXAMPLE, SHARED_DATA

OC = SHARED_DATA / "opencitations"
SHARED_OC_RDF = [
    OC / "opencitations__oc_api" / "output32.nq.gz",
    OC / "opencitations__index" / "citations_data.ttl",
    OC / "opencitations__index" / "citations_prov.ttl",
    OC / "opencitations__oc_meta" / "real_data_with_prov.nq",
]


def with_opencitations_rdf(store: Store) -> ox.NamedNode:
    """The example and OpenCitations' RDF (ours, and the shared samples where they are); the graph of
    the Meta sample, whose bibliographic resource breaks citekg's paper shape."""
    load(store, EXAMPLE)
    load(store, DATA / "oc-citations.nt")
    meta = ox.NamedNode(load(store, DATA / "oc-meta.nq").graph)
    for path in SHARED_OC_RDF:
        if path.exists():
            load(store, path)
    return meta


def test_citekg_graphs_conform_beside_opencitations_rdf_kept_as_it_is(store: Store) -> None:
    meta = with_opencitations_rdf(store)
    found = validate(store)
    assert found.conforms and found.violations == 0, found.report
    assert found.triples > 500
    # what OpenCitations published, checked by citekg's shapes, does not conform: it is left out
    (resource_graph,) = [part for part in store.parts(meta) if part.value.endswith("br%2F")]
    theirs = validate(store, resource_graph.value)
    assert not theirs.conforms and "https://w3id.org/oc/meta/br/0601" in theirs.report


def test_a_defect_in_a_citekg_graph_is_reported(store: Store) -> None:
    """Every citation of the example made to cite its citing paper too: the shapes refuse a citation with
    two cited entities, and one whose citing and cited paper are the same."""
    source = ox.NamedNode(load(store, EXAMPLE).graph)
    store.update(
        f"INSERT {{ GRAPH {source} {{ ?c cito:hasCitedEntity ?citing }} }} "
        f"WHERE {{ GRAPH {source} {{ ?c cito:hasCitingEntity ?citing }} }}"
    )
    found = validate(store)
    assert not found.conforms and found.violations >= 1


def test_kg_validate_exits_5_when_the_store_does_not_conform(tmp_path: Path) -> None:
    path = tmp_path / "store"
    runner = CliRunner()
    assert runner.invoke(app, ["--store", str(path), "load", str(EXAMPLE)]).exit_code == 0
    conforming = runner.invoke(app, ["--store", str(path), "validate", "--format", "json"])
    assert conforming.exit_code == 0 and json.loads(conforming.stdout)["conforms"] is True
    with Store(path) as store:
        (graph,) = store.source_graphs()
        store.update(
            f"INSERT {{ GRAPH {graph} {{ ?c cito:hasCitedEntity ?citing }} }} "
            f"WHERE {{ GRAPH {graph} {{ ?c cito:hasCitingEntity ?citing }} }}"
        )
    failing = runner.invoke(app, ["--store", str(path), "validate"])
    assert failing.exit_code == 5 and "Conforms: False" in failing.stdout


def test_an_unknown_graph_is_an_error(store: Store) -> None:
    load(store, EXAMPLE)
    with pytest.raises(CitekgError, match="no graph"):
        validate(store, "no-such-graph")
