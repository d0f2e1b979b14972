"""kg annotate: models of citation roles trained on labelled contexts, measured, and run over the store."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDFS, Graph, Literal, URIRef
from typer.testing import CliRunner

from kg import annotate
from kg.cli import app, render_hub
from kg.errors import InvalidArgument, InvalidInput, UnknownFormat, UnknownPaper
from kg.hub import summary
from kg.loader import load
from kg.store import Store
from kg.vocab import CITO, CKG, OA, PROV, Role

from .conftest import DATA, ROOT, SHARED_DATA, TEST_BASE, write_jsonl

LABELLED = DATA / "annotate-labelled.jsonl"  # 48 contexts, 8 of each role, with polarities, by "reviewer"
HELDOUT = DATA / "annotate-heldout.jsonl"  # 12 more, 2 of each role
HUB_FILE = DATA / "annotate-hub.jsonl"  # contexts, unlabelled but for a person's and another model's labels
MULTICITE = DATA / "annotate-multicite.json"
HUB, OTHER = "doi:10.5555/annotate.hub", "doi:10.5555/annotate.other"
runner = CliRunner()


@pytest.fixture(scope="module")
def trained_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, annotate.TrainReport]:
    """A store on disk with the hub's citations loaded and the model "roles" trained (copied by each test
    that uses it: training is what takes time)."""
    path = tmp_path_factory.mktemp("trained") / "store"
    with Store(path, base=TEST_BASE) as store:
        load(store, HUB_FILE)
        report = annotate.train(store, "roles", [LABELLED])
    return path, report


@pytest.fixture
def trained(trained_store: tuple[Path, annotate.TrainReport], tmp_path: Path) -> Iterator[Store]:
    shutil.copytree(trained_store[0], tmp_path / "store")
    with Store(tmp_path / "store") as store:
        yield store


def model_annotations(store: Store, name: str = "roles") -> dict[tuple[str, str], list[str]]:
    """The roles and polarities a model's annotations give, by citing and cited paper."""
    model = annotate.model_iri(store.minter, name)
    found: dict[tuple[str, str], list[str]] = {}
    for row in store.query(
        f"SELECT ?citing ?cited ?body WHERE {{ GRAPH ?g {{ ?a {PROV['wasAttributedTo']} {model} ; "
        f"{OA['hasTarget']} ?c ; {OA['hasBody']} ?body . ?c {CITO['hasCitingEntity']} ?citing ; "
        f"{CITO['hasCitedEntity']} ?cited }} }} ORDER BY ?body"
    ):
        found.setdefault((row["citing"].value, row["cited"].value), []).append(row["body"].value)
    return found


def paper(number: int | str) -> str:
    """A paper's IRI: a citing paper of the hub file by number, else by its DOI's end."""
    end = f"citer{number:02d}" if isinstance(number, int) else number
    return f"{TEST_BASE}paper/doi/10.5555/annotate.{end}"


def test_train_evaluate_run_and_the_hub_summary(trained: Store) -> None:
    evaluation = annotate.evaluate(trained, "roles", HELDOUT)
    assert evaluation.contexts == 12 and evaluation.format == "native"
    assert [s.label for s in evaluation.roles.labels] == [role.value for role in Role]
    assert evaluation.roles.macro_f1 >= 0.8
    assert summary(trained, OTHER).annotated == 0  # only contexts: no role summary
    assert summary(trained, OTHER).models == []

    report = annotate.run(trained, "roles")
    assert report.citations == 11  # 6 of each paper, less the one a person judged
    assert sum(report.roles.values()) == sum(report.polarities.values()) == 11
    assert report.graph == f"{TEST_BASE}model/roles/citations"
    other = summary(trained, OTHER)
    assert (other.citing_papers, other.annotated, other.unclassified) == (6, 6, 0)
    assert sum(share.count for share in other.roles) == 6 and other.polarities
    trained_f1 = annotate.model_of(trained, annotate.model_iri(trained.minter, "roles"))
    assert trained_f1 is not None
    assert [(m.name, m.citations, m.macro_f1) for m in other.models] == [("roles", 6, trained_f1.macro_f1)]
    f1 = f"{trained_f1.macro_f1:.2f}"
    line = f"Roles of 6 of 6 citing papers come from the model roles (macro F1 {f1}, cross-validated)."
    assert other.model_lines == [line] and line in render_hub(other).splitlines()
    assert other.to_json()["models"][0]["citations"] == 6
    hub = summary(trained, HUB)
    assert (hub.citing_papers, hub.annotated, hub.unclassified) == (7, 6, 1)  # one citation gave no context


