"""Per-company figures counted in SQL and kept in ``organization_stats``.

The dashboard sorts and filters 2,000 companies by eligible tier, gap, risk and health;
recounting 60,000 certifications and 500,000 attempts per request would grow with the
data. Instead each company's row is rebuilt by a handful of grouped queries restricted to
that company:

- in the same transaction as any write that changes its inputs (a certification, a
  person joining, leaving or being deactivated, an attempt graded, a lesson done, the
  company's figures or tier): the flush listener at the bottom collects the companies and
  rebuilds them just before the commit;
- by `lms sweep`, for rows that time made stale (``fresh_until``: a certification lapsed
  or entered the 90-day risk window, activity aged) or a changed program.yml
  (``program_key``).

Reads never write (GET changes nothing): a row that time made stale since the last
sweep is recomputed in memory for display (``current``); sorting and filtering use the
stored values, at most one sweep old.

Counting rule (docs/authoring.en.md, tiers; the reference is
``lms.rules.tiers.certified_counts``): a person
counts at their highest unexpired, unrevoked level and every lower one, once per level.
The SQL takes each person's highest rank, then counts people per level at or above it.
Deactivated people do not count: they have left the company; nor does anyone in a
deactivated company.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select

from lms.content.program import Program, Tier
from lms.extensions import db
from lms.models import Attempt, Certification, LessonProgress, Organization, User
from lms.models.organizations import OrganizationStats
from lms.rules.tiers import (AT_RISK_WINDOW, CompanyFigures, Missing, eligible_tier,
                             missing_for, next_tier, resolve_tier)

ACTIVE_WINDOW = timedelta(days=90)      # active: did something in the last 90 days
PASS_RATE_WINDOW = timedelta(days=365)  # attempts graded in the last 12 months
HEALTH_MAX_AGE = timedelta(days=1)      # activity ages with the clock; recount daily
CHUNK = 500                             # ids per IN (...) list

# With no program.yml every company is simply registered.
FALLBACK_PROGRAM = Program(certifications=(), tiers=(Tier("registered", "Registered Partner"),))


def program_key(program: Program) -> str:
    """Changes when anything the stored figures depend on changes in program.yml."""
    shape = repr((tuple((c.level, c.rank) for c in program.certifications), program.tiers))
    return hashlib.sha1(shape.encode()).hexdigest()


@dataclass(frozen=True)
class Health:
    """Partner health, per company: the mean of three rates, shown with its parts."""
    people: int
    active_people: int
    attempts_graded: int
    attempts_passed: int
    certified: int

    @property
    def active_rate(self) -> float | None:
        return self.active_people / self.people if self.people else None

    @property
    def pass_rate(self) -> float | None:
        return self.attempts_passed / self.attempts_graded if self.attempts_graded else None

    @property
    def coverage(self) -> float | None:
        return self.certified / self.people if self.people else None

    @property
    def score(self) -> int | None:
        """0-100; no attempts yet counts as a pass rate of 0 (nobody trained)."""
        if not self.people:
            return None
        rates = (self.active_rate or 0, self.pass_rate or 0, self.coverage or 0)
        return round(100 * sum(rates) / 3)


def health_of(row: OrganizationStats) -> Health:
    return Health(row.people, row.active_people, row.attempts_graded, row.attempts_passed,
                  row.certified)


def missing_of(row: OrganizationStats) -> tuple[Missing, ...]:
    return tuple(Missing(*item) for item in row.missing)


# -- counting -------------------------------------------------------------------------


def _rank_expr(program: Program):
    return case({c.level: c.rank for c in program.certifications}, value=Certification.level)


def _org_filter(column, org_ids: Sequence[int] | None):
    return column.in_(org_ids) if org_ids is not None else literal(True)


def _counted():
    """People who count: active, in a company that is not deactivated."""
    return and_(User.active.is_(True),
                User.organization_id.in_(select(Organization.id)
                                         .where(Organization.active.is_(True))))


def level_counts(program: Program, now: datetime, org_ids: Sequence[int] | None = None,
                 horizon: datetime | None = None) -> dict[int, dict]:
    """org id -> {"now": {level: people}, "horizon": {...}, "next_change": datetime|None}.

    One grouped query for all the given companies (all when ``org_ids`` is None)."""
    horizon = horizon or now + AT_RISK_WINDOW
    if not program.certifications:
        return {}
    rank = _rank_expr(program)
    counting = and_(Certification.revoked_at.is_(None),
                    or_(Certification.expires_at.is_(None), Certification.expires_at > now))
    best = (
        select(User.organization_id.label("org_id"),
               func.max(rank).label("now_rank"),
               func.max(case((or_(Certification.expires_at.is_(None),
                                  Certification.expires_at > horizon), rank))).label("later_rank"),
               func.min(case((Certification.expires_at <= horizon,
                              Certification.expires_at))).label("soon"),
               func.min(case((Certification.expires_at > horizon,
                              Certification.expires_at))).label("later"))
        .join(User, User.id == Certification.user_id)
        .where(counting, Certification.level.in_(program.levels), _counted(),
               _org_filter(User.organization_id, org_ids))
        .group_by(Certification.user_id, User.organization_id)
        .subquery()
    )
    columns = []
    for cert in program.certifications:
        columns.append(func.sum(case((best.c.now_rank >= cert.rank, 1), else_=0)))
        columns.append(func.sum(case((best.c.later_rank >= cert.rank, 1), else_=0)))
    stmt = (select(best.c.org_id, func.min(best.c.soon), func.min(best.c.later), *columns)
            .group_by(best.c.org_id))
    result: dict[int, dict] = {}
    for org_id, soon, later, *sums in db.session.execute(stmt):
        levels = program.levels
        changes = [t for t in (as_utc(soon), as_utc(later) - AT_RISK_WINDOW if later else None)
                   if t is not None]
        result[org_id] = {
            "now": {level: int(sums[2 * i] or 0) for i, level in enumerate(levels)},
            "horizon": {level: int(sums[2 * i + 1] or 0) for i, level in enumerate(levels)},
            "next_change": min(changes) if changes else None,
        }
    return result


def people_counts(now: datetime, org_ids: Sequence[int] | None = None) -> dict[int, tuple[int, int]]:
    """org id -> (people, people active in the last 90 days).

    Active: signed in, completed a lesson or started an attempt within the window."""
    cutoff = now - ACTIVE_WINDOW
    recent_lesson = (select(LessonProgress.id).where(LessonProgress.user_id == User.id,
                                                     LessonProgress.completed_at >= cutoff)
                     .exists())
    recent_attempt = (select(Attempt.id).where(Attempt.user_id == User.id,
                                               Attempt.started_at >= cutoff).exists())
    active = or_(User.last_active_at >= cutoff, recent_lesson, recent_attempt)
    stmt = (select(User.organization_id, func.count(User.id),
                   func.sum(case((active, 1), else_=0)))
            .where(User.organization_id.is_not(None), _counted(),
                   _org_filter(User.organization_id, org_ids))
            .group_by(User.organization_id))
    return {org: (int(n), int(a or 0)) for org, n, a in db.session.execute(stmt)}


def attempt_counts(now: datetime, org_ids: Sequence[int] | None = None) -> dict[int, tuple[int, int]]:
    """org id -> (attempts graded in the last 12 months, of which passed)."""
    stmt = (select(User.organization_id, func.count(Attempt.id),
                   func.sum(case((Attempt.passed.is_(True), 1), else_=0)))
            .join(User, User.id == Attempt.user_id)
            .where(Attempt.passed.is_not(None), Attempt.submitted_at >= now - PASS_RATE_WINDOW,
                   _counted(), _org_filter(User.organization_id, org_ids))
            .group_by(User.organization_id))
    return {org: (int(n), int(p or 0)) for org, n, p in db.session.execute(stmt)}


# -- building rows ----------------------------------------------------------------------


def as_utc(value: datetime | None) -> datetime | None:
    # Aggregates bypass the UTCDateTime type on SQLite and come back naive (UTC) or as text.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def _row_for(org, program: Program, key: str, now: datetime, counted: dict | None,
             people: tuple[int, int], attempts: tuple[int, int]) -> dict:
    counts = counted["now"] if counted else {level: 0 for level in program.levels}
    later = counted["horizon"] if counted else counts
    figures = CompanyFigures(org.deals_closed, org.annual_revenue, org.target_met)
    tier = resolve_tier(program, org.tier)
    eligible = eligible_tier(program, counts, figures)
    after = eligible_tier(program, later, figures)
    # The same test as lms.rules.tiers.at_risk, on counts instead of holders: expiries
    # drop the company below the tier it holds, and not for other reasons already.
    risky = after.rank < tier.rank and after.rank < eligible.rank
    upcoming = next_tier(program, eligible)
    missing = missing_for(program, upcoming, counts, figures) if upcoming else ()
    fresh_until = now + HEALTH_MAX_AGE
    if counted and counted["next_change"]:
        fresh_until = min(fresh_until, counted["next_change"])
    lowest = program.certifications[0].level if program.certifications else None
    row = dict(organization_id=org.id, program_key=key, computed_at=now, fresh_until=fresh_until,
               people=people[0], active_people=people[1], attempts_graded=attempts[0],
               attempts_passed=attempts[1], certified=counts.get(lowest, 0) if lowest else 0,
               counts=counts, tier_rank=tier.rank, eligible_tier=eligible.key,
               eligible_rank=eligible.rank, next_tier=upcoming.key if upcoming else None,
               missing=[[m.kind, m.target, m.required, m.current] for m in missing],
               missing_count=len(missing), at_risk=risky)
    row["health"] = Health(people[0], people[1], attempts[0], attempts[1], row["certified"]).score
    return row


def compute(program: Program, now: datetime,
            org_ids: Sequence[int] | None = None) -> dict[int, dict]:
    """org id -> the stats row's values for the given companies (all when None)."""
    key = program_key(program)
    chunks: Iterable = [None] if org_ids is None else (
        list(org_ids[i:i + CHUNK]) for i in range(0, len(org_ids), CHUNK))
    rows: dict[int, dict] = {}
    for ids in chunks:
        orgs = db.session.execute(
            select(Organization.id, Organization.tier, Organization.deals_closed,
                   Organization.annual_revenue, Organization.target_met)
            .where(_org_filter(Organization.id, ids))).all()
        if not orgs:
            continue
        counted = level_counts(program, now, ids)
        people = people_counts(now, ids)
        attempts = attempt_counts(now, ids)
        for org in orgs:
            rows[org.id] = _row_for(org, program, key, now, counted.get(org.id),
                                    people.get(org.id, (0, 0)), attempts.get(org.id, (0, 0)))
    return rows


