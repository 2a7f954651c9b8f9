"""Geometry for the server-rendered SVG bar charts (no script, no inline style: CSP)."""

from __future__ import annotations

from dataclasses import dataclass

ROW = 28          # px per bar
LABEL = 150       # px for the label column
PLOT = 300        # px for the longest bar
VALUE = 90        # px for the value text


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str       # the value as shown, e.g. "12" or "83%"
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int = LABEL + PLOT + VALUE
    label_width: int = LABEL
    row: int = ROW

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW + 8


def bar_chart(items: list[tuple[str, float, str]], maximum: float | None = None) -> BarChart:
    """Horizontal bars, one per (label, value, text); ``maximum`` fixes the scale (100 for
    percentages), else the largest value fills the plot."""
    top = maximum if maximum else max((v for _, v, _ in items), default=0) or 1
    bars = tuple(Bar(label, value, text, 4 + i * ROW, round(PLOT * min(value, top) / top))
                 for i, (label, value, text) in enumerate(items))
    return BarChart(bars)
