"""Per-year bar charts as geometry for inline SVG (rendered by templates/_macros.html): no
script, works in any browser, readable by a screen reader through its table twin."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

WIDTH = 520
HEIGHT = 200
LEFT = 44
BOTTOM = 26
TOP = 10
MAX_BAR = 48.0


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)

    @property
    def label_every(self) -> int:
        """Write every n-th year under the axis so labels do not collide."""
        return max(1, math.ceil(len(self.bars) / 12))


def nice_ceiling(value: int) -> int:
    """The smallest 1/2/5 × 10^k at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover


def bar_chart(title: str, series: Mapping[int, int]) -> BarChart:
    """Bars for ``year -> value`` over every year from the first to the last (gaps are 0)."""
    if not series:
        return BarChart(title, (), ())
    years = list(range(min(series), max(series) + 1))
    top = nice_ceiling(max(series.values(), default=0))
    plot_w = WIDTH - LEFT - 8
    plot_h = HEIGHT - BOTTOM - TOP
    slot = plot_w / len(years)
    gap = min(4.0, slot * 0.2)
    bars = []
    for i, year in enumerate(years):
        v = int(series.get(year, 0))
        h = plot_h * v / top
        w = min(slot - gap, MAX_BAR)
        bars.append(
            Bar(
                label=str(year),
                value=v,
                x=round(LEFT + i * slot + (slot - w) / 2, 1),
                y=round(HEIGHT - BOTTOM - h, 1),
                width=round(w, 1),
                height=round(h, 1),
            )
        )
    values = [0, top // 2, top] if top % 2 == 0 else [0, top]
    ticks = tuple(Tick(value=v, y=round(HEIGHT - BOTTOM - plot_h * v / top, 1)) for v in values)
    return BarChart(title, tuple(bars), ticks)
