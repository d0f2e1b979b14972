"""The hub page's charts, drawn on the server (inline SVG and plain HTML bars, no JavaScript): one colour
per role and per polarity, the same in every chart, each at least 3:1 against the white page (WCAG 2.1
non-text contrast) and told apart by people with the common colour-vision deficiencies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kg.vocab import Polarity, Role

COLOURS: dict[str, str] = {
    Role.BACKGROUND.value: "#0b5fa5",
    Role.METHOD.value: "#b34a00",
    Role.COMPARISON.value: "#00735a",
    Role.EXTENSION.value: "#7b3f98",
    Role.MOTIVATION.value: "#8a6d00",
    Role.FUTURE_WORK.value: "#b0265e",
    Polarity.POSITIVE.value: "#1b7a3a",
    Polarity.NEUTRAL.value: "#5a6472",
    Polarity.NEGATIVE.value: "#b3261e",
}
ROLE_ORDER = [role.value for role in Role]


@dataclass(frozen=True)
class Segment:
    role: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Timeline:
    """Citing papers per year, stacked by role: the geometry of an SVG of ``width`` x ``height``."""

    years: list[int]
    segments: list[tuple[int, list[Segment]]]  # (year, its stacked segments, bottom first)
    tallest: int
    width: int
    height: int
    plot_top: int
    plot_bottom: int

    def label_years(self) -> list[tuple[int, float]]:
        """The years to write under the axis (at most about ten), with their x at the bar's middle."""
        step = max(1, -(-len(self.years) // 10))
        slot = (self.width - 40) / len(self.years)
        return [(year, 40 + slot * (i + 0.5)) for i, year in enumerate(self.years) if i % step == 0]


def timeline(rows: Iterable[tuple[int, str, int]], width: int = 640, height: int = 200) -> Timeline | None:
    """The role-over-time chart from (year, role, citations) rows; None when no row has a year.

    >>> chart = timeline([(2020, "method", 2), (2022, "background", 1), (2022, "method", 3)])
    >>> chart.years, chart.tallest, [s.role for s in chart.segments[2][1]]
    ([2020, 2021, 2022], 4, ['method', 'background'])
    """
    counts: dict[int, dict[str, int]] = {}
    for year, role, citations in rows:
        counts.setdefault(year, {})[role] = counts.get(year, {}).get(role, 0) + citations
    if not counts:
        return None
    years = list(range(min(counts), max(counts) + 1))
    tallest = max(sum(by_role.values()) for by_role in counts.values())
    plot_top, plot_bottom, left = 10, height - 30, 40
    slot = (width - left) / len(years)
    scale = (plot_bottom - plot_top) / tallest
    segments = []
    for i, year in enumerate(years):
        stacked, y = [], float(plot_bottom)
        for role in ROLE_ORDER:
            count = counts.get(year, {}).get(role, 0)
            if count:
                y -= count * scale
                stacked.append(
                    Segment(role, count, left + i * slot + slot * 0.1, y, slot * 0.8, count * scale)
                )
        segments.append((year, stacked))
    return Timeline(years, segments, tallest, width, height, plot_top, plot_bottom)
