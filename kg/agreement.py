"""How far annotators agree on citation roles: for each pair, the share of citations they gave the same
role, and Cohen's kappa (agreement beyond what their label frequencies alone would give)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from kg import queries
from kg.backend import Backend


@dataclass
class Agreement:
    first: str
    second: str
    citations: int
    agreement: float
    kappa: float


def kappa(pairs: Counter[tuple[str, str]]) -> float:
    """Cohen's kappa from counts of (first label, second label).

    >>> kappa(Counter({("a", "a"): 5, ("b", "b"): 5}))
    1.0
    >>> round(kappa(Counter({("m", "b"): 1, ("b", "m"): 2})), 3)
    -0.8
    """
    total = sum(pairs.values())
    observed = sum(count for (a, b), count in pairs.items() if a == b) / total
    first: Counter[str] = Counter()
    second: Counter[str] = Counter()
    for (a, b), count in pairs.items():
        first[a] += count
        second[b] += count
    expected = sum(first[label] * second[label] for label in first) / total**2
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def agreements(store: Backend) -> list[Agreement]:
    """Agreement and kappa for every pair of annotators that gave roles to the same citations."""
    pairs: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
    for row in queries.run_query(store, "annotator-confusion").rows:
        pairs[(row["first"], row["second"])][(row["first_role"], row["second_role"])] += row["citations"]
    found = []
    for (first, second), counts in sorted(pairs.items()):
        total = sum(counts.values())
        same = sum(count for (a, b), count in counts.items() if a == b)
        found.append(Agreement(first, second, total, same / total, kappa(counts)))
    return found