def test_the_same_labels_and_seed_give_the_same_model(tmp_path: Path) -> None:
    texts = [context.text for context in annotate.read_labelled(HELDOUT).contexts]
    with Store(tmp_path / "store") as store:
        first = annotate.train(store, "first", [LABELLED], seed=7, folds=3)
        second = annotate.train(store, "second", [LABELLED], seed=7, folds=3)
        assert first.roles == second.roles and first.polarities == second.polarities
        assert annotate.read_model(store, "first").predict(texts) == annotate.read_model(
            store, "second"
        ).predict(texts)


def test_a_persons_judgement_is_left_alone_and_outranks_the_model(trained: Store) -> None:
    annotate.run(trained, "roles")
    labelled = model_annotations(trained)
    assert (paper(5), paper("hub")) not in labelled  # a person judged it
    assert (paper(5), paper("other")) in labelled
    assert (paper(1), paper("hub")) in labelled  # another model judged it: the model adds its judgement
    judged = trained.query(
        f"SELECT ?role ?human WHERE {{ GRAPH {trained.consensus_graph} {{ ?c {CITO['hasCitingEntity']} "
        f"<{paper(5)}> ; {CITO['hasCitedEntity']} <{paper('hub')}> ; {CKG['primaryRole']} ?role ; "
        f"{CKG['decidedByHuman']} ?human }} }}"
    )
    assert [(row["role"].value, row["human"].value) for row in judged] == [
        (Role.COMPARISON.iri.value, "true")
    ]


def test_a_rerun_replaces_the_models_own_annotations_only(trained: Store, tmp_path: Path) -> None:
    annotate.run(trained, "roles")
    before = model_annotations(trained)
    assert len(before) == 11 and all(len(bodies) == 2 for bodies in before.values())  # a role, a polarity
    judged = write_jsonl(
        tmp_path / "judged.jsonl",
        json.dumps(
            {
                "type": "annotation",
                "citing": "doi:10.5555/annotate.citer02",
                "cited": OTHER,
                "role": "background",
                "annotator": {"id": "bob", "kind": "human"},
            }
        ),
    )
    load(trained, judged)  # a person judges a citation the model labelled
    again = annotate.run(trained, "roles")
    assert again.citations == 10
    after = model_annotations(trained)
    assert (paper(2), paper("other")) not in after
    assert after == {key: bodies for key, bodies in before.items() if key != (paper(2), paper("other"))}
    others = trained.query(
        f"SELECT ?who WHERE {{ GRAPH ?g {{ ?a {PROV['wasAttributedTo']} ?who }} }} ORDER BY ?who"
    )
    attributed = [row["who"].value for row in others]
    assert attributed.count(f"{TEST_BASE}annotator/intent-llm") == 1  # another model's, untouched
    assert attributed.count(f"{TEST_BASE}annotator/alice") == 1
    assert attributed.count(f"{TEST_BASE}annotator/model%3Aroles") == 20
    model_graphs = [g.value for g in trained.graphs() if "/model/roles/" in g.value]
    assert model_graphs == [f"{TEST_BASE}model/roles/citations"]


def test_runs_for_single_papers_keep_each_others_annotations(trained: Store) -> None:
    assert annotate.run(trained, "roles", HUB).citations == 5
    assert annotate.run(trained, "roles", OTHER).citations == 6
    assert annotate.run(trained, "roles", HUB).citations == 5  # replaces the hub's, keeps the other's
    assert sum(map(len, model_annotations(trained).values())) == 22
    assert summary(trained, OTHER).annotated == 6
    whole = annotate.run(trained, "roles")  # the whole store's replaces the single papers'
    assert whole.citations == 11 and len(whole.dropped) == 2
    assert sum(map(len, model_annotations(trained).values())) == 22
    assert annotate.run(trained, "roles", HUB).citations == 0  # left to the whole store's graph
    assert sum(map(len, model_annotations(trained).values())) == 22


