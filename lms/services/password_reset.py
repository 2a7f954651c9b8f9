"""Forgotten passwords: a one-hour, single-use link by e-mail; a reset ends every other session.

The request answers the same for every address: known or not, the same writes happen
(throttle counters), and the only difference, a token and a queued mail, is two inserts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from lms.database import begin_write
from lms.extensions import db
from lms.mail import account_mail
from lms.models import AccountToken, User
from lms.models.types import utcnow
from lms.security.passwords import hash_password, password_problem
from lms.security.urls import absolute_url
from lms.services import account_links, audit
from lms.services.accounts import ThrottleLimits, count_attempt, normalise_email
from lms.services.errors import Gone, Invalid, Throttled

LIFETIME = timedelta(hours=1)


def request_reset(email: str, *, address: str, limits: ThrottleLimits,
                  now: datetime | None = None) -> None:
    """Mail a reset link to a known, active account; nothing for any other address.
    Raises Throttled (for every address alike) after too many requests."""
    now = now or utcnow()
    email = normalise_email(email)[:254]
    begin_write()
    throttled = count_attempt({f"reset-account:{email}": limits.per_account_address,
                               f"reset-address:{address}": limits.per_address}, limits, now)
    if throttled:
        audit.record("password.reset_throttled", actor_id=None, target=email, address=address)
        db.session.commit()
        raise Throttled("too many password reset requests")
    user = db.session.scalar(select(User).where(User.email == email, User.active.is_(True)))
    if user is not None:
        token, _row = account_links.issue("reset", email, lifetime=LIFETIME, now=now,
                                          user_id=user.id)
        account_mail.password_reset(email, user.name, absolute_url("accounts.reset",
                                                                   token=token), user.locale)
        audit.record("password.reset_requested", actor_id=None, target=email, address=address)
    db.session.commit()


def check_reset_token(token: str, now: datetime | None = None) -> AccountToken:
    row = account_links.find("reset", token, now or utcnow())
    db.session.commit()
    return row


def reset_password(token: str, password: str, *, address: str | None,
                   now: datetime | None = None) -> User:
    """Set the new password, end every session of the person, use up the link."""
    now = now or utcnow()
    problem = password_problem(password)
    begin_write()
    row = account_links.find("reset", token, now)
    if problem:
        db.session.commit()
        raise Invalid(problem, field="password")
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        db.session.commit()
        raise Gone("link_used")
    account_links.consume(row, now)
    # Every other reset link of this person dies with this one.
    db.session.execute(update(AccountToken.__table__)
                       .where(AccountToken.user_id == user.id, AccountToken.purpose == "reset",
                              AccountToken.used_at.is_(None)).values(used_at=now))
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.session_version += 1
    audit.record("password.reset", actor_id=user.id, target=user.email, address=address)
    db.session.commit()
    return user
