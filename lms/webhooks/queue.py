"""The webhook messages' outbox operations (the pattern of ``lms.mail.outbox``).

A claim takes the next due messages in one UPDATE … RETURNING that moves their
``next_attempt_at`` a lease ahead (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: BEGIN
IMMEDIATE serialises writers), so two workers never hold the same message. A message is due
only when its endpoint is enabled and no older message of the same subject for the same
endpoint is still pending: event N+1 of a subject waits until event N was delivered.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import aliased

from lms.database import begin_write
from lms.extensions import db
from lms.models.webhooks import WebhookAttempt, WebhookEndpoint, WebhookMessage

_M = WebhookMessage.__table__
_E = WebhookEndpoint.__table__
_A = WebhookAttempt.__table__


@dataclass(frozen=True)
class Claimed:
    id: int
    message_id: str
    endpoint_id: int
    payload: str
    attempts: int
    created_at: datetime
    claim: str


def claim_batch(now: datetime, lease: timedelta, size: int) -> list[Claimed]:
    """Up to ``size`` due messages, held by this caller until ``now + lease``. They are of
    different subjects (or endpoints): only the oldest pending message of a subject is due."""
    begin_write()
    older = aliased(_M)
    blocked = exists().where(and_(older.c.endpoint_id == _M.c.endpoint_id,
                                  older.c.subject == _M.c.subject,
                                  older.c.status == "pending", older.c.id < _M.c.id))
    enabled = select(_E.c.id).where(_E.c.enabled.is_(True))
    due = (select(_M.c.id)
           .where(_M.c.status == "pending", _M.c.next_attempt_at <= now,
                  _M.c.endpoint_id.in_(enabled), ~blocked)
           .order_by(_M.c.next_attempt_at, _M.c.id).limit(size))
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=_M)
    claim = secrets.token_hex(16)
    statement = (update(_M).where(_M.c.id.in_(due.scalar_subquery()))
                 .values(next_attempt_at=now + lease, attempts=_M.c.attempts + 1, claim=claim)
                 .returning(_M.c.id, _M.c.message_id, _M.c.endpoint_id, _M.c.payload,
                            _M.c.attempts, _M.c.created_at))
    rows = db.session.execute(statement).all()
    db.session.commit()
    return sorted((Claimed(*row, claim=claim) for row in rows), key=lambda c: c.id)


def log_attempt(item: Claimed, *, at: datetime, status_code: int | None, duration_ms: int,
                error: str | None, ok: bool) -> None:
    db.session.add(WebhookAttempt(message_id=item.id, endpoint_id=item.endpoint_id,
                                  attempted_at=at, status_code=status_code,
                                  duration_ms=duration_ms, error=(error or None) and error[:500],
                                  ok=ok))


def mark_delivered(item: Claimed, now: datetime) -> bool:
    """False when the claim was lost (the lease ended and another worker took it)."""
    result = db.session.execute(
        update(_M).where(_M.c.id == item.id, _M.c.claim == item.claim)
        .values(status="delivered", delivered_at=now, claim=None, last_error=None))
    return result.rowcount == 1


def mark_failed(item: Claimed, error: str, *, retry_at: datetime | None) -> bool:
    """Due again at ``retry_at``, or given up (``failed``) when it is None."""
    values = {"claim": None, "last_error": error[:500]}
    if retry_at is None:
        values["status"] = "failed"
    else:
        values["next_attempt_at"] = retry_at
    result = db.session.execute(update(_M).where(_M.c.id == item.id, _M.c.claim == item.claim)
                                .values(**values))
    return result.rowcount == 1


def purge_delivered(before: datetime) -> int:
    """Forget messages delivered before ``before`` (their attempts go with them)."""
    begin_write()
    doomed = select(_M.c.id).where(_M.c.status == "delivered", _M.c.delivered_at < before)
    db.session.execute(delete(_A).where(_A.c.message_id.in_(doomed)))
    removed = db.session.execute(delete(_M).where(_M.c.status == "delivered",
                                                  _M.c.delivered_at < before)
                                 .returning(_M.c.id)).all()
    db.session.commit()
    return len(removed)