def test_the_description_states_counts_and_scores(
    trained: Store, trained_store: tuple[Path, annotate.TrainReport]
) -> None:
    report = trained_store[1]
    described = Graph().parse(trained.path / "models" / "roles" / annotate.DESCRIPTION_FILE, format="turtle")
    model = URIRef(report.iri)
    ckg = str(CKG)
    assert (model, URIRef(ckg + "macroF1"), None) in described
    assert float(described.value(model, URIRef(ckg + "macroF1"))) == round(report.roles.macro_f1, 4)
    assert int(described.value(model, URIRef(ckg + "trainingExamples"))) == 48
    for role in Role:
        score = described.value(predicate=URIRef(ckg + "scoredLabel"), object=URIRef(role.iri.value))
        assert int(described.value(score, URIRef(ckg + "trainingExamples"))) == 8
        assert described.value(score, URIRef(ckg + "f1")) is not None
    training = described.value(model, URIRef(str(PROV) + "wasGeneratedBy"))
    assert described.value(training, URIRef(ckg + "randomSeed")) == Literal(0)
    versions = {str(o) for o in described.objects(None, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))}
    assert len(versions) == 2
    assert report.to_json()["examples"] == {role.value: 8 for role in Role}

    graph = annotate.description_graph(trained.minter, "roles")
    stored = Graph().parse(
        data=trained.oxigraph.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph), format="nt"
    )
    assert valued(stored) == valued(described)  # the store holds the same description (decimals its own way)
    ontology = Graph().parse(ROOT / "ontology" / "citekg.ttl")
    used = {
        term
        for triple in described
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(ckg)
    }
    for term in used:  # every term of citekg's the description uses is declared, with a label and a comment
        assert (term, RDFS.label, None) in ontology and (term, RDFS.comment, None) in ontology, term


def valued(graph: Graph) -> set[tuple[object, ...]]:
    """A graph's triples with literals by value: a store writes ``1.0`` back as ``1``."""
    return {(s, p, o.toPython() if isinstance(o, Literal) else o) for s, p, o in graph}


def test_model_of_says_which_annotator_is_a_model_and_how_good(
    trained: Store, trained_store: tuple[Path, annotate.TrainReport]
) -> None:
    report = trained_store[1]
    found = annotate.model_of(trained, report.iri)
    assert found == annotate.ModelInfo(
        "roles",
        report.iri,
        round(report.roles.macro_f1, 4),
        round(report.polarities.macro_f1, 4) if report.polarities else None,
        f"{TEST_BASE}model/roles",
    )
    assert annotate.model_of(trained, f"{TEST_BASE}annotator/alice") is None


def test_training_from_an_annotator_in_the_store(tmp_path: Path) -> None:
    with Store(tmp_path / "store") as store:
        load(store, LABELLED)
        report = annotate.train(store, "reviewed", annotators=["reviewer"], folds=2)
    assert report.contexts == 48 and report.examples == {role.value: 8 for role in Role}
    assert report.polarity_examples == {"neutral": 26, "positive": 13, "negative": 9}
    assert report.sources[0].to_json() == {
        "kind": "annotator",
        "name": "reviewer",
        "format": None,
        "contexts": 48,
    }


def test_labelled_files_of_each_format(tmp_path: Path) -> None:
    multicite = annotate.read_labelled(MULTICITE)
    assert multicite.format == "multicite"
    assert [c.roles for c in multicite.contexts] == [
        (Role.METHOD,),
        (Role.COMPARISON,),  # differences and similarities are both comparison
        (Role.EXTENSION, Role.METHOD),
        (Role.FUTURE_WORK,),
        (Role.BACKGROUND,),
        (Role.MOTIVATION, Role.BACKGROUND),
    ]  # (the item without a sentence is left out)
    assert (
        multicite.contexts[1].text
        == "Unlike <cite>[2]</cite> , we find gains . Our results differ from <cite>[2]</cite> ."
    )
    scicite = annotate.read_labelled(DATA / "scicite.jsonl")
    assert scicite.format == "scicite" and scicite.contexts[0].polarity == "positive"
    first_row = (DATA / "aclarc.jsonl").read_text(encoding="utf-8").splitlines()[0]
    aclarc = annotate.read_labelled(write_jsonl(tmp_path / "aclarc.jsonl", first_row))
    assert aclarc.format == "acl-arc" and aclarc.contexts[0].roles == (Role.METHOD,)


def test_several_roles_count_a_prediction_of_any() -> None:
    scores = annotate.score(
        [["method", "extension"], ["background"]], ["extension", "method"], [role.value for role in Role]
    )
    assert [(s.label, s.precision, s.recall, s.support) for s in scores.labels] == [
        ("method", 0.0, 0.0, 0),
        ("extension", 1.0, 1.0, 1),
        ("background", 0.0, 0.0, 1),
    ]


def only_citations(path: Path) -> Path:
    return write_jsonl(
        path, '{"type":"citation","citing":"doi:10.1/a","cited":"doi:10.1/b","contexts":["x"]}'
    )


def one_role(path: Path) -> Path:
    lines = []
    for n in range(3):
        lines += [
            f'{{"type":"citation","citing":"doi:10.1/a{n}","cited":"doi:10.1/b","contexts":["as in [{n}]"]}}',
            f'{{"type":"annotation","citing":"doi:10.1/a{n}","cited":"doi:10.1/b","role":"method"}}',
        ]
    return write_jsonl(path, *lines)


