"""Mapping records onto citekg's RDF model, written as N-Quads lines.

The model (``ontology/citekg.ttl`` says it in full):

- a paper is a ``fabio:Expression`` with ``datacite:hasIdentifier`` links to one identifier node per id
  (``datacite:usesIdentifierScheme``, ``literal:hasLiteralValue``), ``dcterms:title``,
  ``dcterms:abstract``, ``ckg:summary``, ``fabio:hasPublicationYear``, ``prism:publicationDate``,
  ``dcterms:creator`` and ``prism:publicationName``;
- a citation is a ``cito:Citation`` (``cito:hasCitingEntity``, ``cito:hasCitedEntity``,
  ``cito:hasCitationCreationDate``, ``ckg:context``) beside the direct edge ``cito:cites``;
- an annotation is an ``oa:Annotation`` whose target is the citation and whose bodies are the role and
  polarity concepts, with ``ckg:confidence``, ``prov:wasAttributedTo`` its annotator and
  ``dcterms:created``.

Records become text rather than pyoxigraph objects because the store's bulk loader parses N-Quads far
faster than Python builds terms. Every IRI comes from ``kg.iris`` (from ids, never from free text), and
every literal goes through ``literal`` so the lines are always valid N-Quads.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import quote

from kg.ids import PaperId
from kg.iris import Minter

if TYPE_CHECKING:  # the models cost pydantic's import; mapping needs only their fields
    from kg.records import Annotation, Author, Citation, Notice, Paper
from kg.nquads import iri, literal, quad
from kg.vocab import (
    CITO,
    CKG,
    DATACITE,
    DCTERMS,
    FABIO,
    FOAF,
    LITERAL,
    NOTICE_CITO,
    OA,
    OCO,
    OWL,
    PRISM,
    PRO,
    PROV,
    RDF,
    RDFS,
    XSD,
    AnnotatorKind,
    Polarity,
    Role,
)

_SCHEME_IRI = {
    "doi": DATACITE["doi"],
    "arxiv": DATACITE["arxiv"],
    "pmid": DATACITE["pmid"],
    "pmcid": DATACITE["pmcid"],
    "openalex": DATACITE["openalex"],
    "omid": DATACITE["omid"],
    "s2": CKG["s2"],
    "corpusid": CKG["corpusid"],
    "acl": CKG["acl"],
    "ref": CKG["ref"],
    "orcid": DATACITE["orcid"],
    "oci": DATACITE["oci"],
}
# Where a scheme's registry publishes the thing an id names: DOI's resolver, OpenCitations Meta and Index.
LINKED = {
    "doi": "https://doi.org/",
    "omid": "https://w3id.org/oc/meta/",
    "oci": "https://w3id.org/oc/index/ci/",
}
_IRI_SAFE = "/:;@&=+$,!~*'()"  # kept as they are in the registry's IRI; '#', '?', '%' and the rest encoded
_DATE_TYPES = {4: XSD["gYear"], 7: XSD["gYearMonth"], 10: XSD["date"]}
_GYEAR, _DECIMAL, _DATETIME, _DURATION = XSD["gYear"], XSD["decimal"], XSD["dateTime"], XSD["duration"]
_BOOLEAN = XSD["boolean"]


A = iri(RDF["type"])
HAS_IDENTIFIER = iri(DATACITE["hasIdentifier"])
_T = {
    name: iri(term)
    for name, term in {
        "Expression": FABIO["Expression"],
        "Identifier": DATACITE["Identifier"],
        "usesIdentifierScheme": DATACITE["usesIdentifierScheme"],
        "hasLiteralValue": LITERAL["hasLiteralValue"],
        "title": DCTERMS["title"],
        "abstract": DCTERMS["abstract"],
        "summary": CKG["summary"],
        "year": FABIO["hasPublicationYear"],
        "date": PRISM["publicationDate"],
        "venue": PRISM["publicationName"],
        "creator": DCTERMS["creator"],
        "Agent": FOAF["Agent"],
        "name": FOAF["name"],
        "label": RDFS["label"],
        "cites": CITO["cites"],
        "Citation": CITO["Citation"],
        "citing": CITO["hasCitingEntity"],
        "cited": CITO["hasCitedEntity"],
        "created": DCTERMS["created"],
        "citationDate": CITO["hasCitationCreationDate"],
        "timeSpan": CITO["hasCitationTimeSpan"],
        "influential": CKG["isInfluential"],
        "AuthorSelfCitation": CITO["AuthorSelfCitation"],
        "JournalSelfCitation": CITO["JournalSelfCitation"],
        "context": CKG["context"],
        "Annotation": OA["Annotation"],
        "motivatedBy": OA["motivatedBy"],
        "classifying": OA["classifying"],
        "target": OA["hasTarget"],
        "body": OA["hasBody"],
        "TextualBody": OA["TextualBody"],
        "purpose": OA["purpose"],
        "commenting": OA["commenting"],
        "value": RDF["value"],
        "confidence": CKG["confidence"],
        "attributedTo": PROV["wasAttributedTo"],
        "sameAs": OWL["sameAs"],
        "contextFor": PRO["isDocumentContextFor"],
        "RoleInTime": PRO["RoleInTime"],
        "withRole": PRO["withRole"],
        "author": PRO["author"],
        "heldBy": PRO["isHeldBy"],
        "next": OCO["hasNext"],
        "Notice": CKG["Notice"],
        "nature": CKG["noticeNature"],
        "concerns": CKG["concerns"],
        "noticeDate": DCTERMS["date"],
        "doi": PRISM["doi"],
        "reason": CKG["reason"],
        "source": DCTERMS["source"],
        "record": DCTERMS["identifier"],
    }.items()
}


_LABEL_IRI: dict[Role | Polarity, str] = {label: iri(label.iri) for label in (*Role, *Polarity)}


def year_literal(value: int) -> str:
    """A publication year as its literal term (``xsd:gYear``, four digits), the one way citekg writes
    one: in a source's graph and in the consensus."""
    return literal(f"{value:04d}", _GYEAR)


