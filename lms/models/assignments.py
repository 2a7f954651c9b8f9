from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.accounts import User
from lms.models.types import UTCDateTime, utcnow

ASSIGNMENT_KINDS = ("course", "certification")


class Assignment(db.Model):
    """A course or certification a manager asked one person to finish by a date.

    One row per person and target: assigning it again moves the due date. ``due_at`` is
    the end of ``due_on`` in the person's time zone (what the sweep compares with);
    ``notices`` lists the reminders already sent ("due_soon:<due_on>", "overdue:<due_on>"),
    read and written under the row's lock so each is sent once.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "target", name="uq_assignments_user_target"),
        Index("ix_assignments_open_due", "completed_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))          # course, certification
    target: Mapped[str] = mapped_column(String(100))       # course slug or level key
    due_on: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notices: Mapped[list] = mapped_column(JSON, default=list)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="select")


class ScheduledReport(db.Model):
    """A periodic e-mail report sent to one person for one period (the weekly digest,
    the monthly summary). The row is inserted with the message in one transaction, and
    the unique key makes a second sweep of the same period send nothing."""

    __tablename__ = "scheduled_reports"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "period", name="uq_scheduled_reports_user_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))      # weekly_digest, monthly_summary
    period: Mapped[str] = mapped_column(String(16))    # 2026-W49, 2026-11
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
