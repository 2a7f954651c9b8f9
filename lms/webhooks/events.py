"""Events: written to each subscribed endpoint's queue in the caller's transaction, so an
event exists exactly when its cause commits. ``subject`` keeps causal order: the messages of
one subject reach an endpoint one after the other, in the order they were written."""

from __future__ import annotations

import json
import secrets
from datetime import datetime

from sqlalchemy import select

from lms.extensions import db
from lms.models.types import utcnow
from lms.models.webhooks import WebhookEndpoint, WebhookMessage

EVENTS = (
    "certification.awarded",
    "certification.revoked",
    "certification.expired",
    "organization.tier_changed",
    "attempt.graded",
    "user.created",
    "user.deactivated",
)


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(16)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def emit(event_type: str, subject: str, data: dict, *, now: datetime | None = None) -> int:
    """Queue the event for every enabled endpoint that asked for it; the number queued."""
    if event_type not in EVENTS:
        raise ValueError(f"unknown webhook event {event_type!r}")
    now = now or utcnow()
    endpoints = db.session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events)
        .where(WebhookEndpoint.enabled.is_(True))).all()
    wanted = [endpoint_id for endpoint_id, events in endpoints if event_type in (events or [])]
    if not wanted:
        return 0
    payload = json.dumps({"type": event_type, "timestamp": iso(now), "data": data},
                         ensure_ascii=False, separators=(",", ":"))
    for endpoint_id in wanted:
        db.session.add(WebhookMessage(
            message_id=new_message_id(), endpoint_id=endpoint_id, event_type=event_type,
            subject=subject[:200], payload=payload, status="pending", attempts=0,
            next_attempt_at=now, created_at=now))
    return len(wanted)


# -- the payloads -------------------------------------------------------------------------


def _person(user) -> dict:
    org = user.organization if user is not None else None
    return {"id": user.id, "email": user.email, "name": user.name,
            "organization": org.slug if org is not None else None}


def certification(event_type: str, cert, *, now: datetime | None = None, **extra) -> int:
    data = {"certification_id": cert.id, "level": cert.level, "user": _person(cert.user),
            "awarded_at": iso(cert.awarded_at), "expires_at": iso(cert.expires_at),
            "revoked_at": iso(cert.revoked_at), **extra}
    return emit(event_type, f"user:{cert.user_id}", data, now=now)


def tier_changed(org, before: str | None, after: str, reason: str, *,
                 now: datetime | None = None) -> int:
    data = {"organization": {"id": org.id, "slug": org.slug, "name": org.name},
            "previous_tier": before, "tier": after, "reason": reason}
    return emit("organization.tier_changed", f"organization:{org.id}", data, now=now)


def attempt_graded(attempt, user, *, now: datetime | None = None) -> int:
    data = {"attempt_id": attempt.id, "quiz": attempt.quiz_slug, "user": _person(user),
            "percent": attempt.percent, "passed": bool(attempt.passed),
            "graded_at": iso(attempt.graded_at)}
    return emit("attempt.graded", f"user:{user.id}", data, now=now)


def user_event(event_type: str, user, *, now: datetime | None = None) -> int:
    data = {"user": _person(user), "role": user.role}
    return emit(event_type, f"user:{user.id}", data, now=now)
