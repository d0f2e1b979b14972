"""The README's first lines are the two commands a newcomer runs; .ci/run must run the second."""

from .conftest import ROOT


def commands() -> list[str]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[:20] if line.startswith(("    python3 -m venv", "    .ci/"))]


def test_readme_starts_with_the_two_commands() -> None:
    setup_and_hub, setup_and_test = commands()
    assert "kg load examples/hub.jsonl" in setup_and_hub and "kg hub arxiv:2402.13929" in setup_and_hub
    assert "pytest" in setup_and_test


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands()[1] in ci
