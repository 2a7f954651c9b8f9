"""API and SCIM bearer tokens: issued once, named, listed with their last use, revocable.

Only the SHA-256 of a token is stored. An admin form carries a one-time nonce kept on the
token's row (unique), so a reload or a second submit of the same form finds the token it
already issued instead of making another.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError

from lms.database import JOIN_WRITE, begin_write
from lms.extensions import db
from lms.models import ApiToken, Organization, ScimToken, User
from lms.models.accounts import with_company_active
from lms.models.types import utcnow
from lms.services import audit
from lms.services.errors import Invalid, NotFound

MAX_TOKEN_NAME = 100  # the columns' size
MAX_PRESENTED = 200   # longer bearer values are nobody's token
# "Last used" is kept to the hour: a busy integration does not write on every request.
LAST_USED_PRECISION = timedelta(hours=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    """``token`` is the secret, or None when this form's nonce had already issued ``row``."""
    row: ApiToken | ScimToken
    token: str | None


def _clean_name(name: str | None) -> str | None:
    name = (name or "").strip()
    if len(name) > MAX_TOKEN_NAME:
        raise Invalid("token_name_too_long", field="name")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Invalid("name_invalid", field="name")
    return name or None


def _check_nonce(nonce: str | None) -> str | None:
    if nonce is not None and not (16 <= len(nonce) <= 64 and nonce.isascii()):
        raise Invalid("form_expired", field="name")
    return nonce


def issue_api_token(user_id: int, *, name: str | None = None, nonce: str | None = None,
                    actor_id: int | None = None, address: str | None = None) -> Issued:
    """A new API token acting as this user; the same row again for a nonce already used."""
    name, nonce = _clean_name(name), _check_nonce(nonce)
    begin_write()
    if nonce is not None:
        row = db.session.scalar(select(ApiToken).where(ApiToken.form_nonce == nonce))
        if row is not None:
            db.session.commit()
            if row.user_id != user_id:
                raise Invalid("form_expired", field="name")
            return Issued(row, None)
    user = db.session.get(User, user_id)
    if user is None:
        db.session.rollback()
        raise NotFound("unknown_user", field="email")
    token = "pa_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=digest(token), name=name, form_nonce=nonce)
    db.session.add(row)
    audit.record("token.created", actor_id=actor_id, target=user.email, address=address,
                 name=name)
    db.session.commit()
    return Issued(row, token)


def tokens_of(user_id: int) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_api_token(user_id: int, token_id: int, *, actor_id: int,
                     address: str | None = None) -> ApiToken:
    begin_write()
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id:
        db.session.rollback()
        raise NotFound("unknown_token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("token.revoked", actor_id=actor_id, target=row.user.email, address=address,
                     name=row.name, token_id=row.id)
    db.session.commit()
    return row


_PENDING = "lms_token_use"


def _touch(model, row_id: int, last_used: datetime | None, now: datetime) -> None:
    """Note the token's use, at most once per LAST_USED_PRECISION.

    In a request the note waits: it joins the request's own write transaction if it has
    one (a quiz start: one transaction and one turn at SQLite's lock instead of two), or
    is written when the request ends (``write_token_use``); should the request's write be
    rolled back, the note goes with it (bookkeeping only). Outside a request, at once."""
    if last_used is not None and now - last_used < LAST_USED_PRECISION:
        return
    if has_request_context():
        g.setdefault(_PENDING, []).append((model, row_id, now))
        return
    _write_use([(model, row_id, now)])


def _record_uses(pending) -> None:
    # On the table, not the entity: the ORM's bulk UPDATE machinery costs several times the
    # statement, and this runs inside a quiz start's turn at SQLite's write lock.
    for model, row_id, now in pending:
        table = model.__table__
        db.session.execute(update(table).where(table.c.id == row_id).values(last_used_at=now))


def _join_write() -> None:
    if has_request_context():
        _record_uses(g.pop(_PENDING, ()))


JOIN_WRITE.append(_join_write)


def write_token_use(response):
    """After a request that wrote nothing: its token's use in a short write of its own."""
    pending = g.pop(_PENDING, None)
    if pending:
        _write_use(pending)
    return response


def _write_use(pending) -> None:
    # Bookkeeping only: a database that cannot take the write (busy, read-only, full) must
    # not turn a read into an error, so the note is skipped then and logged.
    try:
        begin_write()  # takes nothing from g here: popped above, or no request
        _record_uses(pending)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.warning("token last use not recorded: %s", exc.__class__.__name__)


# Built once, as the session's user loader (lms/auth/session.py): the person, whether their
# company is active (``is_active`` needs both, on every API request) and the token's own
# state, in one prepared statement, without loading the token as an entity.
_USER_BY_TOKEN = (
    select(User, ApiToken.id, ApiToken.last_used_at, ApiToken.revoked_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest"))
    .options(with_company_active())
)


def user_for_api_token(token: str, now: datetime | None = None) -> User | None:
    if not token or len(token) > MAX_PRESENTED:
        return None
    row = db.session.execute(_USER_BY_TOKEN, {"digest": digest(token)}).first()
    if row is None:
        return None
    user, token_id, last_used, revoked = row
    if revoked is not None or not user.is_active:
        return None
    _touch(ApiToken, token_id, last_used, now or utcnow())
    return user


# -- SCIM tokens: one company's identity provider ---------------------------------------


def issue_scim_token(org_id: int, *, name: str | None = None, nonce: str | None = None,
                     actor_id: int | None = None, address: str | None = None) -> Issued:
    name, nonce = _clean_name(name), _check_nonce(nonce)
    begin_write()
    if nonce is not None:
        row = db.session.scalar(select(ScimToken).where(ScimToken.form_nonce == nonce))
        if row is not None:
            db.session.commit()
            if row.organization_id != org_id:
                raise Invalid("form_expired", field="name")
            return Issued(row, None)
    org = db.session.get(Organization, org_id)
    if org is None:
        db.session.rollback()
        raise NotFound("unknown_organization")
    token = "scim_" + secrets.token_urlsafe(32)
    row = ScimToken(organization_id=org.id, token_hash=digest(token), name=name,
                    form_nonce=nonce, created_by_id=actor_id)
    db.session.add(row)
    audit.record("scim_token.created", actor_id=actor_id, target=org.slug, address=address,
                 name=name)
    db.session.commit()
    return Issued(row, token)


def scim_tokens_of(org_id: int) -> list[ScimToken]:
    return list(db.session.scalars(select(ScimToken).where(ScimToken.organization_id == org_id)
                                   .order_by(ScimToken.created_at.desc(), ScimToken.id.desc())))


def revoke_scim_token(org_id: int, token_id: int, *, actor_id: int,
                      address: str | None = None) -> ScimToken:
    begin_write()
    row = db.session.get(ScimToken, token_id)
    if row is None or row.organization_id != org_id:
        db.session.rollback()
        raise NotFound("unknown_token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("scim_token.revoked", actor_id=actor_id, target=row.organization.slug,
                     address=address, name=row.name, token_id=row.id)
    db.session.commit()
    return row


def scim_token_for(token: str, now: datetime | None = None) -> ScimToken | None:
    """The SCIM token presented (its ``organization`` is the company it serves); None when
    unknown, revoked, or the company is deactivated."""
    if not token or len(token) > MAX_PRESENTED:
        return None
    row = db.session.scalar(select(ScimToken).where(ScimToken.token_hash == digest(token)))
    if row is None or row.revoked_at is not None or not row.organization.active:
        return None
    _touch(ScimToken, row.id, row.last_used_at, now or utcnow())
    return row