def no_shared_words(path: Path) -> Path:
    lines = []
    for n, (context, role) in enumerate(
        [("aa", "method"), ("bb", "method"), ("cc", "background"), ("dd", "background")]
    ):
        lines += [
            f'{{"type":"citation","citing":"doi:10.1/a{n}","cited":"doi:10.1/b","contexts":["{context}"]}}',
            f'{{"type":"annotation","citing":"doi:10.1/a{n}","cited":"doi:10.1/b","role":"{role}"}}',
        ]
    return write_jsonl(path, *lines)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (no_shared_words, InvalidArgument, "scikit-learn cannot learn from these contexts"),
        (
            only_citations,
            InvalidArgument,
            "0 labelled contexts in labels.jsonl: a model needs at least two roles",
        ),
        (one_role, InvalidArgument, "contexts per role: method 3"),
        (lambda path: DATA / "index-coci.csv", UnknownFormat, "it is opencitations-index"),
        (lambda path: write_jsonl(path, "not labels"), UnknownFormat, "it is no format citekg reads"),
        (lambda path: path / "missing.jsonl", InvalidArgument, "no such file"),
        (
            lambda path: write_jsonl(path, '[{"id": "a", "x": ["s <cite>[1]</cite>"], "y": "cites"}]'),
            InvalidInput,
            ":[0]: y: unknown MultiCite label 'cites'",
        ),
        (lambda path: write_jsonl(path, '{"type":"citation","citing":"x"}'), InvalidInput, ":1: citing:"),
    ],
)
def test_training_on_bad_input_says_why_and_writes_nothing(
    tmp_path: Path, make: object, error: type[Exception], message: str
) -> None:
    source = make(tmp_path / "labels.jsonl")  # type: ignore[operator]
    with Store(tmp_path / "store") as store, pytest.raises(error, match=None) as raised:
        annotate.train(store, "roles", [source])
    assert message in str(raised.value)
    assert not (tmp_path / "store" / "models").exists()
    with Store(tmp_path / "store") as store:
        assert store.is_empty()


@pytest.mark.parametrize("name", ["../roles", "a/b", "", ".hidden", "x" * 65, "naïve", "a b"])
def test_a_model_name_is_a_plain_name(tmp_path: Path, name: str) -> None:
    with Store(tmp_path / "store") as store, pytest.raises(InvalidArgument, match="is no model name"):
        annotate.train(store, name, [LABELLED])
    assert not (tmp_path / "store" / "models").exists()


def test_bad_requests_say_why_and_change_nothing(trained: Store) -> None:
    with pytest.raises(InvalidArgument, match="there is no model 'nope'"):
        annotate.run(trained, "nope")
    with pytest.raises(InvalidArgument, match="there is no model 'nope'"):
        annotate.evaluate(trained, "nope", HELDOUT)
    with pytest.raises(UnknownPaper, match=r"no paper in the store has the id doi:10\.1/absent"):
        annotate.run(trained, "roles", "doi:10.1/absent")
    with pytest.raises(InvalidArgument, match="'nonsense' is no paper id"):
        annotate.run(trained, "roles", "nonsense")
    with pytest.raises(InvalidArgument, match="the store holds no annotations by the annotator 'nobody'"):
        annotate.train(trained, "other", annotators=["nobody"])
    with pytest.raises(InvalidArgument, match="name what to learn from"):
        annotate.train(trained, "other")
    assert not model_annotations(trained)
    assert sorted(p.name for p in (trained.path / "models").iterdir()) == ["roles"]


def test_models_need_a_store_on_disk() -> None:
    with pytest.raises(InvalidArgument, match="a store in memory or at an endpoint has no folder"):
        annotate.train(Store(None), "roles", [LABELLED])


@pytest.mark.skipif(not (SHARED_DATA / "multicite").is_dir(), reason="needs ../shared/data/multicite")
def test_a_model_learns_multicite(tmp_path: Path) -> None:
    items = json.loads((SHARED_DATA / "multicite" / "train.json").read_text(encoding="utf-8"))
    some = tmp_path / "some.json"
    some.write_text(json.dumps(items[:400]), encoding="utf-8")
    dev = json.loads((SHARED_DATA / "multicite" / "dev.json").read_text(encoding="utf-8"))[:30]
    hub = "doi:10.5555/multicite.hub"  # a hub whose citations have MultiCite's dev contexts and no roles
    citations = [
        {"type": "citation", "citing": f"doi:10.5555/multicite.{n}", "cited": hub, "contexts": item["x"]}
        for n, item in enumerate(dev)
    ]
    with Store(tmp_path / "store") as store:
        load(store, write_jsonl(tmp_path / "hub.jsonl", *map(json.dumps, citations)))
        report = annotate.train(store, "multicite", [some], folds=2)
        found = annotate.evaluate(store, "multicite", some)
        assert summary(store, hub).annotated == 0
        assert annotate.run(store, "multicite", hub).citations == 30
        labelled = summary(store, hub)
    assert report.sources[0].format == "multicite" and report.polarities is None
    assert report.roles.macro_f1 > 0.2 and found.roles.macro_f1 > report.roles.macro_f1  # seen beats unseen
    assert (labelled.citing_papers, labelled.annotated) == (
        30,
        30,
    )  # the hub summary counts the model's roles
    assert [(m.name, m.citations) for m in labelled.models] == [("multicite", 30)]


