"""The hub summary of a paper, as a citation hub page shows it, and its citing-papers explorer.

Every number comes from the saved queries ``paper``, ``paper-ids``, ``hub-distribution``,
``hub-representatives``, ``hub-notices``, ``hub-models`` and ``hub-citing`` (and, for a paper with a
retraction or an expression of concern, the explorer's rows: who cites it after the notice); this module
only adds them up and phrases the headline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

import pyoxigraph as ox

from kg import explorer, explorer_index, queries
from kg.backend import Backend, value_of
from kg.errors import InvalidArgument, QueryError, UnknownPaper
from kg.ids import SCHEME_RANK, parse_id
from kg.vocab import (
    CITO,
    CKG,
    NOTICE_BY_IRI,
    POLARITY_BY_IRI,
    POLARITY_EDGE,
    POLARITY_SYNONYMS,
    ROLE_BY_IRI,
    ROLE_SYNONYMS,
    NoticeNature,
    Polarity,
    Role,
)

DOMINANT_SHARE = 0.6
CITES = CITO["cites"].value
ROLE_BY_EDGE = {role.cito.value: role for role in Role}
POLARITY_BY_EDGE = {edge.value: polarity for polarity, edge in POLARITY_EDGE.items()}
REPRESENTATIVES = 5
MAX_SHOWN = 10  # representative citing papers a summary shows at most (kg.representatives keeps enough)


@dataclass
class PaperInfo:
    iri: str
    title: str | None
    year: int | None
    ids: dict[str, list[str]]
    abstract: str | None = None
    summary: str | None = None


@dataclass
class Share:
    label: str
    count: int
    share: float


@dataclass
class CitingPaper:
    iri: str
    title: str | None
    year: int | None
    summary: str | None
    role: str | None
    polarity: str | None


@dataclass
class Representative(CitingPaper):
    """A citing paper a hub summary shows, with why it ranks where it does."""

    human: bool = False  # a person decided its role
    support: float | None = None  # the role's share of the annotations' confidence


@dataclass
class Notice:
    """An editorial notice about the paper, folded from what every source says of it."""

    iri: str
    nature: str  # a NoticeNature value
    date: str | None  # the earliest a source gives (YYYY, YYYY-MM or YYYY-MM-DD)
    doi: str | None
    sources: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    @property
    def contests(self) -> bool:
        return NoticeNature(self.nature).contests

    def line(self) -> str:
        """``Retracted on 2010-02-02 (Retraction Watch: Falsification of data).``"""
        verb = {
            NoticeNature.RETRACTION: "Retracted",
            NoticeNature.EXPRESSION_OF_CONCERN: "Expression of concern",
            NoticeNature.CORRECTION: "Corrected",
            NoticeNature.REINSTATEMENT: "Reinstated",
        }[NoticeNature(self.nature)]
        when = f" on {self.date}" if self.date else ""
        said = "; ".join(self.reasons)
        source = ", ".join(self.sources)
        why = f" ({source}: {said})" if said and source else f" ({source or said})" if source or said else ""
        return f"{verb}{when}{why}."


@dataclass
class AfterNotice:
    """Who kept citing a paper after the notice that contests it: the citing papers published in a year
    after the notice's, by their citations' primary role and polarity."""

    notice: str  # the notice's IRI
    citing_papers: int
    roles: dict[str, int] = field(default_factory=dict)
    polarities: dict[str, int] = field(default_factory=dict)

    def line(self, nature: str, citing_papers: int) -> str:
        """``14 of 40 citing papers cite it after the retraction; 3 of them positively.``"""
        what = "the retraction" if nature == NoticeNature.RETRACTION else "the notice"
        positive = self.polarities.get(Polarity.POSITIVE.value, 0)
        text = f"{self.citing_papers} of {citing_papers} citing papers cite it after {what}"
        return f"{text}; {positive} of them positively." if self.citing_papers else f"{text}."


@dataclass
class RoleModel:
    """A citation-role model citekg trained (``kg annotate``) that labels citations of the paper."""

    iri: str
    name: str
    macro_f1: float  # cross-validated when it was trained
    citations: int  # of the paper's citations whose role no person decided, those it labels

    def line(self, citing_papers: int) -> str:
        """``Roles of 11 of 24 citing papers come from the model roles (macro F1 0.61, cross-validated).``"""
        return (
            f"Roles of {self.citations} of {citing_papers} citing papers come from the model {self.name} "
            f"(macro F1 {self.macro_f1:.2f}, cross-validated)."
        )


@dataclass
class HubSummary:
    paper: PaperInfo
    citing_papers: int
    annotated: int
    unclassified: int
    behavior: str
    headline: str
    roles: list[Share] = field(default_factory=list)
    polarities: list[Share] = field(default_factory=list)
    representatives: list[Representative] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    after_notice: AfterNotice | None = None
    models: list[RoleModel] = field(default_factory=list)

    @property
    def model_lines(self) -> list[str]:
        return [model.line(self.citing_papers) for model in self.models]

    @property
    def notice_lines(self) -> list[str]:
        """What a hub page says of the notices: each one's line, the count after the contesting one."""
        lines = [notice.line() for notice in self.notices]
        if self.after_notice is not None:
            nature = next(n.nature for n in self.notices if n.iri == self.after_notice.notice)
            lines.append(self.after_notice.line(nature, self.citing_papers))
        return lines

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of ``kg hub --format json``."""
        paper = self.paper
        return {
            "paper": {"iri": paper.iri, "title": paper.title, "year": paper.year, "ids": paper.ids},
            "citing_papers": self.citing_papers,
            "annotated": self.annotated,
            "unclassified": self.unclassified,
            "behavior": self.behavior,
            "headline": self.headline,
            "roles": [{"role": s.label, "count": s.count, "share": s.share} for s in self.roles],
            "polarities": [
                {"polarity": s.label, "count": s.count, "share": s.share} for s in self.polarities
            ],
            "representatives": [asdict(r) for r in self.representatives],
            "notices": [asdict(n) for n in self.notices],
            "citing_after_notice": asdict(self.after_notice) if self.after_notice else None,
            "models": [asdict(m) for m in self.models],
        }


def percent(share: Fraction) -> int:
    """A share as a whole percentage, rounded half up.

    >>> percent(Fraction(1, 8)), percent(Fraction(5, 8)), percent(Fraction(1, 3))
    (13, 63, 33)
    """
    return int(share * 100 + Fraction(1, 2))


def percent_text(share: float) -> str:
    """A share as the hub page prints it: ``0.5`` reads ``50%``."""
    return f"{percent(Fraction(share).limit_denominator(1_000_000))}%"


def headline(
    roles: list[tuple[Role, int]], annotated: int, dominant_share: float = DOMINANT_SHARE
) -> tuple[str, str]:
    """The behaviour (none, dominant or mixed) and the sentence a hub page leads with.

    >>> headline([(Role.BACKGROUND, 2), (Role.METHOD, 1), (Role.COMPARISON, 1)], 4)
    ('mixed', 'Mixed citation behavior. Most common role is background (50%).')
    >>> headline([(Role.METHOD, 4), (Role.BACKGROUND, 1)], 5)
    ('dominant', 'Dominant citation role: method (80%).')
    """
    if annotated == 0:
        return "none", "No citation-role annotations yet."
    top, count = roles[0]
    share = Fraction(count, annotated)
    label = top.value.replace("_", " ")
    if share >= Fraction(str(dominant_share)):
        return "dominant", f"Dominant citation role: {label} ({percent(share)}%)."
    return "mixed", f"Mixed citation behavior. Most common role is {label} ({percent(share)}%)."


def _paper_info(store: Backend, node: ox.NamedNode) -> PaperInfo:
    row = queries.run_query(store, "paper", {"paper": node}).rows[0]
    ids: dict[str, list[str]] = {}
    for id_row in queries.run_query(store, "paper-ids", {"paper": node}).rows:
        ids.setdefault(id_row["scheme"], []).append(id_row["value"])
    ordered = dict(sorted(ids.items(), key=lambda item: SCHEME_RANK.get(item[0], len(SCHEME_RANK))))
    return PaperInfo(node.value, row["title"], row["year"], ordered, row["abstract"], row["summary"])


def summary(
    store: Backend,
    paper: str,
    *,
    representatives: int = REPRESENTATIVES,
    dominant_share: float = DOMINANT_SHARE,
) -> HubSummary:
    """The hub summary of a paper given by any of its ids; UnknownPaper if the store has none."""
    if not 0 <= representatives <= MAX_SHOWN:
        raise InvalidArgument(f"a hub summary shows 0 to {MAX_SHOWN} representative citing papers")
    node = _node(store, paper)
    info = _paper_info(store, node)
    role_counts: dict[Role, int] = {}
    polarity_counts: dict[Polarity, int] = {}
    citations = 0
    for row in queries.run_query(store, "hub-distribution", {"paper": node}).rows:
        relation, count = row["relation"], row["citations"]
        if relation == CITES:
            citations = count
        elif relation in ROLE_BY_EDGE:
            role_counts[ROLE_BY_EDGE[relation]] = count
        elif relation in POLARITY_BY_EDGE:
            polarity_counts[POLARITY_BY_EDGE[relation]] = count
    annotated = sum(role_counts.values())
    roles = _ranked(role_counts, list(Role))
    polarities = _ranked(polarity_counts, list(Polarity))
    behavior, sentence = headline(roles, annotated, dominant_share)
    found = notices(store, node)
    return HubSummary(
        paper=info,
        citing_papers=citations,
        annotated=annotated,
        unclassified=citations - annotated,
        behavior="contested" if any(notice.contests for notice in found) else behavior,
        headline=sentence,
        roles=_shares(roles),
        polarities=_shares(polarities),
        representatives=_representatives(store, node, [role for role, _ in roles], representatives),
        notices=found,
        after_notice=after_notice(store, node, found),
        models=_models(store, node),
    )


def _models(store: Backend, node: ox.NamedNode) -> list[RoleModel]:
    """The role models behind the paper's role summary, asked only of a store that holds one: the
    saved query reads every citation of the paper (40 ms for 10,000), where the question costs none."""
    if not store.query(f"ASK {{ ?model a {CKG['CitationRoleModel']} }}"):
        return []
    return [
        RoleModel(row["model"], row["name"], float(row["macro_f1"]), row["citations"])
        for row in queries.iterate(store, "hub-models", {"paper": node})
    ]


def notices(store: Backend, node: ox.NamedNode) -> list[Notice]:
    """The paper's notices, earliest first: one per notice however many sources report it."""
    folded: dict[str, Notice] = {}
    for row in queries.iterate(store, "hub-notices", {"paper": node}):
        nature = NOTICE_BY_IRI.get(row["nature"])
        if nature is None:
            continue
        notice = folded.setdefault(row["notice"], Notice(row["notice"], nature.value, None, None))
        if row["date"] and (notice.date is None or row["date"] < notice.date):
            notice.date = row["date"]
        notice.doi = min(filter(None, (notice.doi, row["doi"])), default=None)
        for values, value in ((notice.sources, row["source"]), (notice.reasons, row["reason"])):
            if value and value not in values:
                values.append(value)
    for notice in folded.values():
        notice.sources.sort()
        notice.reasons.sort()
    return sorted(folded.values(), key=lambda n: (n.date or "9999", n.iri))


