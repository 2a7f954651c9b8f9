"""CSV exports of companies and people, streamed in chunks, limited to the viewer's scope.

Every cell goes through lms.security.spreadsheet's guard: names and emails are typed
by people. Times are ISO 8601 UTC, as in the API.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from lms.content.program import Program
from lms.extensions import db
from lms.models import Certification, Organization, User
from lms.rules.margin import margin_for
from lms.rules.tiers import resolve_tier
from lms.security.spreadsheet import safe_row
from lms.wording import describe_missing
from lms.services import company_stats as stats
from lms.services import organizations as orgs

CHUNK = 1000


def _csv_lines(header: Sequence[str], rows) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # A byte-order mark: Excel then reads the Japanese names as UTF-8.
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(safe_row(row))
        yield buffer.getvalue()


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def companies_csv(program: Program | None, viewer, flt: orgs.CompanyFilter, lang: str,
                  now: datetime) -> Iterator[str]:
    """Every company the viewer may see that matches the dashboard's filter."""
    program = orgs.program_or_fallback(program)
    ids = orgs.visible_ids(viewer)
    header = (["slug", "name", "tier", "eligible_tier", "next_tier", "missing", "at_risk"]
              + [f"certified_{level}" for level in program.levels]
              + ["people", "active_people", "active_rate", "attempts_graded", "pass_rate",
                 "coverage", "health", "deals_closed", "annual_revenue", "target_met", "margin"])

    def rows():
        if ids == []:
            return
        stmt = orgs._filtered(program, viewer, flt).order_by(*orgs._order(flt))
        result = db.session.execute(stmt.execution_options(yield_per=CHUNK))
        for chunk in result.partitions(CHUNK):
            yield from _company_rows(program, lang, stats.current(program, now, chunk))

    return _csv_lines(header, rows())


def _company_rows(program: Program, lang: str, pairs):
    for org, row in pairs:
        health = stats.health_of(row)
        yield ([org.slug, org.name, org.tier, row.eligible_tier, row.next_tier,
                "; ".join(describe_missing(m, lang) for m in stats.missing_of(row)),
                row.at_risk]
               + [int(row.counts.get(level, 0)) for level in program.levels]
               + [health.people, health.active_people, health.active_rate,
                  health.attempts_graded, health.pass_rate, health.coverage, health.score,
                  org.deals_closed, org.annual_revenue, org.target_met,
                  margin_for(program, resolve_tier(program, org.tier).key,
                             org.target_met).total])


def people_csv(program: Program | None, org_ids: Sequence[int] | None,
               now: datetime) -> Iterator[str]:
    """Each person of the given companies (all when None) with their active
    certifications' expiry per level; one grouped query, streamed."""
    program = orgs.program_or_fallback(program)
    levels = program.levels
    active = and_(Certification.revoked_at.is_(None),
                  or_(Certification.expires_at.is_(None), Certification.expires_at > now))
    per_level = [func.max(case((and_(active, Certification.level == level),
                                Certification.expires_at))).label(level) for level in levels]
    held = [func.max(case((and_(active, Certification.level == level), 1), else_=0))
            for level in levels]
    header = (["company_slug", "company_name", "person_id", "email", "name", "role",
               "last_active_at", "highest_level"]
              + [f"{level}_expires_at" for level in levels])

    def rows():
        if org_ids == []:
            return
        stmt = (select(Organization.slug, Organization.name, User.id, User.email, User.name,
                       User.role, User.last_active_at, *per_level, *held)
                .join(Organization, Organization.id == User.organization_id)
                .outerjoin(Certification, Certification.user_id == User.id)
                .where(User.active.is_(True))
                .group_by(Organization.slug, Organization.name, User.id, User.email, User.name,
                          User.role, User.last_active_at)
                .order_by(Organization.slug, User.email))
        if org_ids is not None:
            stmt = stmt.where(User.organization_id.in_(org_ids))
        for row in db.session.execute(stmt.execution_options(yield_per=CHUNK)):
            fixed, expiries, flags = row[:7], row[7:7 + len(levels)], row[7 + len(levels):]
            highest = next((lv for lv, f in zip(reversed(levels), reversed(flags)) if f), None)
            yield [*fixed[:6], stats.as_utc(fixed[6]), highest,
                   *(stats.as_utc(e) for e in expiries)]

    return _csv_lines(header, rows())
