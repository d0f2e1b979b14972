"""The W3C runner (tests/w3c.py) against the real Oxigraph server: it must find what others measured, so
that the numbers it gives for kg serve can be trusted (Oxigraph passes 31 of the 34 Protocol tests and 7
of the 9 indirect Graph Store tests; ../shared/data/w3c/SOURCES.md), and fail the same tests for the
reasons the manifests give."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .servers import writable_oxigraph
from .w3c import Outcome, Service, run_manifest

W3C = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "w3c"
PROTOCOL = W3C / "protocol" / "manifest.ttl"
GRAPH_STORE = W3C / "graph-store-protocol" / "manifest-indirect.ttl"

# Oxigraph 0.5's failures, each with a piece of the reason the runner must give.
PROTOCOL_FAILURES = {
    # No Accept header: Oxigraph answers graphs as N-Quads, not one of RDF/XML, Turtle, N-Triples, RDFa.
    "query_content_type_describe": "application/n-quads is not a 'RDF' format",
    "query_content_type_construct": "application/n-quads is not a 'RDF' format",
    # GET /update?update=CLEAR%20ALL answers 200 with the service description instead of refusing.
    "bad_update_get": "status 200, expected StatusCode4xx",
}
GRAPH_STORE_FAILURES = {
    # No multipart/form-data on the Graph Store: 415.
    "post_get_post_get_indirect": "status 415",
    # HEAD on an existing graph answers 200 without the Content-Type its GET would have.
    "head_existing_indirect": "content type (none), expected text/turtle",
}

pytestmark = pytest.mark.skipif(not W3C.exists(), reason=f"the W3C manifests are not at {W3C}")


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`oxigraph serve` on a fresh database, answering once /query does; the runner empties it before
    every test."""
    with writable_oxigraph(tmp_path_factory.mktemp("w3c") / "database") as server:
        yield Service(server.endpoint.removesuffix("/query"), "/query", "/update", "/store")


@pytest.mark.parametrize(
    ("manifest", "passes", "total", "failures"),
    [(PROTOCOL, 31, 34, PROTOCOL_FAILURES), (GRAPH_STORE, 7, 9, GRAPH_STORE_FAILURES)],
    ids=["protocol", "graph-store-indirect"],
)
def test_oxigraph_baseline(
    oxigraph: Service,
    record_property: pytest.RecordProperty,
    manifest: Path,
    passes: int,
    total: int,
    failures: dict[str, str],
) -> None:
    """The same counts and the same failing tests as measured elsewhere, so the runner is neither stricter
    nor laxer than the manifests."""
    outcomes = run_manifest(oxigraph, manifest)
    passed = sum(outcome.passed for outcome in outcomes)
    record_property("passed", f"{passed}/{len(outcomes)}")
    failed = {outcome.name: outcome.reason for outcome in outcomes if not outcome.passed}
    assert (passed, len(outcomes)) == (passes, total), summary(outcomes)
    assert failed.keys() == failures.keys(), summary(outcomes)
    for name, fragment in failures.items():
        assert fragment in failed[name], summary(outcomes)


def summary(outcomes: list[Outcome]) -> str:
    """Every outcome, so that a changed count shows which test moved and why."""
    return "\n".join(f"{'PASS' if o.passed else 'FAIL'} {o.name} {o.reason}" for o in outcomes)