def after_notice(store: Backend, node: ox.NamedNode, found: list[Notice]) -> AfterNotice | None:
    """The citing papers published after the first dated notice that contests the paper (a retraction,
    else an expression of concern), counted from the explorer's rows: only years are known of most
    citing papers, so "after" is "in a later year", and a paper of the notice's own year is not counted."""
    contesting = sorted(
        (n for n in found if n.contests and n.year is not None),
        key=lambda n: (n.nature != NoticeNature.RETRACTION, n.date or "", n.iri),
    )
    if not contesting:
        return None
    notice = contesting[0]
    counted = AfterNotice(notice.iri, 0)
    for row in explorer.rows(store, node):
        if row.year is not None and notice.year is not None and row.year > notice.year:
            counted.citing_papers += 1
            role, polarity = row.role or explorer.UNCLASSIFIED, row.polarity or explorer.UNCLASSIFIED
            counted.roles[role] = counted.roles.get(role, 0) + 1
            counted.polarities[polarity] = counted.polarities.get(polarity, 0) + 1
    return counted


def citing(
    store: Backend,
    paper: str,
    *,
    role: str | None = None,
    polarity: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    sort: str = "year",
    page: int = 1,
    page_size: int = 20,
) -> tuple[int, list[CitingPaper]]:
    """One page of the citing-papers explorer, and the number of rows on all pages: the rows the
    consensus graph keeps for the paper (``kg.explorer``), filtered and sorted (in the index beside
    the store, ``kg.explorer_index``), and the one-line summaries of the page's papers. ``role`` or
    ``polarity`` ``"unclassified"`` keeps the citations without one."""
    if page < 1 or page_size < 1:
        raise InvalidArgument("page and page size start at 1")
    try:
        total, shown = explorer_index.page(
            store,
            _node(store, paper),
            role=_label("role", role, ROLE_SYNONYMS),
            polarity=_label("polarity", polarity, POLARITY_SYNONYMS),
            from_year=from_year,
            to_year=to_year,
            sort=sort,
            offset=(page - 1) * page_size,
            limit=page_size,
        )
    except ValueError as error:
        raise InvalidArgument(str(error)) from None
    return total, [
        CitingPaper(row.citing, row.title, row.year, _summary(store, row.citing), row.role, row.polarity)
        for row in shown
    ]