def decimal(value: float, places: int = 12) -> str:
    """A share or a confidence as an ``xsd:decimal``, always with a decimal point: Virtuoso's SPARQL
    reads ``"1"^^xsd:decimal`` as an integer. (Stores write decimals back in their own canonical form,
    Oxigraph ``1`` for ``1.0``, and every reader of an export then sees that form: decimals, unlike
    doubles, keep it through pyld and jsonld.js.)

    >>> decimal(1.0), decimal(0.85), decimal(1 / 3, 6), decimal(1e-7)
    ('1.0', '0.85', '0.333333', '0.0000001')
    """
    text = format(Decimal(repr(round(value, places))).normalize(), "f")
    return text if "." in text else f"{int(text)}.0"


@dataclass(frozen=True)
class CitationRef:
    """A citation a record names: its IRI, its papers, and whether the store may hold it already."""

    iri: str
    citing: str
    cited: str
    maybe_stored: bool  # both papers were in the store before this load


@dataclass(frozen=True)
class Mapped:
    quads: str
    citation: CitationRef | None = None
    annotation: str | None = None
    paper: str | None = None  # the IRI of a paper record's paper


Resolver = Callable[[PaperId], str | None]


class Mapper:
    """Turns records into N-Quads lines for one source graph.

    ``resolve`` finds the IRI of a paper the store already holds under an id (or None); ids it does
    not know are minted. Papers seen recently are remembered in a bounded table so that their type
    and identifier triples are not written again and again: memory stays flat whatever the file size.
    """

    def __init__(
        self,
        minter: Minter,
        graph: str,
        resolve: Resolver,
        source: str | None = None,
        remembered: int = 200_000,
    ) -> None:
        self.minter = minter
        self.graph_name = graph
        self.source = source or graph  # the annotator of annotations that name none
        self.graph = iri(graph)
        self._resolve = resolve
        self._papers: OrderedDict[PaperId, tuple[str, bool]] = OrderedDict()
        self._remembered = remembered
        self._annotators: set[str] = set()
        self._annotator_iris: dict[str, str] = {}
        self.links_ids = False  # a paper record named a paper by several ids: papers may need merging

    def map(self, record: Paper | Citation | Annotation | Notice) -> Mapped:
        """The record's quads, and the citation it names (for the consensus), if any."""
        if record.type == "paper":
            iri = self._paper_node(record)
            return Mapped("".join(self._paper(iri, record)), paper=iri)
        if record.type == "notice":
            return Mapped("".join(self._notice(record)))
        citation, quads = self._citation_quads(record.citing, record.cited)
        if record.type == "citation":
            return Mapped("".join(quads) + "".join(self._citation(citation.iri, record)), citation)
        annotation = self.annotation_iri(record)
        more = "".join(self._annotation(citation.iri, annotation, record))
        return Mapped("".join(quads) + more, citation, annotation)

    def paper_iri(self, paper_id: PaperId) -> tuple[str, bool, list[str]]:
        """The paper's IRI, whether the store had it, and the quads that introduce it to this graph
        (none when the graph named it lately)."""
        known = self._papers.get(paper_id)
        if known is not None:
            self._papers.move_to_end(paper_id)
            return known[0], known[1], []
        stored = self._resolve(paper_id)
        node = stored or self.minter.paper(paper_id)
        self._remember(paper_id, node, stored is not None)
        return (
            node,
            stored is not None,
            [quad(iri(node), A, _T["Expression"], self.graph), *self._identifier(node, paper_id)],
        )

    def _remember(self, paper_id: PaperId, iri: str, stored: bool) -> None:
        self._papers[paper_id] = (iri, stored)
        if len(self._papers) > self._remembered:
            self._papers.popitem(last=False)

    def _identifier(self, paper: str, paper_id: PaperId) -> list[str]:
        return self._identifier_quads(paper, paper_id.scheme, paper_id.value) + self._link_out(
            paper, paper_id.scheme, paper_id.value
        )

    def _link_out(self, subject: str, scheme: str, value: str) -> list[str]:
        """``owl:sameAs`` the IRI that the id's own registry gives the thing (``LINKED``), so that
        citekg's graphs and the registry's RDF name one paper, one citation, linked."""
        if scheme not in LINKED:
            return []
        linked = LINKED[scheme] + quote(value, safe=_IRI_SAFE)
        return [quad(iri(subject), _T["sameAs"], iri(linked), self.graph)]

    def _identifier_quads(self, subject: str, scheme: str, value: str) -> list[str]:
        identifier = f"<{self.minter.identifier(scheme, value)}>"
        g = self.graph
        return [
            quad(iri(subject), HAS_IDENTIFIER, identifier, g),
            quad(identifier, A, _T["Identifier"], g),
            quad(identifier, _T["usesIdentifierScheme"], iri(_SCHEME_IRI[scheme]), g),
            quad(identifier, _T["hasLiteralValue"], literal(value), g),
        ]

    def _paper_node(self, paper: Paper) -> str:
        ids = paper.all_ids
        self.links_ids = self.links_ids or len(ids) > 1
        # A paper the store knows under any of its ids keeps that node; identity.py later renames
        # it to the IRI of its best id, so the result does not depend on the order of loading.
        stored = next((found for found in map(self._resolve, ids) if found), None)
        iri = stored or self.minter.paper(ids[0])
        for paper_id in ids:
            self._remember(paper_id, iri, stored is not None)
        return iri

    def _paper(self, node: str, paper: Paper) -> Iterator[str]:
        s, g = iri(node), self.graph
        yield quad(s, A, _T["Expression"], g)
        for paper_id in paper.all_ids:
            yield from self._identifier(node, paper_id)
        for field, value in (
            ("title", paper.title),
            ("abstract", paper.abstract),
            ("summary", paper.summary),
            ("venue", paper.venue),
        ):
            if value is not None:
                yield quad(s, _T[field], literal(value), g)
        if (published := paper.publication_year) is not None:
            yield quad(s, _T["year"], year_literal(published), g)
        if paper.date is not None:
            yield quad(s, _T["date"], literal(paper.date, _DATE_TYPES[len(paper.date)]), g)
        for position, author in enumerate(paper.authors):
            yield from self._author(node, position, author, last=position == len(paper.authors) - 1)

    def _author(self, paper: str, position: int, author: Author, last: bool) -> Iterator[str]:
        """The author, and its place in the author list as OpenCitations keeps it: a pro:RoleInTime
        for each author, in the paper's context, each role oco:hasNext the one after it."""
        agent = self.minter.author(paper, position, author.name, author.orcid)
        role, g = f"<{self.minter.role(self.graph_name, paper, position)}>", self.graph
        yield quad(iri(paper), _T["creator"], iri(agent), g)
        yield quad(iri(paper), _T["contextFor"], role, g)
        yield quad(role, A, _T["RoleInTime"], g)
        yield quad(role, _T["withRole"], _T["author"], g)
        yield quad(role, _T["heldBy"], iri(agent), g)
        if not last:
            yield quad(role, _T["next"], f"<{self.minter.role(self.graph_name, paper, position + 1)}>", g)
        yield quad(iri(agent), A, _T["Agent"], g)
        yield quad(iri(agent), _T["name"], literal(author.name), g)
        if author.orcid:
            yield from self._identifier_quads(agent, "orcid", author.orcid)

    def _citation_quads(self, citing_id: PaperId, cited_id: PaperId) -> tuple[CitationRef, list[str]]:
        citing, citing_stored, citing_quads = self.paper_iri(citing_id)
        cited, cited_stored, cited_quads = self.paper_iri(cited_id)
        ref = CitationRef(self.minter.citation(citing, cited), citing, cited, citing_stored and cited_stored)
        citation = iri(ref.iri)
        g = self.graph
        return ref, [
            *citing_quads,
            *cited_quads,
            quad(iri(citing), _T["cites"], iri(cited), g),
            quad(citation, A, _T["Citation"], g),
            quad(citation, _T["citing"], iri(citing), g),
            quad(citation, _T["cited"], iri(cited), g),
        ]

    def _citation(self, node: str, record: Citation) -> Iterator[str]:
        citation = iri(node)
        if record.date is not None:
            date = literal(record.date, _DATE_TYPES[len(record.date)])
            yield quad(citation, _T["citationDate"], date, self.graph)
        for context in record.contexts:
            yield quad(citation, _T["context"], literal(context), self.graph)
        if record.timespan is not None:
            yield quad(citation, _T["timeSpan"], literal(record.timespan, _DURATION), self.graph)
        if record.author_self_citation:
            yield quad(citation, A, _T["AuthorSelfCitation"], self.graph)
        if record.journal_self_citation:
            yield quad(citation, A, _T["JournalSelfCitation"], self.graph)
        if record.influential is not None:
            flag = "true" if record.influential else "false"
            yield quad(citation, _T["influential"], literal(flag, _BOOLEAN), self.graph)
        if record.oci is not None:
            yield from self._identifier_quads(node, "oci", record.oci)
            yield from self._link_out(node, "oci", record.oci)

    def _notice(self, record: Notice) -> Iterator[str]:
        """The notice as a resource of its own, ``ckg:concerns`` the paper (and, for a retraction or a
        correction, CiTO's ``cito:retracts`` or ``cito:corrects``: the notice is the citing entity)."""
        paper, _, introduced = self.paper_iri(record.paper)
        nature = record.nature
        node = self.minter.notice(paper, nature.value, record.doi, record.date, record.source, record.record)
        s, g = iri(node), self.graph
        yield from introduced
        yield quad(s, A, _T["Notice"], g)
        yield quad(s, _T["nature"], iri(nature.iri), g)
        yield quad(s, _T["concerns"], iri(paper), g)
        if nature in NOTICE_CITO:
            yield quad(s, iri(NOTICE_CITO[nature]), iri(paper), g)
        if record.date is not None:
            yield quad(s, _T["noticeDate"], literal(record.date, _DATE_TYPES[len(record.date)]), g)
        if record.doi is not None:
            yield quad(s, _T["doi"], literal(record.doi), g)
            yield from self._link_out(node, "doi", record.doi)
        for reason in record.reasons:
            yield quad(s, _T["reason"], literal(reason), g)
        if record.source is not None:
            yield quad(s, _T["source"], literal(record.source), g)
        if record.record is not None:
            yield quad(s, _T["record"], literal(record.record), g)

    def annotation_iri(self, record: Annotation) -> str:
        """An annotation's IRI: the same record in the same graph always gets the same one."""
        annotator = record.annotator.id if record.annotator else self.source
        parts = (
            record.citing,
            record.cited,
            annotator,
            record.role,
            record.polarity,
            record.confidence,
            record.created,
            record.rationale,
        )
        return self.minter.annotation(self.graph_name, *parts)

    def annotator_iri(self, record: Annotation) -> str:
        """Who made an annotation: the annotator it names, or else its source (minted once each)."""
        annotator_id = record.annotator.id if record.annotator else self.source
        minted = self._annotator_iris.get(annotator_id)
        if minted is None:
            minted = self._annotator_iris[annotator_id] = self.minter.annotator(annotator_id)
        return minted

    def _annotation(self, node: str, annotation_iri: str, record: Annotation) -> Iterator[str]:
        citation = iri(node)
        annotator_id, kind = self.source, AnnotatorKind.MODEL  # an annotation that names no annotator
        if record.annotator is not None:
            annotator_id, kind = record.annotator.id, record.annotator.kind
        agent = f"<{self.annotator_iri(record)}>"
        annotation = iri(annotation_iri)
        g = self.graph
        yield quad(annotation, A, _T["Annotation"], g)
        yield quad(annotation, _T["motivatedBy"], _T["classifying"], g)
        yield quad(annotation, _T["target"], citation, g)
        if record.role is not None:
            yield quad(annotation, _T["body"], _LABEL_IRI[record.role], g)
        if record.polarity is not None:
            yield quad(annotation, _T["body"], _LABEL_IRI[record.polarity], g)
        if record.confidence is not None:
            yield quad(annotation, _T["confidence"], literal(decimal(record.confidence), _DECIMAL), g)
        yield quad(annotation, _T["attributedTo"], agent, g)
        if record.created is not None:
            created = record.created if record.created.tzinfo else record.created.replace(tzinfo=UTC)
            stamp = created.isoformat().replace("+00:00", "Z")
            yield quad(annotation, _T["created"], literal(stamp, _DATETIME), g)
        if record.rationale is not None:
            body = f"<{annotation[1:-1]}#rationale>"
            yield quad(annotation, _T["body"], body, g)
            yield quad(body, A, _T["TextualBody"], g)
            yield quad(body, _T["purpose"], _T["commenting"], g)
            yield quad(body, _T["value"], literal(record.rationale), g)
        if agent not in self._annotators:
            self._annotators.add(agent)
            yield quad(agent, A, iri(kind.iri), g)
            yield quad(agent, _T["label"], literal(annotator_id), g)
