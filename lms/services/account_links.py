"""Single-use links sent by e-mail (password reset, invitation, sign-up).

A token carries 256 random bits and is stored only as its SHA-256; the purpose is part of
the lookup, so a token made for one purpose is unknown to every other.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from lms.extensions import db
from lms.models import AccountToken
from lms.services.errors import Gone, NotFound

_TABLE = AccountToken.__table__


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(purpose: str, email: str, *, lifetime: timedelta, now: datetime,
          **fields) -> tuple[str, AccountToken]:
    """A new token, added to the caller's transaction; the token is returned, never stored."""
    token = secrets.token_urlsafe(32)
    row = AccountToken(purpose=purpose, token_hash=digest(token), email=email, created_at=now,
                       expires_at=now + lifetime, **fields)
    db.session.add(row)
    return token, row


def find(purpose: str, token: str, now: datetime) -> AccountToken:
    """The live token row; NotFound for an unknown (forged, foreign) token, Gone for a used,
    revoked or expired one."""
    if not token or len(token) > 100:
        raise NotFound("link_unknown")
    row = db.session.scalar(select(AccountToken).where(AccountToken.purpose == purpose,
                                                       AccountToken.token_hash == digest(token)))
    if row is None:
        raise NotFound("link_unknown")
    if row.used_at is not None or row.revoked_at is not None:
        raise Gone("link_used")
    if row.expires_at <= now:
        raise Gone("link_expired")
    return row


def consume(row: AccountToken, now: datetime) -> None:
    """Mark the token used, atomically: of two requests racing with one link, one wins."""
    won = db.session.execute(update(_TABLE).where(_TABLE.c.id == row.id,
                                                  _TABLE.c.used_at.is_(None),
                                                  _TABLE.c.revoked_at.is_(None))
                             .values(used_at=now).returning(_TABLE.c.id)).first()
    if won is None:
        raise Gone("link_used")
