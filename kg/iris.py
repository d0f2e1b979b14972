"""citekg's IRIs, minted under one base deterministically from ids (never from free text), and the
names of its graphs: a source's graph from the file's path, the parts that keep a source's own RDF,
the consensus and the aliases graph."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import quote, unquote

import pyoxigraph as ox

from kg.errors import InvalidSetting
from kg.ids import PaperId

DEFAULT_BASE = "https://w3id.org/citekg/data/"
PART = "#as-published"  # how the graphs that keep a source file's own triples are named (Minter.part_graph)


def is_part(graph: str) -> bool:
    """Whether a graph keeps a source file's own triples (a part of its source graph)."""
    return PART in graph


def parts_of(source: str, graphs: Iterable[str]) -> list[str]:
    """The parts of a source graph among these graphs."""
    return [graph for graph in graphs if graph.startswith(source + PART)]


_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")  # an IRI's scheme (a path has none)


def check_base(base: str) -> str:
    """The base, if citekg can mint under it: an absolute IRI that ends in / or #."""
    try:
        ox.NamedNode(base)
    except ValueError as error:
        raise InvalidSetting(f"the IRI base <{base}> is not a valid IRI: {error}") from None
    if not _ABSOLUTE.match(base):
        raise InvalidSetting(f"the IRI base <{base}> is not absolute; give one such as {DEFAULT_BASE}")
    if not base.endswith(("/", "#")):
        raise InvalidSetting(
            f"the IRI base <{base}> must end in / or #: every IRI citekg mints is the base and a path"
        )
    return base


def _hash(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:24]


class Minter:
    """Mints citekg's IRIs under one base, deterministically from ids.

    >>> Minter("http://example.org/kg").base  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    kg.errors.InvalidSetting: the IRI base <http://example.org/kg> must end in / or #: every IRI ...
    """

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = check_base(base)

    def paper(self, paper_id: PaperId) -> str:
        return f"{self.base}paper/{paper_id.scheme}/{quote(paper_id.value, safe='/')}"

    def paper_id(self, iri: str) -> PaperId | None:
        """The id a paper IRI of this store was minted from (None for any other IRI): the inverse of
        ``paper``, for links by id.

        >>> Minter("https://example.org/kg/").paper_id("https://example.org/kg/paper/doi/10.1/a%20b")
        PaperId(scheme='doi', value='10.1/a b')
        """
        scheme, slash, value = iri.removeprefix(self.base + "paper/").partition("/")
        if not iri.startswith(self.base + "paper/") or not slash or not value:
            return None
        return PaperId(scheme, unquote(value))

    def identifier(self, scheme: str, value: str) -> str:
        return f"{self.base}id/{scheme}/{quote(value, safe='/')}"

    def citation(self, citing_iri: str, cited_iri: str) -> str:
        return f"{self.base}citation/{_hash(citing_iri, cited_iri)}"

    def author(self, paper: str, position: int, name: str, orcid: str | None = None) -> str:
        """An author: by ORCID where there is one, else by the paper, the place in its author list
        and the name (``identity`` mints it again when the paper's IRI changes)."""
        if orcid:
            return f"{self.base}agent/orcid/{orcid}"
        return f"{self.base}agent/{_hash(paper, position, name)}"

    def role(self, graph: str, paper: str, position: int) -> str:
        """The author role at ``position`` (from 0) in a paper's author list, as one source gives it."""
        return f"{self.base}role/{_hash(graph, paper, position)}"

    def annotation(self, graph: str, *record: object) -> str:
        """An annotation: by its graph and what its record says."""
        return f"{self.base}annotation/{_hash(graph, *record)}"

    def notice(self, paper: str, nature: str, doi: str | None, *record: object) -> str:
        """An editorial notice: named by its DOI where it has one (so that every source reporting it
        describes one node), otherwise by what the record says of it."""
        if doi is not None:
            return f"{self.base}notice/doi/{quote(doi, safe='/')}"
        return f"{self.base}notice/{_hash(paper, nature, *record)}"

    def agreement_cell(self, first: str, second: str, first_role: str, second_role: str) -> str:
        """The tally of citations two annotators gave these roles (``tallies``)."""
        return f"{self.base}agreement/{_hash(first, second, first_role, second_role)}"

    def annotator(self, annotator_id: str) -> str:
        return f"{self.base}annotator/{quote(annotator_id, safe='')}"

    def graph(self, name: str) -> str:
        """A source graph: a name (a file's path, say) is minted under the base, an absolute IRI is
        kept, and ``consensus`` and ``aliases`` name citekg's own graphs."""
        if name in ("consensus", "aliases"):
            return self.consensus_graph if name == "consensus" else self.aliases_graph
        if _ABSOLUTE.match(name):
            return name
        return self.source_graph(name)

    def source_graph(self, name: str) -> str:
        """The graph of a source named ``name`` (a file's path, say), always under the base."""
        return f"{self.base}graph/{quote(name, safe='/')}"

    def part_graph(self, source: str, published_in: str | None) -> str:
        """The graph that keeps, as the file has them, the triples a source file put in its default
        graph (``published_in`` None) or in its graph ``published_in``: named after the source graph,
        past a ``#`` that no source graph minted here holds, so that its parts are found by name."""
        part = source + PART
        return part if published_in is None else f"{part}:{quote(published_in, safe='')}"

    @property
    def aliases_graph(self) -> str:
        """The IRIs citekg once minted for papers and citations that turned out to be others, each
        ``owl:sameAs`` the one that names it now (``identity``): a published IRI never goes away."""
        return f"{self.base}aliases"

    @property
    def dataset(self) -> str:
        """The store as a VoID dataset: its class partitions count the papers, citations and
        annotations it holds (kept in the consensus graph, and in ``kg serve``'s description)."""
        return f"{self.base}void"

    def class_partition(self, cls: str) -> str:
        """The dataset's VoID class partition of a class, named by the class's local name."""
        return f"{self.dataset}#{cls.rsplit('/', 1)[-1].rsplit('#', 1)[-1]}"

    @property
    def consensus_graph(self) -> str:
        """citekg's own graph, outside ``graph/`` so that no source can be named like it."""
        return f"{self.base}consensus"
