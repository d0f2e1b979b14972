"""The wheel that ``pip install`` builds holds everything the package reads at run time: a module or
data file missing from it works in the editable checkout and fails for every user who installs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT


def test_the_wheel_holds_every_module_query_template_and_data_file(tmp_path: Path) -> None:
    source = tmp_path / "source"
    archive = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True)
    for name in archive.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("citekg-*.whl")
    held = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        *(f"kg/{path.relative_to(source / 'kg')}" for path in (source / "kg").rglob("*.py")),
        *(f"kg/templates/{path.name}" for path in (source / "kg" / "templates").iterdir()),
        *(f"kg/_queries/{path.name}" for path in (source / "queries").glob("*.rq")),
        *(f"kg/_ontology/{path.name}" for path in (source / "ontology").glob("*.ttl")),
        *(f"kg/_exports/{path.name}" for path in (source / "exports").glob("*.jsonld")),
    }
    assert sorted(expected - held) == []
