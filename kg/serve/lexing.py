"""What a request's SPARQL asks for, read from its tokens before it runs: the services it would call
(federation is off unless allowed), whether it names its own dataset (``FROM``, ``USING``, ``WITH``),
and the protocol's ``using-graph-uri`` parameters written into an update as ``USING`` clauses.

Oxigraph parses the text itself and offers no hook for any of these, so citekg reads the tokens: a
comment, an IRI or a string is one token, so a keyword inside one of them is never taken for syntax.

>>> services("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", {})
['http://example.org/sparql']
>>> services('SELECT * { ?s ?p "SERVICE <http://example.org/>" }  # SERVICE', {})
[]
>>> with_using("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://example.org/g"], [])
'DELETE { ?s ?p ?o } USING <http://example.org/g> WHERE { ?s ?p ?o }'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from kg.serve.problems import BadRequest

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\r\n]*)
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
    | (?P<variable>[?$]\w+)
    | (?P<word>(?:[^\W\d]|_)[\w.\-]*(?::(?:[\w.\-:%]|\\.)*)?|:(?:[\w.\-:%]|\\.)*)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # comment, iri, string, variable, word (a keyword or prefixed name), space, other
    text: str
    start: int

    def keyword(self) -> str | None:
        """The keyword this token is, upper-cased, or None (a prefixed name is no keyword)."""
        return self.text.upper() if self.kind == "word" and ":" not in self.text else None


def tokens(text: str) -> Iterator[Token]:
    """The tokens of a SPARQL text, with space and comments left out."""
    for match in _TOKEN.finditer(text):
        if match.lastgroup not in ("space", "comment"):
            yield Token(str(match.lastgroup), match.group(), match.start())


def services(text: str, prefixes: dict[str, str], base: str | None = None) -> list[str | None]:
    """The endpoints of every ``SERVICE`` in a query or update: absolute IRIs, or None for a variable
    or a name that cannot be resolved (an endpoint that cannot be checked)."""
    if "service" not in text.lower():
        return []  # most queries: no need to read the tokens
    found: list[str | None] = []
    declared, current_base = dict(prefixes), base
    listed = list(tokens(text))
    for position, token in enumerate(listed):
        word = token.keyword()
        if word == "PREFIX" and position + 2 < len(listed):
            name, iri = listed[position + 1], listed[position + 2]
            if iri.kind == "iri":
                declared[name.text.rstrip(":")] = _resolve(_unescaped(iri.text[1:-1]), current_base)
        elif word == "BASE" and position + 1 < len(listed) and listed[position + 1].kind == "iri":
            current_base = _resolve(_unescaped(listed[position + 1].text[1:-1]), current_base)
        elif word in ("SERVICE", "SERVICESILENT"):
            following = listed[position + 1 : position + 3]
            if word == "SERVICE" and following and following[0].keyword() == "SILENT":
                following = following[1:]
            endpoint = following[0] if following else None
            found.append(_endpoint(endpoint, declared, current_base))
        elif (glued := _glued_service(listed, position)) is not None:
            found.append(_endpoint(glued, declared, current_base))
    return found


def _glued_service(listed: list[Token], position: int) -> Token | None:
    """The endpoint of a SERVICE glued to it (``SERVICE:x {``, ``SERVICEex:x {``, ``SERVICESILENTex:x {``):
    Oxigraph reads the keyword wherever a word starts with it, so a prefixed name that does and comes
    right before a group, where no triple can be, calls a service (after GRAPH it names a graph)."""
    token = listed[position]
    if token.kind != "word" or not token.text.upper().startswith("SERVICE") or ":" not in token.text:
        return None
    following = listed[position + 1] if position + 1 < len(listed) else None
    previous = listed[position - 1].keyword() if position else None
    if (
        following is None
        or following.text != "{"
        or previous in ("GRAPH", "SERVICE", "SILENT", "SERVICESILENT")
    ):
        return None
    rest = token.text[len("SERVICE") :]
    if rest.upper().startswith("SILENT") and ":" in rest[len("SILENT") :]:
        rest = rest[len("SILENT") :]
    return Token("word", rest, token.start + len(token.text) - len(rest))


def names_dataset(query: str) -> bool:
    """Whether a query names its own dataset (``FROM`` or ``FROM NAMED``)."""
    return "from" in query.lower() and any(token.keyword() == "FROM" for token in tokens(query))


def with_using(update: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """The update with the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` written into each
    operation that matches a pattern, as its ``USING`` clauses; a 400 when the update names its own
    (``USING`` or ``WITH``), as the SPARQL 1.1 Protocol requires."""
    listed = list(tokens(update))
    clauses = " ".join(
        [f"USING <{iri}>" for iri in default_graphs] + [f"USING NAMED <{iri}>" for iri in named_graphs]
    )
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the update's text
    depth, operation_start = 0, 0
    for position, token in enumerate(listed):
        if token.text in "{}" and token.kind == "other":
            depth += 1 if token.text == "{" else -1
            continue
        if depth:
            continue
        word = token.keyword()
        if word in ("USING", "WITH"):
            raise BadRequest(
                "the update names its own dataset (USING or WITH); leave out using-graph-uri and "
                "using-named-graph-uri, or those clauses"
            )
        if token.text == ";" and token.kind == "other":
            operation_start = position + 1
        elif word == "WHERE" and position > 0:
            previous = listed[position - 1]
            if previous.keyword() == "DELETE":  # DELETE WHERE { P } is DELETE { P } WHERE { P }
                pattern = _group_text(update, listed, position + 1)
                edits.append(
                    (previous.start, token.start + len(token.text), f"DELETE {pattern} {clauses} WHERE")
                )
            elif any(t.keyword() in ("INSERT", "DELETE") for t in listed[operation_start:position]):
                edits.append((token.start, token.start, clauses + " "))
    for start, end, replacement in reversed(edits):
        update = update[:start] + replacement + update[end:]
    return update


def _group_text(text: str, listed: list[Token], opening: int) -> str:
    """The text of the ``{ ... }`` group whose opening brace is token ``opening``."""
    depth = 0
    for token in listed[opening:]:
        if token.kind == "other" and token.text in "{}":
            depth += 1 if token.text == "{" else -1
            if depth == 0:
                return text[listed[opening].start : token.start + 1]
    raise BadRequest("the update is not valid SPARQL: a group is not closed")


def _endpoint(token: Token | None, prefixes: dict[str, str], base: str | None) -> str | None:
    if token is None:
        return None
    if token.kind == "iri":
        return _resolve(_unescaped(token.text[1:-1]), base)
    if token.kind == "word" and ":" in token.text:
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescaped(iri: str) -> str:
    """An IRI's text with its ``\\u`` and ``\\U`` escapes read, as the engine reads them."""
    return _CODEPOINT.sub(lambda match: chr(int(match.group(1) or match.group(2), 16)), iri)


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri
