"""The dashboard's charts: bars drawn with HTML ``<meter>`` rows (text at body size on a
phone, no script, no inline style: CSP), each followed once by its data table, collapsed,
and the cached charts section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

from lms.content.program import Program
from lms.naming import titles
from lms.services import chart_snapshots, company_stats
from lms.services import organizations as orgs
from lms.services import partner_charts


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str       # the value as shown, e.g. "12" or "83%"


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    maximum: float


def bar_chart(items: list[tuple[str, float, str]], maximum: float | None = None) -> BarChart:
    """Horizontal bars, one per (label, value, text); ``maximum`` fixes the scale (100 for
    percentages), else the largest value fills the row."""
    top = maximum if maximum else max((v for _, v, _ in items), default=0) or 1
    return BarChart(tuple(Bar(label, min(value, top), text) for label, value, text in items), top)


def charts_section(program: Program | None, viewer, now: datetime) -> Markup:
    """The dashboard's charts with their tables, as HTML.

    The figures are stored (lms.services.chart_counts, lms.services.chart_snapshots) or
    cached (lms.services.partner_charts); the rendered section is cached too,
    per language, keyed by the stats version (any company's figures or tier changing
    renders it anew), the content version (titles) and by the computation the awards and
    pass rates came from. Rendering the charts and their tables was a third of the
    dashboard's time."""
    shown = orgs.program_or_fallback(program)
    key = company_stats.program_key(shown)
    ids = orgs.visible_ids(viewer)
    names = titles()
    (awards, exams), computed = partner_charts.chart_data(shown, ids, now, key)
    stats_version = company_stats.version()
    html_key = ("charts-html", str(get_locale()), key, tuple(ids) if ids is not None else None,
                computed, stats_version, id(names), now.strftime("%Y-%m-%d"))

    def render() -> str:
        # Stored by the sweep for this stats version, else counted from the company rows.
        figures = chart_snapshots.figures(program, ids, now, stats_version)
        totals, health, history = figures.totals, figures.health, figures.history
        forecast, at_risk = figures.forecast, figures.at_risk
        tiers = {t.key: t.title for t in shown.tiers}
        return render_template(
            "partners/_charts.html", program=shown, totals=totals, awards=awards,
            exams=exams, health=health, forecast=forecast, at_risk=at_risk, tiers=tiers,
            names=names, history=history,
            history_top=max((m.total for m in history), default=0) or 1,
            tier_chart=bar_chart([(t.title, held, str(held)) for t, held, _ in totals]),
            award_chart=bar_chart([(month_label(m.month), m.total, str(m.total))
                                   for m in awards]),
            month_label=month_label,
            exam_chart=bar_chart([(names.quiz(e.quiz), 100 * (e.rate or 0),
                                   f"{100 * e.rate:.0f}%" if e.rate is not None else "—")
                                  for e in exams], maximum=100),
            health_chart=bar_chart([(_band_label(b), b.companies, str(b.companies))
                                    for b in health]))

    return Markup(partner_charts.cached(html_key, render))


def month_label(key: str) -> str:
    """"2026-05" as people write a month: 2026年5月, May 2026."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMM", date(int(key[:4]), int(key[5:7]), 1),
                           locale=get_locale() or "ja")


def _band_label(band: partner_charts.HealthBand) -> str:
    from flask_babel import gettext as _

    if band.low is None:
        return _("No score (no people)")
    return f"{band.low}–{band.high}"
