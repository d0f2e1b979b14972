"""citekg's ontology, together with CiTO, is in the OWL 2 DL profile, as the OWL API's own checker judges."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, URIRef

from kg.vocab import CITO, CKG

from .conftest import ROOT, SHARED_DATA

CITO_TTL = SHARED_DATA / "cito" / "cito.ttl"
PROFILE_CHECK = Path(__file__).resolve().parent / "owl" / "ProfileCheck.java"
SITUATION = "http://www.ontologydesignpatterns.org/cp/owl/situation.owl#"

pytestmark = pytest.mark.skipif(not CITO_TTL.exists(), reason="CiTO is read from ../shared/data")


@pytest.fixture(scope="module")
def owl_api() -> Path:
    """The jar that holds the OWL API: owlready2 ships it inside HermiT's."""
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("CI machines have Java")
        pytest.skip("the OWL API needs Java")
    import owlready2

    return Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"


def citekg_with_cito() -> Graph:
    """citekg's ontology and CiTO as one graph. The OWL API maps RDF to OWL one document at a time, so
    they are merged before it reads them: read apart, a citekg triple about a CiTO term is misread (a
    sub-property of cito:cites becomes an annotation property). owl:imports go, as there is no network
    here; CiTO's one import, the situation pattern, gives it the two terms declared in its stead."""
    merged = Graph().parse(ROOT / "ontology" / "citekg.ttl")
    merged.parse(CITO_TTL)
    merged.remove((None, OWL.imports, None))
    merged.add((URIRef(SITUATION + "Situation"), RDF.type, OWL.Class))
    merged.add((URIRef(SITUATION + "isSettingFor"), RDF.type, OWL.ObjectProperty))
    return merged


def dl_violations(graph: Graph, owl_api: Path, path: Path) -> tuple[int, list[str]]:
    """ProfileCheck's exit status (0: in OWL 2 DL, 1: not) and the violations it prints, one a line.
    The graph goes as RDF/XML, the format the OWL API 3 in HermiT.jar reads best."""
    path.write_bytes(graph.serialize(format="xml", encoding="utf-8"))
    done = subprocess.run(
        ["java", "-cp", str(owl_api), str(PROFILE_CHECK), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, done.stdout.splitlines()


def test_the_ontology_with_cito_is_in_owl_2_dl(owl_api: Path, tmp_path: Path) -> None:
    """OWL 2 DL is what reasoners such as HermiT promise to decide: a class or property that is not
    declared, or is declared as two kinds of property, puts the ontology outside it."""
    status, violations = dl_violations(citekg_with_cito(), owl_api, tmp_path / "citekg-cito.rdf")
    assert status == 0, "\n".join(sorted(violations))


def a_property_both_object_and_data(graph: Graph) -> str:
    """OWL 2 DL keeps object and data properties apart: no IRI may name both."""
    role_support = URIRef(str(CKG) + "roleSupport")
    graph.add((role_support, RDF.type, OWL.ObjectProperty))
    return f"Cannot pun between properties: <{role_support}>"


def a_transitive_property_counted(graph: Graph) -> str:
    """cito:Citation has exactly one citing entity: a transitive cito:hasCitingEntity is not simple,
    and OWL 2 DL counts only simple properties."""
    citing = URIRef(str(CITO) + "hasCitingEntity")
    graph.add((citing, RDF.type, OWL.TransitiveProperty))
    return (
        "Use of non-simple property in ObjectExactCardinality restriction: "
        f"ObjectExactCardinality(1 <{citing}>"
    )


@pytest.mark.parametrize("defect", [a_property_both_object_and_data, a_transitive_property_counted])
def test_the_check_catches_a_construct_outside_owl_2_dl(
    owl_api: Path, tmp_path: Path, defect: Callable[[Graph], str]
) -> None:
    """A check that never fails proves nothing: each defect, added to the merged graph, is reported, and
    by name."""
    merged = citekg_with_cito()
    expected = defect(merged)
    status, violations = dl_violations(merged, owl_api, tmp_path / "outside-dl.rdf")
    assert status == 1
    assert any(expected in violation for violation in violations), "\n".join(sorted(violations))
