from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models.types import UTCDateTime, random_id, utcnow

STATUSES = ("in_progress", "submitted", "pending_review", "graded")


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_user_quiz", "user_id", "quiz_slug"),
        Index("ix_attempts_quiz_status", "quiz_slug", "status"),
        Index("ix_attempts_open_deadline", "status", "deadline"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_slug: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    # Set only while in progress: the unique constraint allows one open attempt
    # per person and quiz, on SQLite and PostgreSQL alike (NULLs never collide).
    open_key: Mapped[str | None] = mapped_column(String(140), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snapshot: Mapped[dict] = mapped_column(JSON)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # clients may send ms timestamps
    last_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    essay_scores: Mapped[dict] = mapped_column(JSON, default=dict)
    essay_comments: Mapped[dict] = mapped_column(JSON, default=dict)
    # Per question [earned, points, needs_review] at the last grading: statistics
    # read this instead of re-grading every attempt.
    results: Mapped[dict | None] = mapped_column(JSON)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    score: Mapped[float | None] = mapped_column(Float)
    total: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
