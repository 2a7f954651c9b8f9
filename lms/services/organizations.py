"""Partner companies: who may see which, the dashboard's list, one company's standing,
company figures and tier confirmation, and the sweep step that moves tiers.

Scope: admins and channel managers (managers without an organisation) see every
company; a partner manager only their own; learners and trainers no company data
(a learner sees their own certifications on their own pages, never colleagues').
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Bundle, aliased

from lms.content.program import Program, Tier
from lms.database import begin_write
from lms.extensions import db
from lms.models import Organization
from lms.models.organizations import OrganizationStats
from lms.models.types import utcnow
from lms.rules.health import HEALTH_LOW, health_band, needs_attention
from lms.rules.margin import Margin, margin_for
from lms.rules.tiers import Missing, resolve_tier
from lms.services import audit
from lms.services import company_stats as stats
from lms.services.company_stats import FALLBACK_PROGRAM, Health
from lms.services.errors import Conflict, Forbidden, Invalid, NotFound
from lms.services.sweep import StepResult, register
from lms.webhooks import events as webhook_events

MAX_REVENUE = 10**15  # yen; far above any partner, well inside BIGINT


def program_or_fallback(program: Program | None) -> Program:
    return program or FALLBACK_PROGRAM


# -- scope ------------------------------------------------------------------------------


def sees_all_companies(viewer) -> bool:
    return viewer.role == "admin" or viewer.is_channel_manager


def sees_companies(viewer) -> bool:
    return sees_all_companies(viewer) or viewer.is_partner_manager


def visible_ids(viewer) -> list[int] | None:
    """None: every company; otherwise the ids the viewer may see (possibly none)."""
    if sees_all_companies(viewer):
        return None
    if viewer.is_partner_manager:
        return [viewer.organization_id]
    return []


def company_for(viewer, slug: str) -> Organization:
    """The company ``slug`` if the viewer may see it (404 unknown, 403 not theirs)."""
    if not sees_companies(viewer):
        raise Forbidden("Company data is for managers and admins.")
    org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise NotFound("No such company.")
    if not sees_all_companies(viewer) and org.id != viewer.organization_id:
        raise Forbidden("You may only see your own company.")
    return org


# -- the list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanySummary:
    id: int
    slug: str
    name: str
    tier: Tier
    eligible: Tier
    next_tier: Tier | None
    missing: tuple[Missing, ...]
    at_risk: bool
    counts: dict[str, int]
    health: Health
    deals_closed: int
    annual_revenue: int
    target_met: bool

    @property
    def health_low(self) -> bool:
        return health_band(self.health.score) == "low"

    @property
    def needs_attention(self) -> bool:
        """At risk: the tier would drop as certifications expire, or health is low."""
        return needs_attention(self.at_risk, self.health.score)

    @property
    def promotion_due(self) -> bool:
        return self.eligible.rank > self.tier.rank

    @property
    def below_tier(self) -> bool:
        return self.eligible.rank < self.tier.rank


@dataclass(frozen=True)
class CompanyFilter:
    q: str = ""
    tier: str = ""          # the tier held
    eligible: str = ""      # the eligible tier
    status: str = ""        # "", at_risk, promotion, below
    sort: str = "name"
    descending: bool = False
    page: int = 1
    per_page: int = 50


SORTS = ("name", "tier", "eligible", "gap", "at_risk", "certified", "people", "health")
STATUSES = ("at_risk", "promotion", "below")


@dataclass(frozen=True)
class CompanyPage:
    rows: list[CompanySummary]
    total: int
    page: int
    pages: int


def _summary(program: Program, org: Organization, row: OrganizationStats) -> CompanySummary:
    eligible = resolve_tier(program, row.eligible_tier)
    return CompanySummary(
        org.id, org.slug, org.name, resolve_tier(program, org.tier), eligible,
        program.tier(row.next_tier) if row.next_tier else None, stats.missing_of(row),
        row.at_risk, {level: int(row.counts.get(level, 0)) for level in program.levels},
        stats.health_of(row), org.deals_closed, org.annual_revenue, org.target_met)


class _Columns(Bundle):
    """A table's columns as one plain named row, or None where an outer join found
    nothing. Lists read companies only to show them: skipping ORM instances (identity
    map, instrumentation) halves the cost of loading a page of 50."""

    def create_row_processor(self, query, procs, labels):
        make = super().create_row_processor(query, procs, labels)

        def proc(row):
            values = make(row)
            return None if values[0] is None else values

        return proc


_ORG = _Columns("org", *Organization.__table__.c)
_STATS = _Columns("stats", *OrganizationStats.__table__.c)


def _filtered(program: Program, viewer, flt: CompanyFilter):
    """(company, stats row or None) pairs matching the filter, as plain rows."""
    s = OrganizationStats
    stmt = select(_ORG, _STATS).outerjoin(s, s.organization_id == Organization.id)
    ids = visible_ids(viewer)
    if ids is not None:
        stmt = stmt.where(Organization.id.in_(ids))
    if flt.q:
        pattern = "%" + flt.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(func.lower(Organization.name).like(pattern, escape="\\"),
                              Organization.slug.like(pattern, escape="\\")))
    if flt.tier and program.tier(flt.tier):
        stmt = stmt.where(s.tier_rank == program.tier(flt.tier).rank)
    if flt.eligible and program.tier(flt.eligible):
        stmt = stmt.where(s.eligible_rank == program.tier(flt.eligible).rank)
    if flt.status == "at_risk":  # the tier would drop, or health is low (lms.rules.health)
        stmt = stmt.where(or_(s.at_risk.is_(True), s.health < HEALTH_LOW))
    elif flt.status == "promotion":
        stmt = stmt.where(s.eligible_rank > s.tier_rank)
    elif flt.status == "below":
        stmt = stmt.where(s.eligible_rank < s.tier_rank)
    return stmt


def _order(flt: CompanyFilter):
    s = OrganizationStats
    column = {"name": Organization.name, "tier": s.tier_rank, "eligible": s.eligible_rank,
              "gap": s.missing_count, "at_risk": s.at_risk, "certified": s.certified,
              "people": s.people, "health": s.health}.get(flt.sort, Organization.name)
    primary = column.desc() if flt.descending else column.asc()
    if flt.sort == "health":  # companies with nobody in them last, either way
        primary = primary.nulls_last()
    return (primary, Organization.name, Organization.id)


def list_companies(program: Program | None, viewer, flt: CompanyFilter,
                   now: datetime | None = None) -> CompanyPage:
    program = program_or_fallback(program)
    ids = visible_ids(viewer)
    if ids == []:
        return CompanyPage([], 0, 1, 1)
    base = _filtered(program, viewer, flt)
    total = db.session.scalar(base.with_only_columns(func.count()))  # the same joins and filters
    pages = max((total + flt.per_page - 1) // flt.per_page, 1)
    page = min(max(flt.page, 1), pages)
    result = db.session.execute(base.order_by(*_order(flt)).limit(flt.per_page)
                                .offset((page - 1) * flt.per_page)).all()
    pairs = stats.current(program, now or utcnow(), result)
    return CompanyPage([_summary(program, org, row) for org, row in pairs], total, page, pages)


def api_page(program: Program | None, viewer, after: str | None, limit: int,
             now: datetime | None = None) -> tuple[list[CompanySummary], str | None]:
    """Keyset page by slug: (companies, slug to continue after or None)."""
    program = program_or_fallback(program)
    ids = visible_ids(viewer)
    if ids == []:
        return [], None
    stmt = _filtered(program, viewer, CompanyFilter())
    if after:
        stmt = stmt.where(Organization.slug > after)
    result = db.session.execute(stmt.order_by(Organization.slug).limit(limit + 1)).all()
    pairs = stats.current(program, now or utcnow(), result[:limit])
    rows = [_summary(program, org, row) for org, row in pairs]
    return rows, (rows[-1].slug if len(result) > limit else None)


def tier_totals(program: Program | None, viewer) -> list[tuple[Tier, int, int]]:
    """(tier, companies holding it, companies eligible for it), lowest tier first."""
    return tier_totals_of(program, visible_ids(viewer))


def tier_totals_of(program: Program | None,
                   ids: Sequence[int] | None) -> list[tuple[Tier, int, int]]:
    """tier_totals of the companies ``ids`` (all when None)."""
    program = program_or_fallback(program)
    s = OrganizationStats
    held = select(Organization.tier, func.count()).group_by(Organization.tier)
    eligible = select(s.eligible_tier, func.count()).group_by(s.eligible_tier)
    if ids is not None:
        held = held.where(Organization.id.in_(ids))
        eligible = eligible.where(s.organization_id.in_(ids))
    held_by: dict[str, int] = {}
    for key, n in db.session.execute(held):
        tier = resolve_tier(program, key).key  # unknown keys count as the lowest tier
        held_by[tier] = held_by.get(tier, 0) + n
    eligible_by = dict(db.session.execute(eligible).all())
    return [(t, held_by.get(t.key, 0), eligible_by.get(t.key, 0)) for t in program.tiers]


# -- one company ------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyStanding:
    summary: CompanySummary
    margin: Margin
    computed_at: datetime


def standing(program: Program | None, org: Organization,
             now: datetime | None = None) -> CompanyStanding:
    program = program_or_fallback(program)
    db.session.refresh(org)
    row = stats.current_for(program, org, now or utcnow())
    return CompanyStanding(_summary(program, org, row),
                           margin_for(program, org.tier, org.target_met), row.computed_at)


# -- company figures and tier -------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    deals_closed: int | None = None
    annual_revenue: int | None = None
    target_met: bool | None = None


def parse_metrics(data: dict) -> Metrics:
    """Validate a metrics body: whole numbers >= 0, a boolean; unknown fields refused."""
    unknown = set(data) - {"deals_closed", "annual_revenue", "target_met"}
    if unknown:
        raise Invalid(f"Unknown field: {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    if not data:
        raise Invalid("Give at least one of deals_closed, annual_revenue, target_met.")
    for name, ceiling in (("deals_closed", 10**9), ("annual_revenue", MAX_REVENUE)):
        value = data.get(name)
        if name in data and (not isinstance(value, int) or isinstance(value, bool)
                             or not 0 <= value <= ceiling):
            raise Invalid(f"{name} must be a whole number from 0 to {ceiling}.", field=name)
    if "target_met" in data and not isinstance(data["target_met"], bool):
        raise Invalid("target_met must be true or false.", field="target_met")
    return Metrics(data.get("deals_closed"), data.get("annual_revenue"), data.get("target_met"))


def update_metrics(actor, slug: str, metrics: Metrics, *, address: str | None = None) -> Organization:
    """Channel managers and admins record a company's figures; audited."""
    if not sees_all_companies(actor):
        raise Forbidden("Only channel managers and admins record company figures.")
    begin_write()
    org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise NotFound("No such company.")
    before = {"deals_closed": org.deals_closed, "annual_revenue": org.annual_revenue,
              "target_met": org.target_met}
    for name in before:
        value = getattr(metrics, name)
        if value is not None:
            setattr(org, name, value)
    after = {name: getattr(org, name) for name in before}
    if after != before:
        audit.record("organization.metrics", actor_id=actor.id, target=slug, address=address,
                     before=before, after=after)
    db.session.commit()
    return org


