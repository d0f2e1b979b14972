"""A store an older citekg derived is known by the derivation its consensus graph states, and refused
until it is derived again."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import derivation
from kg.consensus import rebuild
from kg.errors import OutdatedStore
from kg.loader import drop, load
from kg.store import Store
from kg.vocab import CKG, XSD

from .conftest import EXAMPLE


def _state(store: Store, said: int | None) -> None:
    """Make the consensus graph state derivation ``said`` (None: none, as before derivations were said)."""
    consensus = store.consensus_graph
    for found in list(store.oxigraph.quads_for_pattern(consensus, CKG["derivation"], None, consensus)):
        store.oxigraph.remove(found)
    if said is not None:
        number = ox.Literal(str(said), datatype=XSD["integer"])
        store.oxigraph.add(ox.Quad(consensus, CKG["derivation"], number, consensus))


def test_a_store_this_citekg_derived_passes_and_an_older_one_is_refused(store: Store) -> None:
    derivation.check(store)  # an empty store: nothing derived, nothing to refuse
    graph = load(store, EXAMPLE).graph
    derivation.check(store)
    for older in (None, derivation.DERIVATION - 1):
        _state(store, older)
        with pytest.raises(OutdatedStore, match=r"derived by an older citekg .* run `kg rebuild`") as refused:
            derivation.check(store)
        assert refused.value.exit_code == 6
        with pytest.raises(OutdatedStore):
            drop(store, graph)
        assert graph in {g.value for g in store.source_graphs()}  # the drop changed nothing
    rebuild(store)
    derivation.check(store)
    _state(store, derivation.DERIVATION + 1)  # a newer citekg's: this one would keep its data wrongly
    with pytest.raises(OutdatedStore, match=r"derived by a newer citekg .* use that citekg"):
        derivation.check(store)
