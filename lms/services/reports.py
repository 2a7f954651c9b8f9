"""Scheduled reports by e-mail, sent by `lms sweep` once per person and period.

- Partner managers: a weekly digest (ISO week, Japan time) of their company —
  certifications expiring within 90 days, overdue assignments, whether the tier is at
  risk — with a link to the company page.
- Channel managers: a monthly summary of the month just ended — tier changes,
  certifications awarded, companies at risk — with a link to the dashboard.

A ``ScheduledReport`` row (unique per person, kind and period) is inserted in the same
transaction as the message: whichever of several sweeps inserts it sends it, the
others insert nothing and send nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import force_locale, format_date, gettext as _, ngettext
from sqlalchemy import select

from lms.database import begin_write, upsert_ignore
from lms.extensions import db
from lms.i18n import DEFAULT_TIMEZONE
from lms.models import AuditEvent, Certification, Organization, ScheduledReport, User
from lms.models.organizations import OrganizationStats
from lms.security.urls import absolute_url
from lms.services import assignments
from lms.services import company_people as people_service
from lms.services import organizations as orgs
from lms.services.notifications import mail_to
from lms.services.sweep import StepResult, register

LISTED = 10   # rows of each kind written out in a message; the rest are counted


def week_of(now: datetime) -> str:
    year, week, _day = now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).isocalendar()
    return f"{year}-W{week:02d}"


def previous_month(now: datetime) -> tuple[str, datetime, datetime]:
    """The month before ``now`` (Japan time): its name and its start and end in UTC."""
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    local = now.astimezone(zone)
    end = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (end - timedelta(days=1)).replace(day=1)
    return (start.strftime("%Y-%m"), start.astimezone(timezone.utc),
            end.astimezone(timezone.utc))


def _claim(user_id: int, kind: str, period: str, now: datetime) -> bool:
    return upsert_ignore(ScheduledReport, {"user_id": user_id, "kind": kind, "period": period,
                                           "created_at": now}, ("user_id", "kind", "period"))


def _tier_title(program, key: str) -> str:
    tier = program.tier(key)
    return tier.title if tier else key


def _level_title(program, level: str) -> str:
    cert = program.certification(level)
    return cert.title if cert else level


def _more(total: int) -> list[str]:
    extra = total - LISTED
    return [_("… and %(n)d more", n=extra)] if extra > 0 else []


# -- the partner manager's weekly digest ------------------------------------------------


def weekly_digest_text(manager: User, org: Organization, program, store,
                       now: datetime) -> tuple[str, str]:
    """(subject, body) of the digest, in the manager's language."""
    standing = orgs.standing(program, org, now)
    s = standing.summary
    expiring, expiring_total = people_service.expiring_soon([org.id], now, per_page=LISTED)
    overdue, overdue_total = assignments.list_page([org.id], "overdue", now, per_page=LISTED)
    with force_locale(manager.locale or "ja"):
        subject = _("Weekly digest for %(company)s", company=org.name)
        lines = [_("%(name)s,", name=manager.name), "",
                 _("This week at %(company)s:", company=org.name), "",
                 _("Tier held: %(tier)s", tier=s.tier.title)]
        if s.at_risk:
            lines.append(_("Tier at risk: certifications expiring within 90 days would drop "
                           "the company below %(tier)s.", tier=s.tier.title))
        else:
            lines.append(_("Tier not at risk."))
        lines += ["", _("Certifications expiring within 90 days: %(n)d", n=expiring_total)]
        lines += [f"- {format_date(e.expires_at, 'long')}  {e.person_name} "
                  f"({_level_title(program, e.level)})" for e in expiring]
        lines += _more(expiring_total)
        lines += ["", _("Overdue assignments: %(n)d", n=overdue_total)]
        lines += [f"- {r.person_name}: "
                  f"{assignments.target_title(store, r.assignment.kind, r.assignment.target)} "
                  f"({_('due %(date)s', date=format_date(r.assignment.due_on, 'long'))})"
                  for r in overdue]
        lines += _more(overdue_total)
        lines += ["", _("Company page: %(url)s",
                        url=absolute_url("partners.company", slug=org.slug))]
    return subject, "\n".join(lines)