def confirm_tier(program: Program | None, actor, slug: str, expected: str, *,
                 address: str | None = None, now: datetime | None = None) -> Organization:
    """A channel manager moves the company to its eligible tier, as shown to them
    (``expected``): if eligibility changed meanwhile, nothing moves (409)."""
    if not sees_all_companies(actor):
        raise Forbidden("Only channel managers and admins confirm tiers.")
    if program is None:
        raise Conflict("The certification program is unavailable; tiers cannot move now.")
    now = now or utcnow()
    begin_write()
    org = db.session.scalar(select(Organization).where(Organization.slug == slug)
                            .with_for_update())
    if org is None:
        raise NotFound("No such company.")
    eligible = stats.compute(program, now, [org.id])[org.id]["eligible_tier"]
    if eligible != expected:
        raise Conflict("The company's eligible tier changed; review it again.", field="tier")
    if org.tier != eligible:
        _move_tier(org, eligible, actor_id=actor.id, address=address, reason="confirmed")
    db.session.commit()
    return org


def _move_tier(org: Organization, tier: str, *, actor_id: int | None, address: str | None,
               reason: str) -> None:
    audit.record("organization.tier", actor_id=actor_id, target=org.slug, address=address,
                 before=org.tier, after=tier, reason=reason)
    webhook_events.tier_changed(org, org.tier, tier, reason)
    org.tier = tier


def follow_eligible_tiers(program: Program, now: datetime) -> int:
    """Every company whose tier differs from its eligible tier takes the eligible one."""
    begin_write()
    stats.rebuild(program, now, stats.stale_ids(program, now))
    s = aliased(OrganizationStats)
    moving = db.session.execute(
        select(Organization, s.eligible_tier).join(s, s.organization_id == Organization.id)
        .where(Organization.tier != s.eligible_tier)
        .order_by(Organization.id).with_for_update(of=Organization)).all()
    for org, eligible in moving:
        _move_tier(org, eligible, actor_id=None, address=None, reason="sweep")
    db.session.commit()
    return len(moving)


@register
def sweep_tiers(now: datetime) -> StepResult:
    from lms.web import content_store

    program = content_store().program()
    if program is None:
        # A missing or broken program.yml must not demote every company.
        return StepResult("company tiers", 0, "skipped: no valid program.yml")
    return StepResult("company tiers", follow_eligible_tiers(program, now))

