"""The outbox table's operations: add a message to the caller's transaction, claim the next
due one atomically, and record how its delivery went.

A claim moves the message's ``next_attempt_at`` a lease ahead in one UPDATE … RETURNING
(PostgreSQL picks the row with FOR UPDATE SKIP LOCKED; SQLite's writers are serialised by
BEGIN IMMEDIATE), so two workers never hold the same message. A worker that dies mid-send
holds it until the lease ends; then another one sends it again with the same Message-ID.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from lms.database import begin_write
from lms.extensions import db
from lms.models.outbox import OutboxMessage
from lms.models.types import utcnow

_TABLE = OutboxMessage.__table__


@dataclass(frozen=True)
class Claimed:
    id: int
    message_id: str
    recipient: str
    subject: str
    body: str
    attempts: int
    created_at: datetime
    claim: str


def new_message_id(domain: str) -> str:
    return f"<{secrets.token_hex(16)}@{domain or 'localhost'}>"


def enqueue_mail(to: str, subject: str, body: str, *, domain: str,
                 now: datetime | None = None) -> OutboxMessage:
    """Add an e-mail to the current transaction: it exists exactly when its cause commits."""
    now = now or utcnow()
    message = OutboxMessage(kind="email", message_id=new_message_id(domain), recipient=to,
                            subject=subject[:500], body=body, status="pending", attempts=0,
                            next_attempt_at=now, created_at=now)
    db.session.add(message)
    return message


def retry_delay(attempts: int, *, base: float, cap: float) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base … never more than cap."""
    return timedelta(seconds=min(cap, base * (2 ** max(attempts - 1, 0))))


def claim_next(now: datetime, lease: timedelta) -> Claimed | None:
    """The next due message, claimed by this caller until ``now + lease``; None when none is due."""
    begin_write()
    due = (select(_TABLE.c.id)
           .where(_TABLE.c.status == "pending", _TABLE.c.next_attempt_at <= now)
           .order_by(_TABLE.c.next_attempt_at, _TABLE.c.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claim = secrets.token_hex(16)
    statement = (update(_TABLE).where(_TABLE.c.id == due.scalar_subquery())
                 .values(next_attempt_at=now + lease, attempts=_TABLE.c.attempts + 1, claim=claim)
                 .returning(_TABLE.c.id, _TABLE.c.message_id, _TABLE.c.recipient,
                            _TABLE.c.subject, _TABLE.c.body, _TABLE.c.attempts,
                            _TABLE.c.created_at))
    row = db.session.execute(statement).first()
    db.session.commit()
    return Claimed(*row, claim=claim) if row is not None else None


def mark_sent(message: Claimed, now: datetime) -> None:
    """Delivered: the text is dropped, since links in it (password reset, invitation) are
    secrets the database keeps only as hashes."""
    begin_write()
    db.session.execute(update(_TABLE).where(_TABLE.c.id == message.id,
                                            _TABLE.c.claim == message.claim)
                       .values(status="sent", sent_at=now, claim=None, last_error=None, body=""))
    db.session.commit()


def purge_sent(before: datetime) -> int:
    """Forget delivered messages sent before ``before``; the number removed."""
    begin_write()
    removed = db.session.execute(delete(_TABLE).where(_TABLE.c.status == "sent",
                                                      _TABLE.c.sent_at < before)
                                 .returning(_TABLE.c.id)).all()
    db.session.commit()
    return len(removed)


def mark_failed(message: Claimed, error: str, *, retry_at: datetime | None) -> None:
    """Record a failed attempt: due again at ``retry_at``, or given up when it is None."""
    begin_write()
    values = {"claim": None, "last_error": error[:500]}
    if retry_at is None:
        values["status"] = "failed"
        values["body"] = ""  # given up: its links must not stay readable
    else:
        values["next_attempt_at"] = retry_at
    db.session.execute(update(_TABLE).where(_TABLE.c.id == message.id,
                                            _TABLE.c.claim == message.claim).values(**values))
    db.session.commit()
