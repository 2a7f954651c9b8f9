from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models.types import UTCDateTime, utcnow


class Organization(db.Model):
    """A partner company."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The tier the company holds now (its margin is paid on it); follows the
    # eligible tier on `lms sweep` or a channel manager's confirmation.
    tier: Mapped[str] = mapped_column(String(32), default="registered")
    deals_closed: Mapped[int] = mapped_column(Integer, default=0)
    annual_revenue: Mapped[int] = mapped_column(BigInteger, default=0)
    target_met: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
