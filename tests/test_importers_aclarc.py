from __future__ import annotations

from kg.errors import RecordError
from kg.hub import summary
from kg.importers import detect
from kg.importers.aclarc import read_aclarc
from kg.loader import load
from kg.records import Annotation, Citation, Paper, Unplaced
from kg.store import Store

from .conftest import DATA


def test_rows_become_gold_annotations_between_anthology_papers() -> None:
    items = list(read_aclarc(DATA / "aclarc.jsonl"))
    errors = [item for item in items if isinstance(item, RecordError)]
    assert [(e.line, e.field) for e in errors] == [(4, "intent")]
    records = [record for item in items if not isinstance(item, RecordError) for record in item[1:]]
    assert [(str(p.id), p.title, p.year) for p in records if isinstance(p, Paper)] == [
        ("acl:E09-1039", "A citing paper", 2009),
        ("acl:J03-4003", "Head-driven models", 2003),
    ]
    assert [c.contexts for c in records if isinstance(c, Citation)] == [
        ["We use the parser of Collins (1999) ."],
        ["Unlike [3] , we find gains ."],
    ]
    assert [
        (a.role.value, a.annotator.id, a.annotator.kind.value) for a in records if isinstance(a, Annotation)
    ] == [("method", "acl-arc", "human"), ("comparison", "acl-arc", "human")]
    assert sum(isinstance(r, Unplaced) for r in records) == 1
    assert detect(DATA / "aclarc.jsonl").name == "acl-arc"


def test_a_hub_from_acl_arc(store: Store) -> None:
    report = load(store, DATA / "aclarc.jsonl", skip_invalid=True)
    assert (report.counts["citation"], report.unplaced, len(report.skipped)) == (2, 1, 1)
    hub = summary(store, "acl:j03-4003")
    assert hub.paper.title == "Head-driven models"
    assert hub.headline == "Dominant citation role: method (100%)."
