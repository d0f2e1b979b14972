"""Where a page links an IRI or a paper: to this site's hub and resource pages where the store holds
it, to the registry of its id (DOI, arXiv, OpenCitations, ...) beside that; IRIs shown short, with the
store's prefixes."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from kg.ids import LANDING_SITES, PaperId, landing_page
from kg.iris import Minter


@dataclass(frozen=True)
class PaperLinks:
    """A paper's page on this site and its page at the registry of its id."""

    hub: str | None
    external: str | None = None
    site: str | None = None  # the registry's name, for the link's text


def hub_url(paper_id: PaperId | str) -> str:
    """The address of a paper's hub page, by id; an id ending in ``.json`` stays a page, not JSON
    (``kg.serve.pages``)."""
    return "/hub/" + quote(str(paper_id), safe=":/")


def paper_links(minter: Minter, iri: str) -> PaperLinks:
    """Links for a paper of the store, by its IRI: its hub page and its registry page."""
    paper_id = minter.paper_id(iri)
    if paper_id is None:
        return PaperLinks(None)
    return PaperLinks(hub_url(paper_id), landing_page(paper_id), LANDING_SITES.get(paper_id.scheme))


def id_links(paper_id: PaperId) -> PaperLinks:
    """Links for one of a paper's ids, as the hub page lists them."""
    return PaperLinks(hub_url(paper_id), landing_page(paper_id), LANDING_SITES.get(paper_id.scheme))


def resource_url(minter: Minter, iri: str, served_at: str) -> str | None:
    """The page of an IRI on this site: its own path when the store mints IRIs under the server's
    address, else ``/describe?iri=``; None for an IRI the store did not mint."""
    if not iri.startswith(minter.base):
        return None
    if minter.base == served_at:
        return "/" + iri.removeprefix(minter.base)
    return "/describe?" + urlencode({"iri": iri})


def web_link(iri: str) -> str | None:
    """The IRI itself as a link where following it is harmless: http and https only (an IRI can be
    ``javascript:...``, and a query or a loaded file can make one).

    >>> web_link("https://doi.org/10.1/x"), web_link("javascript:alert(1)"), web_link("urn:uuid:1")
    ('https://doi.org/10.1/x', None, None)
    """
    return iri if urlsplit(iri).scheme.lower() in ("http", "https") else None


def shorten(iri: str, prefixes: dict[str, str]) -> str:
    """An IRI as a prefixed name where a prefix covers it (the longest namespace wins).

    >>> shorten("http://purl.org/spar/cito/cites", {"cito": "http://purl.org/spar/cito/"})
    'cito:cites'
    >>> shorten("http://example.org/x", {"cito": "http://purl.org/spar/cito/"})
    'http://example.org/x'
    """
    best = max(
        ((name, space) for name, space in prefixes.items() if iri.startswith(space)),
        key=lambda item: len(item[1]),
        default=None,
    )
    return iri if best is None else f"{best[0]}:{iri.removeprefix(best[1])}"
