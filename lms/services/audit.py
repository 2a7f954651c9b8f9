"""The append-only audit log: who, when, what, from where — never a secret."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from lms.extensions import db
from lms.models import AuditEvent

TARGET_LENGTH, ADDRESS_LENGTH = 200, 64  # the columns' sizes


def _fit(value: Any, length: int) -> str | None:
    # PostgreSQL refuses a NUL and a value longer than the column: the record must not fail.
    return None if value is None else str(value).replace("\x00", "")[:length]


def record(action: str, *, actor_id: int | None, target: str | None = None,
           address: str | None = None, **detail: Any) -> AuditEvent:
    """Add an audit event to the session. Inside a request, "from where" defaults to the
    client's address (behind trusted proxies, the forwarded one), so no caller forgets it."""
    if address is None and has_request_context():
        address = request.remote_addr
    event = AuditEvent(action=action, actor_id=actor_id, target=_fit(target, TARGET_LENGTH),
                       address=_fit(address, ADDRESS_LENGTH), detail=detail)
    db.session.add(event)
    return event