def rebuild(program: Program, now: datetime, org_ids: Sequence[int] | None = None) -> int:
    """Recount and store the given companies (all when None) in the caller's transaction."""
    if org_ids is not None and not org_ids:
        return 0
    rows = compute(program, now, org_ids)
    target = OrganizationStats.organization_id
    for i in range(0, max(len(org_ids or [None]), 1), CHUNK):
        ids = None if org_ids is None else list(org_ids[i:i + CHUNK])
        db.session.execute(delete(OrganizationStats).where(_org_filter(target, ids))
                           .execution_options(synchronize_session=False))
    if rows:
        db.session.execute(insert(OrganizationStats), list(rows.values()))
    return len(rows)


def is_stale(row: OrganizationStats | None, key: str, now: datetime) -> bool:
    return row is None or row.fresh_until <= now or row.program_key != key


def current(program: Program, now: datetime, pairs: Sequence[tuple]) -> list[tuple]:
    """(organisation, stats row) pairs with rows that are missing or stale replaced by
    freshly computed, unsaved ones: what a page shows is never out of date."""
    key = program_key(program)
    stale = [org.id for org, row in pairs if is_stale(row, key, now)]
    if not stale:
        return list(pairs)
    fresh = compute(program, now, stale)
    return [(org, OrganizationStats(**fresh[org.id]) if org.id in fresh and is_stale(row, key, now)
             else row) for org, row in pairs]