def send_weekly_digests(now: datetime) -> int:
    from lms.web import content_store

    store = content_store()
    program = orgs.program_or_fallback(store.program())
    period = week_of(now)
    managers = db.session.execute(
        select(User.id, User.organization_id).where(
            User.role == "manager", User.organization_id.is_not(None), User.active.is_(True),
            ~select(ScheduledReport.id).where(
                ScheduledReport.user_id == User.id, ScheduledReport.kind == "weekly_digest",
                ScheduledReport.period == period).exists())
        .order_by(User.id)).all()
    db.session.commit()
    sent = 0
    for user_id, org_id in managers:
        manager, org = db.session.get(User, user_id), db.session.get(Organization, org_id)
        subject, body = weekly_digest_text(manager, org, program, store, now)
        begin_write()
        if _claim(user_id, "weekly_digest", period, now) and mail_to(
                manager, "weekly_digest", subject, body):
            sent += 1
        db.session.commit()
    return sent


# -- the channel manager's monthly summary -----------------------------------------------


def monthly_summary_text(manager: User, program, now: datetime) -> tuple[str, str]:
    period, start, end = previous_month(now)
    moves = db.session.execute(
        select(AuditEvent.target, AuditEvent.detail, AuditEvent.at)
        .where(AuditEvent.action == "organization.tier", AuditEvent.at >= start,
               AuditEvent.at < end).order_by(AuditEvent.at)).all()
    names = dict(db.session.execute(select(Organization.slug, Organization.name)).all())
    awarded = Counter(db.session.scalars(select(Certification.level).where(
        Certification.awarded_at >= start, Certification.awarded_at < end)))
    at_risk = db.session.scalars(
        select(Organization.name).join(OrganizationStats,
                                       OrganizationStats.organization_id == Organization.id)
        .where(OrganizationStats.at_risk.is_(True)).order_by(Organization.name)).all()
    with force_locale(manager.locale or "ja"):
        month = format_date(start.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date(), "yyyy/MM")
        subject = _("Monthly partner summary: %(month)s", month=month)
        lines = [_("%(name)s,", name=manager.name), "",
                 _("Partner programme summary for %(month)s:", month=month), "",
                 _("Tier changes: %(n)d", n=len(moves))]
        lines += [f"- {names.get(slug, slug)}: {_tier_title(program, (d or {}).get('before', ''))}"
                  f" → {_tier_title(program, (d or {}).get('after', ''))}"
                  for slug, d, _at in moves[:LISTED]]
        lines += _more(len(moves))
        lines += ["", _("Certifications awarded: %(n)d", n=sum(awarded.values()))]
        lines += [f"- {_level_title(program, level)}: {n}"
                  for level, n in sorted(awarded.items(),
                                         key=lambda i: program.rank_of(i[0]) or 0)]
        lines += ["", ngettext("%(num)d company at risk of losing its tier",
                               "%(num)d companies at risk of losing their tier", len(at_risk))]
        lines += [f"- {name}" for name in at_risk[:LISTED]]
        lines += _more(len(at_risk))
        lines += ["", _("Dashboard: %(url)s", url=absolute_url("partners.dashboard"))]
    return subject, "\n".join(lines)


def send_monthly_summaries(now: datetime) -> int:
    from lms.web import content_store

    program = orgs.program_or_fallback(content_store().program())
    period = previous_month(now)[0]
    managers = db.session.scalars(
        select(User.id).where(
            User.role == "manager", User.organization_id.is_(None), User.active.is_(True),
            ~select(ScheduledReport.id).where(
                ScheduledReport.user_id == User.id, ScheduledReport.kind == "monthly_summary",
                ScheduledReport.period == period).exists())
        .order_by(User.id)).all()
    db.session.commit()
    sent = 0
    for user_id in managers:
        manager = db.session.get(User, user_id)
        subject, body = monthly_summary_text(manager, program, now)
        begin_write()
        if _claim(user_id, "monthly_summary", period, now) and mail_to(
                manager, "monthly_summary", subject, body):
            sent += 1
        db.session.commit()
    return sent


@register
def sweep_reports(now: datetime) -> StepResult:
    weekly = send_weekly_digests(now)
    monthly = send_monthly_summaries(now)
    return StepResult("reports", weekly + monthly,
                      f"{weekly} weekly digest(s), {monthly} monthly summary(ies)")
