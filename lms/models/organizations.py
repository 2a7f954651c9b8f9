from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models.types import UTCDateTime, utcnow


class Organization(db.Model):
    """A partner company."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)  # the dashboard sorts by it
    # The tier the company holds now (its margin is paid on it); follows the
    # eligible tier on `lms sweep` or a channel manager's confirmation.
    tier: Mapped[str] = mapped_column(String(32), default="registered")
    deals_closed: Mapped[int] = mapped_column(Integer, default=0)
    annual_revenue: Mapped[int] = mapped_column(BigInteger, default=0)
    target_met: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A deactivated company keeps its records, but its people cannot sign in (pages, API
    # tokens, SCIM) and nobody there counts toward its tier (lms.services.company_stats).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class OrganizationStats(db.Model):
    """Derived figures per company, so the dashboard sorts and pages 2,000 companies
    without recounting 60,000 certifications on every request.

    Rebuilt from certifications, people, attempts and the program by
    ``lms.services.company_stats``; a row is stale once ``fresh_until`` has passed
    (a certification expired or entered the at-risk window, a write touched the
    company) or when the program's tiers changed (``program_key``).
    """

    __tablename__ = "organization_stats"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    program_key: Mapped[str] = mapped_column(String(40))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fresh_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    people: Mapped[int] = mapped_column(Integer, default=0)
    active_people: Mapped[int] = mapped_column(Integer, default=0)
    attempts_graded: Mapped[int] = mapped_column(Integer, default=0)
    attempts_passed: Mapped[int] = mapped_column(Integer, default=0)
    certified: Mapped[int] = mapped_column(Integer, default=0, index=True)  # any level
    counts: Mapped[dict] = mapped_column(JSON, default=dict)        # level -> people
    tier_rank: Mapped[int] = mapped_column(Integer, default=0, index=True)
    eligible_tier: Mapped[str] = mapped_column(String(32))
    eligible_rank: Mapped[int] = mapped_column(Integer, default=0, index=True)
    next_tier: Mapped[str | None] = mapped_column(String(32))
    missing: Mapped[list] = mapped_column(JSON, default=list)       # [kind, target, required, current]
    missing_count: Mapped[int] = mapped_column(Integer, default=0, index=True)
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    health: Mapped[int | None] = mapped_column(Integer, index=True)  # 0-100; None: no people


class ChartCount(db.Model):
    """Counts behind the dashboard's charts, per UTC day, so a dashboard (even the first
    after a restart) reads a few hundred rows instead of aggregating every certification
    and attempt.

    ``kind`` "award": certifications awarded that day at level ``key`` (``n``); "graded":
    attempts at quiz ``key`` submitted that day and graded (``n``), of which passed.
    Kept by ``lms.services.chart_counts``: added to in the transaction of every ORM
    write that awards, grades or deletes, and recounted from the rows by `lms sweep`."""

    __tablename__ = "chart_counts"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)   # "2026-05-31" (UTC)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    passed: Mapped[int] = mapped_column(BigInteger, default=0)


class ChartSnapshot(db.Model):
    """The dashboard's figures drawn from the company rows (tier totals, health bands,
    tier forecast, tiers over time), stored once computed for a ``version`` (the stats
    version, the program and the day): every server process, and the first request after
    a restart, reads them instead of recomputing while no company row changed.
    Written by `lms sweep` and by the first dashboard after a change
    (lms.services.chart_snapshots)."""

    __tablename__ = "chart_snapshots"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)   # "dashboard"
    version: Mapped[str] = mapped_column(String(200))
    figures: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
