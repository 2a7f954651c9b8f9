"""The dashboard's figures drawn from the company rows, stored by `lms sweep`.

Tier totals, health bands, the tier forecast and tiers over time each read every
company's stored figures (20,000 rows at ten times the partner programme): ~80 ms
together on PostgreSQL. They change only when a company row does, so the sweep stores
them with the version they were computed for (the stats version, the program and the
day). A dashboard whose version matches reads one row: the first one after a restart
too. After a write that changes a company's row, the version differs and the figures
are computed from the rows again (and cached per process, lms.partners.charts) until
the next sweep stores them anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from lms.content.program import Program, Tier
from lms.extensions import db
from lms.models.organizations import ChartSnapshot
from lms.models.types import utcnow
from lms.services import company_stats
from lms.services import organizations as orgs
from lms.services import partner_charts
from lms.services.partner_charts import HealthBand, MonthTiers, TierRisk
from lms.services.sweep import StepResult, register_delivery

NAME = "dashboard"


@dataclass(frozen=True)
class CompanyFigures:
    totals: list[tuple[Tier, int, int]]    # (tier, companies holding it, eligible for it)
    health: list[HealthBand]
    forecast: list[TierRisk]
    at_risk: int
    history: list[MonthTiers]


def version_of(program: Program | None, now: datetime, stats_version: tuple) -> str:
    shown = orgs.program_or_fallback(program)
    companies, rows, latest = stats_version
    latest = company_stats.as_utc(latest)
    return "|".join((company_stats.program_key(shown), str(companies), str(rows),
                     latest.isoformat() if latest else "", now.strftime("%Y-%m-%d")))


def compute(program: Program | None, ids, now: datetime) -> CompanyFigures:
    """The figures of the companies ``ids`` (all when None), from their rows."""
    shown = orgs.program_or_fallback(program)
    forecast, at_risk = partner_charts.tier_forecast(ids, now)
    return CompanyFigures(orgs.tier_totals_of(program, ids),
                          partner_charts.health_distribution(ids), forecast, at_risk,
                          partner_charts.tier_history(shown, ids, now))


def _encode(figures: CompanyFigures) -> dict:
    return {"totals": [[t.key, held, eligible] for t, held, eligible in figures.totals],
            "health": [[b.low, b.high, b.companies] for b in figures.health],
            "forecast": [[r.slug, r.name, r.tier,
                          company_stats.as_utc(r.first_expiry).isoformat()
                          if r.first_expiry else None, r.expiring] for r in figures.forecast],
            "at_risk": figures.at_risk,
            "history": [[m.month, m.by_tier] for m in figures.history]}


def _decode(data: dict, program: Program | None) -> CompanyFigures | None:
    tiers = {t.key: t for t in orgs.program_or_fallback(program).tiers}
    if [key for key, _h, _e in data["totals"]] != list(tiers):
        return None   # stored for other tiers: the program changed meanwhile
    return CompanyFigures(
        [(tiers[key], held, eligible) for key, held, eligible in data["totals"]],
        [HealthBand(*band) for band in data["health"]],
        [TierRisk(slug, name, tier, datetime.fromisoformat(first) if first else None, n)
         for slug, name, tier, first, n in data["forecast"]],
        int(data["at_risk"]),
        [MonthTiers(month, by_tier) for month, by_tier in data["history"]])


def figures(program: Program | None, ids, now: datetime,
            stats_version: tuple) -> CompanyFigures:
    """The figures for the viewer: the stored ones when they were computed for the same
    version (every company shown), else computed from the rows."""
    if ids is None:
        version = version_of(program, now, stats_version)
        stored = db.session.scalar(select(ChartSnapshot.figures).where(
            ChartSnapshot.name == NAME, ChartSnapshot.version == version))
        decoded = _decode(stored, program) if stored is not None else None
        if decoded is not None:
            return decoded
    return compute(program, ids, now)


def store(program: Program | None, now: datetime) -> CompanyFigures:
    """Compute the figures over every company and store them, in the caller's
    transaction."""
    result = compute(program, None, now)
    version = version_of(program, now, company_stats.version())
    db.session.execute(delete(ChartSnapshot).where(ChartSnapshot.name == NAME))
    db.session.add(ChartSnapshot(name=NAME, version=version, figures=_encode(result),
                                 computed_at=now))
    db.session.flush()
    return result


# After every other step (registered as a delivery step: they run last), so the figures
# stored are those of the companies as the sweep left them.
@register_delivery
def sweep_chart_snapshot(now: datetime) -> StepResult:
    from lms.web import content_store

    store(content_store().program(), now or utcnow())
    db.session.commit()
    return StepResult("dashboard figures", 1)
