"""kg serve against the W3C's own SPARQL 1.1 Protocol and Graph Store Protocol manifests, through the
same runner that gives the Oxigraph server its known counts (tests/test_w3c_oxigraph.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.serve import Settings, create_app

from .test_serve import serving
from .test_w3c_oxigraph import GRAPH_STORE, PROTOCOL, W3C, summary
from .w3c import Service, run_manifest

TOKEN = "w3c-token"
pytestmark = pytest.mark.skipif(not W3C.exists(), reason=f"the W3C manifests are not at {W3C}")


@pytest.fixture(scope="module")
def kg_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """kg serve on an empty store, taking updates with a token that the runner sends with its writes."""
    app = create_app(tmp_path_factory.mktemp("w3c") / "store", Settings(update_token=TOKEN, timeout=10))
    with serving(app) as url:
        yield Service(url, "/sparql", "/sparql", "/graph-store", {"Authorization": f"Bearer {TOKEN}"})


@pytest.mark.parametrize(
    ("manifest", "passes"), [(PROTOCOL, 34), (GRAPH_STORE, 9)], ids=["protocol", "graph-store-indirect"]
)
def test_kg_serve_passes_the_w3c_manifests(
    kg_serve: Service, record_property: pytest.RecordProperty, manifest: Path, passes: int
) -> None:
    outcomes = run_manifest(kg_serve, manifest)
    passed = sum(outcome.passed for outcome in outcomes)
    record_property("passed", f"{passed}/{len(outcomes)}")
    assert passed == passes, summary(outcomes)