def citing_json(total: int, rows: list[CitingPaper], page: int, page_size: int) -> dict[str, Any]:
    """The documented JSON shape of one explorer page (``kg citing --format json``, ``/api/citing``)."""
    return {"total": total, "page": page, "page_size": page_size, "rows": [asdict(row) for row in rows]}


def _label(kind: str, text: str | None, synonyms: Mapping[str, Role | Polarity]) -> str | None:
    """A role or polarity filter as the explorer's rows name it, from any label the loader accepts."""
    if text is None or text == explorer.UNCLASSIFIED:
        return text
    label = synonyms.get(text.lower())
    if label is None:
        raise QueryError(f"hub-citing: parameter {kind} ({kind}): unknown {kind} {text!r}")
    return label.value


def _summary(store: Backend, paper: str) -> str | None:
    """A paper's one-line summary: the first in code-point order, where sources give several."""
    found = store.quads_for_pattern(ox.NamedNode(paper), CKG["summary"], None)
    return min((value_of(quad.object) for quad in found), default=None)


def _node(store: Backend, paper: str) -> ox.NamedNode:
    """The node of a paper given by a prefixed id, or by its IRI in this store."""
    if paper.startswith(store.minter.base + "paper/"):
        return ox.NamedNode(paper)
    try:
        paper_id = parse_id(paper)
    except ValueError as error:
        raise InvalidArgument(str(error)) from None
    node = store.paper(paper_id)
    if node is None:
        raise UnknownPaper(f"no paper in the store has the id {paper_id}")
    return node