def stale_ids(program: Program, now: datetime, org_ids: Sequence[int] | None = None) -> list[int]:
    stats = OrganizationStats
    stmt = (select(Organization.id)
            .outerjoin(stats, stats.organization_id == Organization.id)
            .where(_org_filter(Organization.id, org_ids),
                   or_(stats.organization_id.is_(None), stats.fresh_until <= now,
                       stats.program_key != program_key(program))))
    return list(db.session.scalars(stmt))


def version() -> tuple:
    """Changes whenever a stored row or the set of companies does: every write that
    moves a company's figures or tier rebuilds its row (a new ``computed_at``). Pages
    key what they cache from the rows on it."""
    s = OrganizationStats
    companies = select(func.count()).select_from(Organization).scalar_subquery()
    return tuple(db.session.execute(select(companies, func.count(), func.max(s.computed_at))
                                    .select_from(s)).one())


def current_for(program: Program, org: Organization, now: datetime) -> OrganizationStats:
    row = db.session.get(OrganizationStats, org.id, populate_existing=True)
    return current(program, now, [(org, row)])[0][1]


# The flush listener that rebuilds rows on writes: lms/services/company_stats_writes.py
# (imported here so that it is installed wherever the stats are used).
from lms.services import company_stats_writes  # noqa: E402,F401
