"""Which derivation wrote a store's consensus graph, so that a store an older citekg derived is known.

The consensus graph states ``<consensus> ckg:derivation N`` (``consensus.describe_itself``), N the
number below, raised whenever a newer citekg derives more or otherwise (1: the store's counts, kept as
VoID class partitions). A store an older citekg derived lacks what a newer one reads and keeps by
differences, so it is derived again (``kg rebuild``) before anything changes it or counts are read;
and one a newer citekg derived is refused as well.
(A module of its own: ``kg stats`` checks it, and should not import the whole write path to.)
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.backend import Backend
from kg.errors import OutdatedStore
from kg.vocab import CKG

DERIVATION = 1


def check(store: Backend) -> None:
    """Refuse a store with sources whose consensus graph another citekg derived: an older one (derive
    it again) or a newer one (whose derived data this one would keep wrongly)."""
    if not store.source_graphs():
        return
    graph = store.consensus_graph
    said = next(store.quads_for_pattern(graph, CKG["derivation"], None, graph), None)
    derived = int(said.object.value) if said is not None and isinstance(said.object, ox.Literal) else 0
    if derived < DERIVATION:
        raise OutdatedStore(
            f"the store was derived by an older citekg (derivation {derived}; this one derives {DERIVATION}):"
            " run `kg rebuild` once (it derives the consensus graph again from the sources), then try again"
        )
    if derived > DERIVATION:
        raise OutdatedStore(
            f"the store was derived by a newer citekg (derivation {derived}; this one derives {DERIVATION}):"
            " use that citekg, or run `kg rebuild` to derive it as this one does"
        )
