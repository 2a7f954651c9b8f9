from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.accounts import User
from lms.models.types import UTCDateTime, random_id, utcnow


# Assertion and verification ids are public: 128 random bits.
new_assertion_id = random_id


class Certification(db.Model):
    """An awarded certification; its id is the Open Badges assertion id."""

    __tablename__ = "certifications"
    __table_args__ = (
        Index("ix_certifications_user_level", "user_id", "level"),
        Index("ix_certifications_level_expires", "level", "expires_at"),
        # Partner dashboard: the expiring-soon list and awards over time are range scans.
        # (expires_at, id): the list's own order, so its first page stops after 10 rows
        # even when many certifications expire at the same instant.
        Index("ix_certifications_expires_id", "expires_at", "id"),
        Index("ix_certifications_awarded_at", "awarded_at"),
        # A person's expiries by index alone (the tier forecast of the companies at risk).
        Index("ix_certifications_user_expires", "user_id", "expires_at", "revoked_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_assertion_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(32))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    # "<user_id>:<level>" while this is the person's standing certificate for the
    # level; NULL once revoked or superseded. Unique, so concurrent awards of the
    # same level collide instead of issuing two.
    current_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    notices: Mapped[list] = mapped_column(JSON, default=list)  # e.g. ["awarded", "expiry_90"]
    # Open Badges recipient, fixed at award time: a later change of the person's
    # email must not change what an issued assertion says.
    recipient_salt: Mapped[str | None] = mapped_column(String(32))
    recipient_identity: Mapped[str | None] = mapped_column(String(80))  # "sha256$<hex>"
    # {exam quiz slug: content hash of its file} when awarded: which exam versions it was
    # earned on (docs/authoring.en.md). NULL for certifications awarded before this existed.
    exam_versions: Mapped[dict | None] = mapped_column(JSON)
    # Its position in the Open Badges 3.0 Bitstring Status Lists (list = index // list size),
    # given at random the first time its credential is issued (lms/ob3/status.py).
    status_index: Mapped[int | None] = mapped_column(Integer, unique=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class PersonEvidence(db.Model):
    """Per-person figures recorded by a channel manager or the API (deals, CSAT)."""

    __tablename__ = "person_evidence"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    deals_closed: Mapped[int] = mapped_column(Integer, default=0)
    csat: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Signoff(db.Model):
    """A trainer's or manager's sign-off of a practical or an approval (recommendation…)."""

    __tablename__ = "signoffs"
    __table_args__ = (UniqueConstraint("user_id", "level", "requirement"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(32))
    requirement: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Upload(db.Model):
    """Evidence a learner uploaded (a paper, practical evidence); its bytes are UploadChunks."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_assertion_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(32))
    requirement: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))  # as the learner named it; display only
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UploadChunk(db.Model):
    """A piece of an upload's bytes, in the database so that every server serves every file.

    Pieces (not one value) so a download streams without holding the whole file.
    """

    __tablename__ = "upload_chunks"

    upload_id: Mapped[str] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"),
                                           primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
