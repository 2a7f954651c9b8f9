"""The dashboard's charts: geometry for server-rendered SVG bars (no script, no inline
style: CSP) and the cached charts section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

from lms.content.program import Program
from lms.services import company_stats
from lms.services import organizations as orgs
from lms.services import partner_charts

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


def charts_section(program: Program | None, viewer, now: datetime) -> Markup:
    """The dashboard's charts with their tables, as HTML.

    The figures are cached (lms.services.partner_charts); the rendered section is too,
    per language, keyed by the stats version (any company's figures or tier changing
    renders it anew) and by the computation the awards and pass rates came from.
    Rendering three charts and their tables was a third of the dashboard's time."""
    shown = orgs.program_or_fallback(program)
    key = company_stats.program_key(shown)
    ids = orgs.visible_ids(viewer)
    (awards, exams), computed = partner_charts.chart_data(shown, ids, now, key)
    html_key = ("charts-html", str(get_locale()), key, tuple(ids) if ids is not None else None,
                computed, company_stats.version())

    def render() -> str:
        totals = orgs.tier_totals(program, viewer)
        return render_template(
            "partners/_charts.html", program=shown, totals=totals, awards=awards,
            exams=exams,
            tier_chart=bar_chart([(t.title, held, str(held)) for t, held, _ in totals]),
            award_chart=bar_chart([(m.month, m.total, str(m.total)) for m in awards]),
            exam_chart=bar_chart([(e.quiz, 100 * (e.rate or 0),
                                   f"{100 * e.rate:.0f}%" if e.rate is not None else "—")
                                  for e in exams], maximum=100))

    return Markup(partner_charts.cached(html_key, render))