# --- the command --------------------------------------------------------------------------------------


def kg(store: Path, *args: str) -> object:
    return runner.invoke(app, ["--store", str(store), "annotate", *args])


def test_the_commands(trained: Store, tmp_path: Path) -> None:
    path = trained.path
    assert path is not None
    trained.close()
    taught = kg(
        path, "train", "--model", "again", "--from", str(LABELLED), "--folds", "2", "--format", "json"
    )
    assert taught.exit_code == 0, taught.output
    assert json.loads(taught.stdout)["contexts"] == 48
    text = kg(path, "train", "-m", "again", "--from", str(LABELLED), "--folds", "2")
    assert text.stdout.startswith(
        "trained model:again on 48 labelled contexts from annotate-labelled.jsonl; kept in"
    )
    assert "  macro F1" in text.stdout and "  future work" in text.stdout

    measured = kg(path, "evaluate", "-m", "roles", str(HELDOUT), "--format", "json")
    assert measured.exit_code == 0 and json.loads(measured.stdout)["roles"]["macro_f1"] >= 0.8
    table = kg(path, "evaluate", "-m", "roles", str(HELDOUT))
    assert table.stdout.splitlines()[1].split() == ["role", "precision", "recall", "F1", "support"]

    ran = kg(path, "run", "-m", "roles", "--paper", OTHER)
    assert ran.exit_code == 0
    assert ran.stdout.startswith(
        f"labelled 6 citations of {OTHER} with model:roles into "
        f"<{TEST_BASE}model/roles/citations/doi/10.5555/annotate.other> ("
    )
    hub = runner.invoke(app, ["--store", str(path), "hub", OTHER])
    assert "6 citing papers · 6 with a role · 0 unclassified" in hub.stdout and "Citation roles" in hub.stdout
    as_json = kg(path, "run", "-m", "roles", "--format", "json")
    assert json.loads(as_json.stdout)["citations"] == 11


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["run", "-m", "nope"], 2, "error: there is no model 'nope' in"),
        (["run", "-m", "../x"], 2, "error: '../x' is no model name"),
        (["run", "-m", "roles", "--paper", "doi:10.1/absent"], 3, "error: no paper in the store has the id"),
        (["evaluate", "-m", "roles", str(DATA / "index-coci.csv")], 2, "error: "),
        (["evaluate", "-m", "roles", "missing.jsonl"], 2, "error: missing.jsonl: no such file"),
        (["train", "-m", "x", "--from", str(DATA / "index-coci.csv")], 2, "it is opencitations-index"),
    ],
)
def test_bad_commands_exit_with_their_code(trained: Store, args: list[str], code: int, said: str) -> None:
    path = trained.path
    assert path is not None
    trained.close()
    result = kg(path, *args)
    assert result.exit_code == code
    assert said in result.stderr and "Traceback" not in result.stderr


def test_the_commands_defaults_are_the_librarys() -> None:
    import inspect

    from kg import cli

    defaults = inspect.signature(cli.annotate_train).parameters
    assert (defaults["seed"].default, defaults["folds"].default) == (annotate.DEFAULT_SEED, annotate.FOLDS)


def test_the_hub_page_says_which_roles_a_model_made(trained: Store) -> None:
    """kg serve's hub page of a paper a model labelled names the model and its measured F1."""
    from kg.serve import Settings, create_app

    from .test_serve import fetch, serving
    from .test_serve_pages import BROWSER, Page

    annotate.run(trained, "roles")
    expected = summary(trained, OTHER)
    assert expected.models
    folder = trained.path
    assert folder is not None
    trained.close()
    with serving(create_app(folder, Settings())) as url:
        status, _, body = fetch(f"{url}/hub/{OTHER}", accept=BROWSER)
    assert status == 200
    assert Page(body.decode()).text("models").startswith(expected.model_lines[0])
