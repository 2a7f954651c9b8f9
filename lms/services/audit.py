"""The append-only audit log: who, when, what, from where — never a secret."""

from __future__ import annotations

from typing import Any

from lms.extensions import db
from lms.models import AuditEvent


def record(action: str, *, actor_id: int | None, target: str | None = None,
           address: str | None = None, **detail: Any) -> AuditEvent:
    event = AuditEvent(action=action, actor_id=actor_id, target=target,
                       address=address, detail=detail)
    db.session.add(event)
    return event
