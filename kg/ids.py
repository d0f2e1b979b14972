"""Paper identifiers: parsing, normalisation and the order in which they name a paper.

A paper reference is a prefixed id (``doi:10.1/x``, ``arxiv:2402.13929``, ``s2:<paperId>``,
``corpusid:123``, ``openalex:W1``, ``pmid:1``, ``pmcid:PMC1``, ``omid:br/061``, ``acl:J11-3003``, and
``ref:10.1/x#ref5`` for a reference entry that has no id of its own).
Ids are normalised so that every spelling a source uses for one id compares equal:

>>> parse_id("https://doi.org/10.48550/arXiv.2402.13929")
PaperId(scheme='doi', value='10.48550/arxiv.2402.13929')
>>> parse_id("arXiv:2402.13929v2")
PaperId(scheme='arxiv', value='2402.13929')
>>> str(parse_id("openalex:https://openalex.org/w2741809807"))
'openalex:W2741809807'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote

# Precedence for minting a paper's IRI: the first scheme a paper has names it.
SCHEMES: tuple[str, ...] = (
    "doi",
    "arxiv",
    "pmid",
    "pmcid",
    "openalex",
    "s2",
    "corpusid",
    "omid",
    "acl",
    "ref",
)
SCHEME_RANK: dict[str, int] = {scheme: rank for rank, scheme in enumerate(SCHEMES)}

_URL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("https://doi.org/", "doi"),
    ("http://doi.org/", "doi"),
    ("https://dx.doi.org/", "doi"),
    ("http://dx.doi.org/", "doi"),
    ("https://arxiv.org/abs/", "arxiv"),
    ("http://arxiv.org/abs/", "arxiv"),
    ("https://openalex.org/works/", "openalex"),
    ("https://openalex.org/", "openalex"),
    ("https://api.openalex.org/works/", "openalex"),
    ("https://pubmed.ncbi.nlm.nih.gov/", "pmid"),
    ("https://w3id.org/oc/meta/", "omid"),
    ("https://www.semanticscholar.org/paper/", "s2"),
)
_SCHEME_ALIASES = {
    "doi": "doi",
    "arxiv": "arxiv",
    "pmid": "pmid",
    "pubmed": "pmid",
    "pmcid": "pmcid",
    "pmc": "pmcid",
    "openalex": "openalex",
    "s2": "s2",
    "corpusid": "corpusid",
    "omid": "omid",
    "acl": "acl",
    "ref": "ref",
}

_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z-]+(?:\.[A-Za-z-]+)?/\d{7})(v\d+)?$", re.IGNORECASE)
_S2 = re.compile(r"^[0-9a-f]{40}$")
_OMID = re.compile(r"^(br|ra|id|re|ar)/0[0-9]+$")
_SPACE = re.compile(r"\s")
_ACL = re.compile(r"^([A-Z]\d{2}-\d{4}|\d{4}\.[a-z0-9]+(-[a-z0-9]+)*\.\d+)$", re.IGNORECASE)


class PaperId(NamedTuple):
    """A normalised identifier: a scheme from :data:`SCHEMES` and its value."""

    scheme: str
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"

    @property
    def rank(self) -> tuple[int, str]:
        """Sort key: a smaller rank is a better id to name a paper by."""
        return SCHEME_RANK[self.scheme], self.value


@lru_cache(maxsize=65_536)
def parse_id(text: str) -> PaperId:
    """Parse and normalise a prefixed id, a resolver URL or a bare DOI; ValueError says what is wrong."""
    raw = text.strip()
    if not raw:
        raise ValueError("an empty id; expected a prefixed id such as doi:10.1000/x or arxiv:2402.13929")
    if "://" in raw:
        lowered = raw.lower()
        for url, url_scheme in _URL_PREFIXES:
            if lowered.startswith(url):
                return normalise(url_scheme, raw[len(url) :])
    if raw.startswith("10.") and "/" in raw:
        return normalise("doi", raw)
    prefix, sep, rest = raw.partition(":")
    scheme = _SCHEME_ALIASES.get(prefix.strip().lower())
    if not sep or scheme is None:
        raise ValueError(
            f"{text!r} has no known id prefix; expected one of " + ", ".join(f"{s}:" for s in SCHEMES)
        )
    return normalise(scheme, rest)


def normalise(scheme: str, value: str) -> PaperId:
    """Normalise a value of a known scheme (also strips URL forms and repeated prefixes)."""
    value = value.strip()
    if "://" in value:
        lowered = value.lower()
        for url, url_scheme in _URL_PREFIXES:
            if url_scheme == scheme and lowered.startswith(url):
                value = value[len(url) :]
                break
    if value[: len(scheme) + 1].lower() == scheme + ":":
        value = value[len(scheme) + 1 :].strip()
    normalised = _NORMALISERS[scheme](value)
    if normalised is None:
        raise ValueError(f"{scheme}:{value!r} is not a valid {scheme} id; expected {_EXPECTED[scheme]}")
    return PaperId(scheme, normalised)


def _doi(value: str) -> str | None:
    value = value.lower()
    return value if value.startswith("10.") and "/" in value and not _SPACE.search(value) else None


def _arxiv(value: str) -> str | None:
    if value.lower().startswith("arxiv:"):
        value = value[6:]
    if match := _ARXIV_NEW.match(value):
        return match.group(1)
    if match := _ARXIV_OLD.match(value):
        archive, _, number = match.group(1).partition("/")
        name, dot, subject = archive.partition(".")
        return f"{name.lower()}{dot}{subject.upper()}/{number}"
    return None


def _digits(value: str) -> str | None:
    return str(int(value)) if value.isascii() and value.isdigit() else None


def _pmcid(value: str) -> str | None:
    digits = value[3:] if value.upper().startswith("PMC") else value
    return f"PMC{int(digits)}" if digits.isascii() and digits.isdigit() else None


def _openalex(value: str) -> str | None:
    value = value.upper()
    return (
        value if len(value) > 1 and value[0] == "W" and value[1:].isascii() and value[1:].isdigit() else None
    )


def _s2(value: str) -> str | None:
    candidate = value.rsplit("-", 1)[-1].rsplit("/", 1)[-1].lower()
    return candidate if _S2.match(candidate) else None


def _omid(value: str) -> str | None:
    return value if _OMID.match(value) else None


def _ref(value: str) -> str | None:
    """A reference entry without a DOI, named by the DOI of the work whose list it is in and its key."""
    doi, hash_sign, key = value.rpartition("#")
    citing = _doi(doi)
    return f"{citing}#{key}" if hash_sign and citing and key and not _SPACE.search(key) else None


def _acl(value: str) -> str | None:
    if not _ACL.match(value):
        return None
    return value.upper() if "." not in value else value.lower()


_NORMALISERS = {
    "doi": _doi,
    "arxiv": _arxiv,
    "pmid": _digits,
    "pmcid": _pmcid,
    "openalex": _openalex,
    "s2": _s2,
    "corpusid": _digits,
    "omid": _omid,
    "acl": _acl,
    "ref": _ref,
}
_EXPECTED = {
    "doi": "10.<registrant>/<suffix> without spaces",
    "arxiv": "YYMM.NNNNN or archive/NNNNNNN, optionally with a version",
    "pmid": "digits",
    "pmcid": "PMC followed by digits",
    "openalex": "W followed by digits",
    "s2": "a 40-character hexadecimal Semantic Scholar paperId",
    "corpusid": "digits",
    "omid": "an OpenCitations Meta id such as br/061202127149",
    "acl": "an ACL Anthology id such as J11-3003 or 2020.acl-main.1",
    "ref": "the citing work's DOI, #, and the reference's key, such as 10.1371/x#ref5",
}


def best_id(ids: list[PaperId] | set[PaperId]) -> PaperId:
    """The id that names a paper: by scheme precedence, then by value so the choice is stable."""
    return min(ids, key=lambda paper_id: paper_id.rank)


# Where a reader finds a paper on the web, by the scheme of one of its ids ("ref" has no page).
_LANDING_PAGES = {
    "doi": "https://doi.org/{}",
    "arxiv": "https://arxiv.org/abs/{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/",
    "pmcid": "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/",
    "openalex": "https://openalex.org/{}",
    "s2": "https://www.semanticscholar.org/paper/{}",
    "corpusid": "https://api.semanticscholar.org/CorpusID:{}",
    "omid": "https://w3id.org/oc/meta/{}",
    "acl": "https://aclanthology.org/{}",
}
LANDING_SITES = {
    "doi": "DOI",
    "arxiv": "arXiv",
    "pmid": "PubMed",
    "pmcid": "PubMed Central",
    "openalex": "OpenAlex",
    "s2": "Semantic Scholar",
    "corpusid": "Semantic Scholar",
    "omid": "OpenCitations",
    "acl": "ACL Anthology",
}


def landing_page(paper_id: PaperId) -> str | None:
    """The paper's page at the registry of its id, for links on hub pages.

    >>> landing_page(PaperId("doi", "10.1/x y"))
    'https://doi.org/10.1/x%20y'
    >>> landing_page(PaperId("omid", "br/061")), landing_page(PaperId("ref", "10.1/x#ref5"))
    ('https://w3id.org/oc/meta/br/061', None)
    """
    pattern = _LANDING_PAGES.get(paper_id.scheme)
    return None if pattern is None else pattern.format(quote(paper_id.value, safe="/:;()"))
