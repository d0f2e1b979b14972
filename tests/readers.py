"""Independent readers of what citekg writes, from Debian's packages: raptor's rapper, serd's serdi and
Apache Jena's RIOT (which also checks every literal's lexical form against its datatype)."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from functools import cache
from pathlib import Path

import pytest

JAVA = Path("/usr/share/java")
# What riot needs of Debian's libapache-jena-java and its dependencies, and an slf4j binding that
# prints its warnings (errors about literals are warnings, and exit 1).
JENA_JARS = (
    *("jena-arq", "jena-base", "jena-cmds", "jena-core", "jena-iri", "jena-rdfconnection", "jena-shacl"),
    *("jena-shex", "jena-tdb", "jena-tdb2", "jena-dboe-base", "jena-dboe-index", "jena-dboe-storage"),
    *("jena-dboe-trans-data", "jena-dboe-transaction", "commons-cli", "commons-codec", "commons-compress"),
    *("commons-csv", "commons-io", "commons-lang3", "dexx.collection", "gson", "guava", "httpclient"),
    *("httpclient-cache", "jackson-core", "jackson-databind", "jsonld-java", "jakarta.json-api"),
    *("protobuf", "protobuf-util", "thrift", "titanium-json-ld", "slf4j-api", "slf4j-simple"),
)
# The syntaxes of citekg's export formats, by their names in rapper and serdi (riot takes the same).
SYNTAXES = {"turtle": "turtle", "ntriples": "ntriples", "nquads": "nquads", "trig": "trig"}


def needed(tool: str) -> None:
    """Skip without the tool; in CI, where .ci/system-packages installs it, fail."""
    if os.environ.get("CI"):
        pytest.fail(f"CI installs {tool} (.ci/system-packages)")
    pytest.skip(f"{tool} is not installed")


@cache
def _jena_classpath(bundles: Path) -> str:
    """Debian's Jena rebuilt its bundled Xerces under the package ``xerces`` but left the message
    bundles under their old path: Jena does not start until they are on the classpath where the
    classes look for them."""
    with zipfile.ZipFile(JAVA / "jena-core.jar") as jar:
        for name in jar.namelist():
            old = "org/apache/jena/ext/xerces/"
            if name.startswith(old) and name.endswith(".properties"):
                target = bundles / "xerces" / name.removeprefix(old)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    return ":".join([str(bundles), *(str(JAVA / f"{jar}.jar") for jar in JENA_JARS)])


def rapper_or_serdi(reader: str, syntax: str, data: bytes) -> str:
    """What Debian's rapper or serdi reads from ``data``, as N-Triples / N-Quads (strict: an error
    fails the test)."""
    if shutil.which(reader) is None:
        needed(reader)
    output = "nquads" if syntax in ("nquads", "trig") else "ntriples"
    command = (
        ["rapper", "-q", "-i", syntax, "-o", output, "-", "http://example.org/"]
        if reader == "rapper"
        else ["serdi", "-i", syntax, "-o", output, "-"]
    )
    done = subprocess.run(command, input=data, capture_output=True, check=False)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr.decode()[:500]
    return done.stdout.decode()


def riot(data: bytes, syntax: str, folder: Path) -> None:
    """Jena RIOT's strict reading of ``data`` (--validate: syntax, IRIs and literals); fails the test
    with what it says when it finds anything."""
    if shutil.which("java") is None or not (JAVA / "jena-core.jar").exists():
        needed("libapache-jena-java")
    source = folder / f"riot-input.{syntax}"
    source.write_bytes(data)
    command = ["java", "-cp", _jena_classpath(folder / "jena-bundles"), "riotcmd.riot", "--validate"]
    done = subprocess.run([*command, f"--syntax={syntax}", str(source)], capture_output=True)
    said = (done.stdout + done.stderr).decode(errors="replace")
    assert done.returncode == 0 and "WARN" not in said and "ERROR" not in said, said[:1000]
