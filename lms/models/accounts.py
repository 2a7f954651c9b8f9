from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, false, select
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship, with_expression

from lms.extensions import db
from lms.models.organizations import Organization
from lms.models.types import UTCDateTime, utcnow

ROLES = ("learner", "trainer", "manager", "admin")


class User(db.Model):
    __tablename__ = "users"
    # The few people off the leaderboard are found through these (rank_of).
    __table_args__ = (Index("ix_users_leaderboard_opt_out", "leaderboard_opt_out"),
                      Index("ix_users_active", "active"),
                      # A company's people by index alone (the tier forecast's expiries).
                      Index("ix_users_organization_id_id", "organization_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="learner")
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped at sign-out, password change and deactivation: every session cookie
    # carries the version it was issued with and dies when it no longer matches.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept beside the user row, which every request loads anyway: the header's unread
    # count costs no query. Changed only by atomic UPDATEs in lms/services/inbox.py.
    unread_notifications: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The person chose not to appear on the people leaderboard (company totals still count).
    leaderboard_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A password typed by an admin is known to someone else: it is changed at first sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # Notification kinds the person does not want by e-mail, space-separated (empty: all of
    # them). The notification centre keeps every kind regardless (lms/services/mail_prefs.py).
    mail_off: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # SCIM: the identity provider's own id for this person (externalId), kept as given.
    scim_external_id: Mapped[str | None] = mapped_column(String(200))

    # Loaded on access: the user is read on every request, the company rarely.
    # Lists that show companies ask for it with selectinload.
    organization: Mapped[Organization | None] = relationship(lazy="select")
    # Whether the company is active, read by the session's user loader in the same query as
    # the user (lms/auth/session.py); None when the user was loaded any other way.
    company_active_loaded: Mapped[bool | None] = query_expression()

    # Flask-Login protocol
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and self.company_active

    @property
    def company_active(self) -> bool:
        """False while the person's company is deactivated: nobody there signs in."""
        if self.organization_id is None:
            return True
        if self.company_active_loaded is not None:
            return bool(self.company_active_loaded)
        return self.organization.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_channel_manager(self) -> bool:
        return self.role == "manager" and self.organization_id is None

    @property
    def is_partner_manager(self) -> bool:
        return self.role == "manager" and self.organization_id is not None

    @property
    def sees_drafts(self) -> bool:
        return self.role in ("trainer", "admin")



def with_company_active():
    """Load option: whether the user's company is active, in the query that loads the user
    (``User.company_active_loaded``), so that ``is_active`` needs no second query."""
    return with_expression(
        User.company_active_loaded,
        select(Organization.active).where(Organization.id == User.organization_id)
        .correlate(User).scalar_subquery())


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token: the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the token is for, as the admin named it ("CRM sync").
    name: Mapped[str | None] = mapped_column(String(100))
    # The admin form's one-time nonce: a reload or a second submit of the same form finds
    # this row instead of issuing another token.
    form_nonce: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class ScimToken(db.Model):
    """A bearer token for a partner company's identity provider (SCIM 2.0).

    It reaches only the people of its company; only its SHA-256 is stored.
    """

    __tablename__ = "scim_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(100))
    form_nonce: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(lazy="joined")


class LoginThrottle(db.Model):
    """Attempts counted per key and window, shared by all workers (lms.services.throttle).

    Keys: "account-address:<email>|<ip>", "address:<ip>", "account:<email>" (sign-in),
    "token:<ip>" (wrong API tokens), "password-check:<user id>"; a digest when too long.
    ``failures`` counts every attempt in the window, including refused ones.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
