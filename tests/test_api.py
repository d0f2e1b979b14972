"""The public API is named once, in kg/__init__.py; this pins it so a change to it is deliberate."""

import subprocess
import sys

import kg


def test_public_api() -> None:
    assert kg.__all__ == [
        "Annotation",
        "Citation",
        "CitekgError",
        "HubSummary",
        "InvalidArgument",
        "InvalidInput",
        "InvalidSetting",
        "LoadReport",
        "Paper",
        "PaperId",
        "QueryError",
        "QueryTimeout",
        "RecordError",
        "RemoteError",
        "RestoreReport",
        "Settings",
        "Source",
        "Stats",
        "Store",
        "StoreBusy",
        "UnknownPaper",
        "Validation",
        "citing",
        "drop",
        "export",
        "hub_summary",
        "load",
        "open",
        "parse_id",
        "restore",
        "run_query",
        "sources",
        "store_stats",
        "validate",
    ]
    for name in kg.__all__:
        assert getattr(kg, name) is not None


def test_importing_kg_imports_only_what_is_used() -> None:
    """``import kg`` is cheap (each name is imported when first used): neither pydantic nor rdflib
    comes with it, and the hub needs neither."""
    probe = "import sys, kg; kg.hub_summary; print(sorted({'pydantic', 'rdflib'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_library_does_what_the_readme_says(tmp_path) -> None:
    from .conftest import EXAMPLE

    with kg.Store(tmp_path / "store") as store:
        kg.load(store, EXAMPLE)
        assert kg.hub_summary(store, "arxiv:2402.13929").headline == (
            "Mixed citation behavior. Most common role is background (50%)."
        )
        assert kg.store_stats(store).citations == 34
