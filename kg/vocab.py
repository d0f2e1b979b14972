"""The vocabularies citekg writes: namespaces, citation roles and polarities.

Roles and polarities are SKOS concepts in citekg's namespace (``ontology/citekg.ttl`` describes them
and maps each to CiTO and to the labels of the sources). Their order here is the tie-break precedence
the consensus rules use.
"""

from __future__ import annotations

from enum import StrEnum

from pyoxigraph import NamedNode


class Namespace(str):
    """An IRI prefix; ``NS["term"]`` gives the term as a pyoxigraph NamedNode.

    >>> CITO["cites"]
    <NamedNode value=http://purl.org/spar/cito/cites>
    """

    def __getitem__(self, term: str) -> NamedNode:  # type: ignore[override]
        return NamedNode(self + term)


CKG = Namespace("https://w3id.org/citekg/ontology#")
CITO = Namespace("http://purl.org/spar/cito/")
FABIO = Namespace("http://purl.org/spar/fabio/")
DATACITE = Namespace("http://purl.org/spar/datacite/")
LITERAL = Namespace("http://www.essepuntato.it/2010/06/literalreification/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PRISM = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
VOID = Namespace("http://rdfs.org/ns/void#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
PRO = Namespace("http://purl.org/spar/pro/")
OCO = Namespace("https://w3id.org/oc/ontology/")
SPDX = Namespace("http://spdx.org/rdf/terms#")

PREFIXES: dict[str, str] = {
    "ckg": str(CKG),
    "cito": str(CITO),
    "fabio": str(FABIO),
    "datacite": str(DATACITE),
    "literal": str(LITERAL),
    "dcterms": str(DCTERMS),
    "prism": str(PRISM),
    "prov": str(PROV),
    "oa": str(OA),
    "skos": str(SKOS),
    "foaf": str(FOAF),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "void": str(VOID),
    "owl": str(OWL),
    "pro": str(PRO),
    "oco": str(OCO),
    "spdx": str(SPDX),
}


class Role(StrEnum):
    """Why a paper is cited. Declared in tie-break precedence order (method wins ties)."""

    METHOD = "method"
    COMPARISON = "comparison"
    EXTENSION = "extension"
    MOTIVATION = "motivation"
    FUTURE_WORK = "future_work"
    BACKGROUND = "background"

    @property
    def iri(self) -> NamedNode:
        return CKG["role-" + self.value.replace("_", "-")]

    @property
    def cito(self) -> NamedNode:
        """The CiTO property that characterises a citation with this role."""
        return CITO[_ROLE_TO_CITO[self]]


class Polarity(StrEnum):
    """How the citing paper stands towards the cited one. Declared in tie-break precedence order."""

    NEGATIVE = "negative"
    POSITIVE = "positive"
    NEUTRAL = "neutral"

    @property
    def iri(self) -> NamedNode:
        return CKG["polarity-" + self.value]


class NoticeNature(StrEnum):
    """What an editorial notice says of a paper (Retraction Watch's natures; Crossref's update types map
    onto them)."""

    RETRACTION = "retraction"
    EXPRESSION_OF_CONCERN = "expression_of_concern"
    CORRECTION = "correction"
    REINSTATEMENT = "reinstatement"

    @property
    def iri(self) -> NamedNode:
        return CKG["notice-" + self.value.replace("_", "-")]

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def contests(self) -> bool:
        """Whether the notice puts the paper's findings in doubt (a retraction, an expression of concern)."""
        return self in (NoticeNature.RETRACTION, NoticeNature.EXPRESSION_OF_CONCERN)


# Retraction Watch's natures and Crossref's update types (``update-to``), lower-cased, with - and _ as spaces.
NOTICE_SYNONYMS: dict[str, NoticeNature] = {
    "retraction": NoticeNature.RETRACTION,
    "partial retraction": NoticeNature.RETRACTION,
    "withdrawal": NoticeNature.RETRACTION,
    "removal": NoticeNature.RETRACTION,
    "expression of concern": NoticeNature.EXPRESSION_OF_CONCERN,
    "correction": NoticeNature.CORRECTION,
    "corrigendum": NoticeNature.CORRECTION,
    "erratum": NoticeNature.CORRECTION,
    "reinstatement": NoticeNature.REINSTATEMENT,
}

# The CiTO property a notice of each nature states of the paper, where CiTO has one (the notice is the citing
# entity: "the citing entity constitutes a formal retraction of the cited entity").
NOTICE_CITO: dict[NoticeNature, NamedNode] = {
    NoticeNature.RETRACTION: CITO["retracts"],
    NoticeNature.CORRECTION: CITO["corrects"],
}


class AnnotatorKind(StrEnum):
    MODEL = "model"
    HUMAN = "human"

    @property
    def iri(self) -> NamedNode:
        return PROV["SoftwareAgent"] if self is AnnotatorKind.MODEL else PROV["Person"]


_ROLE_TO_CITO = {
    Role.BACKGROUND: "obtainsBackgroundFrom",
    Role.METHOD: "usesMethodIn",
    Role.COMPARISON: "citesAsRelated",
    Role.EXTENSION: "extends",
    Role.MOTIVATION: "obtainsSupportFrom",
    Role.FUTURE_WORK: "citesAsPotentialSolution",
}

# The direct CiTO edge (or citekg's own, for neutral) the consensus states for each polarity.
POLARITY_EDGE: dict[Polarity, NamedNode] = {
    Polarity.POSITIVE: CITO["agreesWith"],
    Polarity.NEGATIVE: CITO["disagreesWith"],
    Polarity.NEUTRAL: CKG["citesWithoutStance"],
}

# Labels the common sources use (Semantic Scholar intents, SciCite, ACL-ARC, scite), lower-cased.
ROLE_SYNONYMS: dict[str, Role] = {
    **{role.value: role for role in Role},
    "future-work": Role.FUTURE_WORK,
    "futurework": Role.FUTURE_WORK,
    "future": Role.FUTURE_WORK,
    "methodology": Role.METHOD,
    "uses": Role.METHOD,
    "usage": Role.METHOD,
    "result": Role.COMPARISON,
    "results": Role.COMPARISON,
    "compareorcontrast": Role.COMPARISON,
    "compare": Role.COMPARISON,
    "contrast": Role.COMPARISON,
    "extends": Role.EXTENSION,
    "extend": Role.EXTENSION,
    "continuation": Role.EXTENSION,
    "motivation": Role.MOTIVATION,
    "motivating": Role.MOTIVATION,
    "background information": Role.BACKGROUND,
}

POLARITY_SYNONYMS: dict[str, Polarity] = {
    **{polarity.value: polarity for polarity in Polarity},
    "supporting": Polarity.POSITIVE,
    "supportive": Polarity.POSITIVE,
    "support": Polarity.POSITIVE,
    "mentioning": Polarity.NEUTRAL,
    "not_supportive": Polarity.NEUTRAL,
    "contrasting": Polarity.NEGATIVE,
    "contradicting": Polarity.NEGATIVE,
    "disputing": Polarity.NEGATIVE,
}

ROLE_BY_IRI: dict[str, Role] = {role.iri.value: role for role in Role}
POLARITY_BY_IRI: dict[str, Polarity] = {polarity.iri.value: polarity for polarity in Polarity}
NOTICE_BY_IRI: dict[str, NoticeNature] = {nature.iri.value: nature for nature in NoticeNature}
