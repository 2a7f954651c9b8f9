"""Figures behind the dashboard's charts: certifications awarded per month, exam pass
rates, the health distribution and the tier forecast.

Awards per month and pass rates over every company read the day counts stored in
``chart_counts`` (lms.services.chart_counts: kept on writes, recounted by `lms sweep`),
a few hundred rows, so even the first dashboard after a restart is quick. Scoped to some
companies, or before the first sweep filled the counts, they aggregate the certifications
and attempts themselves, and the results are cached per process for a few minutes
(config PARTNERS_CHART_SECONDS).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select

from lms.content.program import Program
from lms.extensions import db
from lms.models import Attempt, AuditEvent, Certification, Organization, User
from lms.models.organizations import ChartCount, OrganizationStats
from lms.services import chart_counts

WINDOW_MONTHS = 12
PASS_WINDOW = timedelta(days=365)
MAX_ENTRIES = 256
_cache: dict[tuple, tuple[float, object, float]] = {}  # key -> (expires, value, computed)
_lock = threading.Lock()


@dataclass(frozen=True)
class MonthAwards:
    month: str                    # "2026-05" (UTC)
    by_level: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


@dataclass(frozen=True)
class ExamRate:
    quiz: str
    level: str
    graded: int
    passed: int

    @property
    def rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None


def cached(key: tuple, compute: Callable[[], object]):
    return cached_entry(key, compute)[0]


def cached_entry(key: tuple, compute: Callable[[], object]) -> tuple[object, float]:
    """(value, when it was computed, as time.monotonic()), from this process's cache
    while younger than PARTNERS_CHART_SECONDS; the time tells callers that cache what
    they derive from the value which computation it came from."""
    ttl = current_app.config.get("PARTNERS_CHART_SECONDS",
                                 0 if current_app.testing else 300)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0] > now:
            return hit[1], hit[2]
    value = compute()
    if ttl:
        with _lock:
            if len(_cache) >= MAX_ENTRIES:  # keys carry versions: drop the dead ones
                for old in [k for k, (expires, _v, _t) in _cache.items() if expires <= now]:
                    del _cache[old]
            _cache[key] = (now + ttl, value, now)
    return value, now


def _month(column):
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def month_keys(now: datetime, months: int = WINDOW_MONTHS) -> list[str]:
    year, month = now.year, now.month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def awards_per_month(program: Program, org_ids: Sequence[int] | None,
                     now: datetime) -> list[MonthAwards]:
    keys = month_keys(now)
    start = datetime(int(keys[0][:4]), int(keys[0][5:]), 1, tzinfo=now.tzinfo)
    month = _month(Certification.awarded_at)
    stmt = (select(month, Certification.level, func.count())
            .where(Certification.awarded_at >= start)
            .group_by(month, Certification.level))
    if org_ids is not None:
        stmt = stmt.join(User, User.id == Certification.user_id).where(
            User.organization_id.in_(org_ids))
    counts: dict[str, dict[str, int]] = {k: {level: 0 for level in program.levels} for k in keys}
    for key, level, n in db.session.execute(stmt):
        if key in counts and level in counts[key]:
            counts[key][level] = int(n)
    return [MonthAwards(k, counts[k]) for k in keys]


def exam_pass_rates(program: Program, org_ids: Sequence[int] | None,
                    now: datetime) -> list[ExamRate]:
    exams = [(quiz, cert.level) for cert in program.certifications for quiz, _ in cert.exams]
    if not exams:
        return []
    stmt = (select(Attempt.quiz_slug, func.count(),
                   func.sum(case((Attempt.passed.is_(True), 1), else_=0)))
            .where(Attempt.quiz_slug.in_([q for q, _ in exams]), Attempt.passed.is_not(None),
                   Attempt.submitted_at >= now - PASS_WINDOW)
            .group_by(Attempt.quiz_slug))
    if org_ids is not None:
        stmt = stmt.join(User, User.id == Attempt.user_id).where(User.organization_id.in_(org_ids))
    found = {quiz: (int(n), int(p or 0)) for quiz, n, p in db.session.execute(stmt)}
    return [ExamRate(quiz, level, *found.get(quiz, (0, 0))) for quiz, level in exams]


def stored_awards_per_month(program: Program, now: datetime) -> list[MonthAwards]:
    """Awards per month over every company, from the stored day counts."""
    keys = month_keys(now)
    c = ChartCount
    month = func.substr(c.day, 1, 7)
    stmt = (select(month, c.key, func.sum(c.n))
            .where(c.kind == chart_counts.AWARD, c.day >= f"{keys[0]}-01")
            .group_by(month, c.key))
    counts: dict[str, dict[str, int]] = {k: {level: 0 for level in program.levels} for k in keys}
    for key, level, n in db.session.execute(stmt):
        if key in counts and level in counts[key]:
            counts[key][level] = int(n or 0)
    return [MonthAwards(k, counts[k]) for k in keys]


def stored_exam_pass_rates(program: Program, now: datetime) -> list[ExamRate]:
    """Exam pass rates over every company, from the stored day counts: attempts submitted
    on the last 365 UTC days, today included (counted by whole days, where the query over
    the attempts cuts at this very time of day a year ago)."""
    exams = [(quiz, cert.level) for cert in program.certifications for quiz, _ in cert.exams]
    if not exams:
        return []
    c = ChartCount
    first = chart_counts.day_of(now - PASS_WINDOW + timedelta(days=1))
    stmt = (select(c.key, func.sum(c.n), func.sum(c.passed))
            .where(c.kind == chart_counts.GRADED, c.key.in_([q for q, _ in exams]),
                   c.day >= first)
            .group_by(c.key))
    found = {quiz: (int(n or 0), int(p or 0)) for quiz, n, p in db.session.execute(stmt)}
    return [ExamRate(quiz, level, *found.get(quiz, (0, 0))) for quiz, level in exams]


def chart_data(program: Program, org_ids: Sequence[int] | None, now: datetime,
               program_key: str) -> tuple[tuple[list[MonthAwards], list[ExamRate]], object]:
    """((awards per month, exam pass rates), a key of their values for caching what is
    derived from them).

    Over every company, once the sweep has stored the day counts: read from them on
    every call (they are current after each write). Otherwise counted from the rows and
    cached per process."""
    if org_ids is None and chart_counts.ready():
        figures = (stored_awards_per_month(program, now), stored_exam_pass_rates(program, now))
        awards, exams = figures
        return figures, ("stored", tuple((m.month, tuple(m.by_level.items())) for m in awards),
                         tuple((e.quiz, e.graded, e.passed) for e in exams))
    key = ("charts", program_key, tuple(org_ids) if org_ids is not None else None,
           now.strftime("%Y-%m"))
    return cached_entry(key, lambda: (awards_per_month(program, org_ids, now),
                                      exam_pass_rates(program, org_ids, now)))


HEALTH_BANDS = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))
FORECAST_DAYS = 90


@dataclass(frozen=True)
class HealthBand:
    low: int | None               # None: companies with nobody to score
    high: int | None
    companies: int


def health_distribution(org_ids: Sequence[int] | None) -> list[HealthBand]:
    """How many companies score in each fifth of the health scale, and how many have no
    score (no people), in one grouped query."""
    s = OrganizationStats
    band = case(*[(s.health.between(low, high), i) for i, (low, high) in enumerate(HEALTH_BANDS)],
                else_=-1)
    stmt = select(band, func.count()).group_by(band)
    if org_ids is not None:
        stmt = stmt.where(s.organization_id.in_(org_ids))
    found = dict(db.session.execute(stmt).all())
    bands = [HealthBand(low, high, int(found.get(i, 0))) for i, (low, high) in enumerate(HEALTH_BANDS)]
    return bands + [HealthBand(None, None, int(found.get(-1, 0)))]


@dataclass(frozen=True)
class TierRisk:
    slug: str
    name: str
    tier: str                     # the tier held
    first_expiry: datetime | None  # the soonest certification of its people to expire
    expiring: int                 # certifications expiring within the window


def tier_forecast(org_ids: Sequence[int] | None, now: datetime,
                  limit: int = 20) -> tuple[list[TierRisk], int]:
    """Companies that will fall below the tier they hold within 90 days as certifications
    expire (``at_risk`` in their stored figures), soonest expiry first, and how many."""
    s, c = OrganizationStats, Certification
    window = now + timedelta(days=FORECAST_DAYS)
    soon = (select(User.organization_id.label("org_id"), func.min(c.expires_at).label("first"),
                   func.count().label("n"))
            .join(User, User.id == c.user_id)
            .where(c.revoked_at.is_(None), c.expires_at > now, c.expires_at <= window,
                   # Only the companies at risk (a few): through their people's index
                   # rather than every certification expiring in the window.
                   User.organization_id.in_(select(s.organization_id)
                                            .where(s.at_risk.is_(True))))
            .group_by(User.organization_id).subquery())
    base = (select(Organization.slug, Organization.name, Organization.tier, soon.c.first,
                   func.coalesce(soon.c.n, 0))
            .join(s, s.organization_id == Organization.id)
            .outerjoin(soon, soon.c.org_id == Organization.id)
            .where(s.at_risk.is_(True)))
    if org_ids is not None:
        base = base.where(Organization.id.in_(org_ids))
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.execute(base.order_by(soon.c.first.is_(None), soon.c.first, Organization.name)
                              .limit(limit))
    return [TierRisk(*row) for row in rows], int(total or 0)


@dataclass(frozen=True)
class MonthTiers:
    month: str                    # "2026-05": companies per tier at the end of that month
    by_tier: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_tier.values())


def tier_history(program: Program, org_ids: Sequence[int] | None,
                 now: datetime) -> list[MonthTiers]:
    """Companies per tier held at the end of each of the last twelve months (the current
    month: now), oldest first.

    Walks back from today's tiers (one grouped query) through the tier changes in the audit
    log (one query; tier changes are few) and the companies created each month (one grouped
    query): a company created later is taken out of the lowest tier, where it started."""
    keys = month_keys(now)
    tiers = [t.key for t in program.tiers]
    lowest = tiers[0] if tiers else ""
    start = datetime(int(keys[0][:4]), int(keys[0][5:]), 1, tzinfo=now.tzinfo)
    current = select(Organization.tier, func.count()).group_by(Organization.tier)
    month_created = _month(Organization.created_at)   # one expression: PostgreSQL groups by it
    created = (select(month_created, func.count())
               .where(Organization.created_at >= start)
               .group_by(month_created))
    changes = (select(AuditEvent.at, AuditEvent.detail)
               .join(Organization, Organization.slug == AuditEvent.target)
               .where(AuditEvent.action == "organization.tier", AuditEvent.at >= start)
               .order_by(AuditEvent.at.desc()))
    if org_ids is not None:
        current = current.where(Organization.id.in_(org_ids))
        created = created.where(Organization.id.in_(org_ids))
        changes = changes.where(Organization.id.in_(org_ids))
    counts = {key: 0 for key in tiers}
    for key, n in db.session.execute(current):
        key = key if key in counts else lowest   # unknown keys count as the lowest tier
        counts[key] = counts.get(key, 0) + int(n)
    born = {month: int(n) for month, n in db.session.execute(created)}
    moves: dict[str, list[tuple[str, str]]] = {}
    for at, detail in db.session.execute(changes):
        month = at.strftime("%Y-%m")
        moves.setdefault(month, []).append((detail.get("before"), detail.get("after")))
    history = []
    for month in reversed(keys):
        history.append(MonthTiers(month, {key: max(counts.get(key, 0), 0) for key in tiers}))
        # Undo this month: its tier changes, then the companies created in it.
        for before, after in moves.get(month, []):
            if after in counts:
                counts[after] -= 1
            counts[before if before in counts else lowest] = counts.get(
                before if before in counts else lowest, 0) + 1
        if lowest:
            counts[lowest] -= born.get(month, 0)
    return history[::-1]
