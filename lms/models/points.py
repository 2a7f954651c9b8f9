from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models.types import UTCDateTime, utcnow


class PointsEntry(db.Model):
    """The append-only points ledger: one row per event, never updated or deleted.

    ``event_key`` is unique, so the same event (a lesson done twice, two requests at
    once) gives points once. A revocation adds a negative entry of its own.
    """

    __tablename__ = "points_ledger"
    __table_args__ = (Index("ix_points_ledger_user", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The company at the time of the event: its board keeps what was earned there.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsTotal(db.Model):
    """Running totals per person and period ('all' or 'YYYY-MM'), kept by the ledger's
    writes in the same transaction, so a leaderboard is one indexed read."""

    __tablename__ = "points_totals"
    __table_args__ = (Index("ix_points_totals_board", "period", "points"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)


class CompanyPointsTotal(db.Model):
    __tablename__ = "company_points_totals"
    __table_args__ = (Index("ix_company_points_totals_board", "period", "points"),)

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)