Label = TypeVar("Label", Role, Polarity)


def _ranked(counts: dict[Label, int], precedence: list[Label]) -> list[tuple[Label, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], precedence.index(item[0])))


def _shares(ranked: list[tuple[Role, int]] | list[tuple[Polarity, int]]) -> list[Share]:
    total = sum(count for _, count in ranked)
    return [Share(label.value, count, count / total) for label, count in ranked]


def _representatives(
    store: Backend, node: ox.NamedNode, role_order: list[Role], limit: int
) -> list[Representative]:
    """The best citing paper of each role in distribution order, then the best of the rest."""
    chosen: list[Representative] = []
    wanted = {role.iri.value for role in role_order}
    best_of_role: dict[str, Representative] = {}
    fill: list[Representative] = []
    seen: set[str] = set()  # a paper several sources describe comes once per description
    for row in queries.iterate(store, "hub-representatives", {"paper": node}):
        if row["citing"] in seen:
            continue
        seen.add(row["citing"])
        role = row["role"]
        if role in wanted and role not in best_of_role:
            best_of_role[role] = _representative(row)
        elif len(fill) < limit:
            fill.append(_representative(row))
        if len(best_of_role) == len(wanted) and len(fill) >= limit:
            break
    for role in role_order:
        if role.iri.value in best_of_role:
            chosen.append(best_of_role[role.iri.value])
    chosen = chosen[:limit]
    chosen.extend(fill[: limit - len(chosen)])
    return chosen


def _representative(row: dict[str, Any]) -> Representative:
    role = ROLE_BY_IRI.get(row["role"]) if row["role"] else None
    polarity = POLARITY_BY_IRI.get(row["polarity"]) if row["polarity"] else None
    return Representative(
        iri=row["citing"],
        title=row["title"],
        year=row["year"],
        summary=row["summary"],
        role=role.value if role else None,
        polarity=polarity.value if polarity else None,
        human=bool(row["human"]),
        support=float(row["support"]) if row["support"] is not None else None,
    )
