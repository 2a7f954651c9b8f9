"""CSV exports of companies and people, streamed in chunks, limited to the viewer's scope.

Every cell goes through lms.security.spreadsheet's guard: names and emails are typed
by people. Column names, words and times follow the reader (lms.services.export_text).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from lms.content.program import Program
from lms.extensions import db
from lms.models import Certification, Organization, User
from lms.naming import role_name, titles
from lms.rules.health import health_band, needs_attention
from lms.rules.margin import margin_for
from lms.rules.tiers import resolve_tier
from lms.security.spreadsheet import safe_row
from lms.wording import describe_missing
from lms.services import company_stats as stats
from lms.services import organizations as orgs
from lms.services.export_text import Cells

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
    """Every company the viewer may see that matches the dashboard's filter, with column
    names in the reader's language and tier titles beside their codes."""
    program = orgs.program_or_fallback(program)
    ids = orgs.visible_ids(viewer)
    cells = Cells()
    levels = titles()
    header = ([_("Company ID"), _("Company"), _("Tier held"), _("Tier held (code)"),
               _("Eligible tier"), _("Eligible tier (code)"), _("Next tier"),
               _("Next tier needs"), _("At risk"), _("Why at risk")]
              + [_("Certified: %(level)s", level=levels.level(level)) for level in program.levels]
              + [_("People"), _("Active people"), _("Active rate (%)"), _("Graded attempts"),
                 _("Pass rate (%)"), _("Certification coverage (%)"), _("Health score"),
                 _("Deals closed"), _("Annual revenue (yen)"), _("Sales target met"),
                 _("Margin (%)")])
    words = {"tier": _("Tier may drop"), "health": _("Low health")}

    def rows():
        if ids == []:
            return
        stmt = orgs._filtered(program, viewer, flt).order_by(*orgs._order(flt))
        result = db.session.execute(stmt.execution_options(yield_per=CHUNK))
        for chunk in result.partitions(CHUNK):
            yield from _company_rows(program, lang, cells, words,
                                     stats.current(program, now, chunk))

    return _csv_lines(header, rows())


def _company_rows(program: Program, lang: str, cells: Cells, words: dict[str, str], pairs):
    tier_title = {t.key: t.title for t in program.tiers}
    for org, row in pairs:
        health = stats.health_of(row)
        tier = resolve_tier(program, org.tier)
        reasons = ([words["tier"]] if row.at_risk else []) + (
            [words["health"]] if health_band(health.score) == "low" else [])
        yield ([org.slug, org.name, tier.title, tier.key,
                tier_title.get(row.eligible_tier, row.eligible_tier), row.eligible_tier,
                tier_title.get(row.next_tier, row.next_tier) if row.next_tier else "",
                "; ".join(describe_missing(m, lang) for m in stats.missing_of(row)),
                cells.yes_no(needs_attention(row.at_risk, health.score)), "; ".join(reasons)]
               + [int(row.counts.get(level, 0)) for level in program.levels]
               + [health.people, health.active_people, cells.percent(health.active_rate),
                  health.attempts_graded, cells.percent(health.pass_rate),
                  cells.percent(health.coverage), health.score,
                  org.deals_closed, org.annual_revenue, cells.yes_no(org.target_met),
                  margin_for(program, tier.key, org.target_met).total])


def people_csv(program: Program | None, org_ids: Sequence[int] | None,
               now: datetime) -> Iterator[str]:
    """Each person of the given companies (all when None) with their active
    certifications' expiry per level; one grouped query, streamed. Times are in the
    reader's time zone, named in the column."""
    program = orgs.program_or_fallback(program)
    levels = program.levels
    names = titles()
    cells = Cells()
    active = and_(Certification.revoked_at.is_(None),
                  or_(Certification.expires_at.is_(None), Certification.expires_at > now))
    per_level = [func.max(case((and_(active, Certification.level == level),
                                Certification.expires_at))).label(level) for level in levels]
    held = [func.max(case((and_(active, Certification.level == level), 1), else_=0))
            for level in levels]
    header = ([_("Company ID"), _("Company"), _("Person ID"), _("Email address"), _("Name"),
               _("Role"), _("Role (code)"), cells.when_header(_("Last sign-in")),
               _("Highest certification"), _("Highest certification (code)")]
              + [cells.when_header(_("%(level)s valid until", level=names.level(level)))
                 for level in levels])

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
            role = fixed[5]
            yield [*fixed[:5], role_name(role, partner=True), role, cells.when(fixed[6]),
                   names.level(highest) if highest else "", highest,
                   *(cells.when(e) if e else "" for e in expiries)]

    return _csv_lines(header, rows())
