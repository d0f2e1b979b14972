"""Content negotiation, as the Oxigraph server does it: the media types each kind of answer comes in,
and the one an ``Accept`` header prefers. The answer carries the type the client asked for (a client
that accepts ``application/json`` gets ``application/json``, written as SPARQL results JSON), so an
answer never has a type the request did not accept.

>>> negotiate("text/*", SOLUTIONS)
'text/csv'
>>> negotiate("application/json", TRIPLES)
'application/json'
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

from kg.serve.problems import HTTPProblem

# The offered types of each kind of answer, the default first; aliases map to the same format.
SOLUTIONS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
BOOLEAN = {
    media: fmt
    for media, fmt in SOLUTIONS.items()
    if fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML)
}
TRIPLES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
# A graph, rather than a query's triples: the same but for the formats of datasets.
GRAPHS = {
    media: fmt for media, fmt in TRIPLES.items() if fmt not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
}
# What a graph may be sent as (Graph Store Protocol): those formats, by their own names.
GRAPH_BODIES = {
    media: fmt
    for media, fmt in GRAPHS.items()
    if media not in ("text/plain", "application/json", "application/xml")
}


def negotiate(accept: str, offered: Mapping[str, object]) -> str:
    """The offered media type the Accept header prefers (by q value, then order); 406 if none fits.
    A wildcard takes the first offered type that it covers."""
    default = next(iter(offered))
    if not accept.strip():
        return default
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *options = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if quality <= 0:
            continue
        if media == "*/*":
            choices.append((-quality, position, default))
        elif media.endswith("/*"):
            covered = [offer for offer in offered if offer.startswith(media[:-1])]
            if covered:
                choices.append((-quality, position, covered[0]))
        elif media in offered:
            choices.append((-quality, position, media))
    if not choices:
        kinds = ", ".join(dict.fromkeys(offered))
        raise HTTPProblem(f"none of the accepted types is offered; this answer comes as {kinds}", 406)
    return min(choices)[2]
