"""Managing webhook endpoints (``lms webhook …`` and the admin page): add with an event
filter, enable/disable, rotate the secret with an overlap, redeliver a message."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from lms.database import begin_write
from lms.extensions import db
from lms.models.types import utcnow
from lms.models.webhooks import WebhookAttempt, WebhookEndpoint, WebhookMessage
from lms.security.webhook_targets import TargetRefused, resolve
from lms.services import audit
from lms.services.errors import Invalid, NotFound
from lms.webhooks import signing
from lms.webhooks.events import EVENTS


def parse_events(raw) -> list[str]:
    """``a,b`` or a list: the events, known and without repeats, in the catalogue's order."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    chosen = {item.strip() for item in items if item and item.strip()}
    if not chosen:
        raise Invalid("webhook_events_required", field="events")
    unknown = sorted(chosen - set(EVENTS))
    if unknown:
        raise Invalid("webhook_event_unknown", field="events", event=unknown[0])
    return [event for event in EVENTS if event in chosen]


def check_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > 2000:
        raise Invalid("webhook_url_invalid", field="url")
    try:
        resolve(url, allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    except TargetRefused as exc:
        raise Invalid(exc.code, field="url") from None
    return url


def add_endpoint(url: str, events, *, secret: str | None = None, description: str = "",
                 actor_id: int | None, address: str | None = None) -> WebhookEndpoint:
    url = check_url(url)
    chosen = parse_events(events)
    if secret:
        try:
            signing.secret_key(secret.strip())
        except ValueError:
            raise Invalid("webhook_secret_invalid", field="secret") from None
    begin_write()
    endpoint = WebhookEndpoint(url=url, events=chosen, description=(description or "")[:200],
                               secret=(secret or "").strip() or signing.new_secret(),
                               enabled=True, created_at=utcnow())
    db.session.add(endpoint)
    db.session.flush()
    audit.record("webhook.added", actor_id=actor_id, target=str(endpoint.id), address=address,
                 url=url, events=chosen)
    db.session.commit()
    return endpoint


def endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def endpoint(endpoint_id: int) -> WebhookEndpoint:
    found = db.session.get(WebhookEndpoint, endpoint_id)
    if found is None:
        raise NotFound("No such webhook endpoint.", code="unknown_webhook")
    return found


def set_enabled(endpoint_id: int, enabled: bool, *, actor_id: int | None,
                address: str | None = None) -> WebhookEndpoint:
    begin_write()
    found = endpoint(endpoint_id)
    found.enabled = enabled
    if enabled:
        found.disabled_reason, found.failing_since = None, None
        # What waited while it was disabled is due at once, not at the end of its backoff.
        db.session.execute(update(WebhookMessage)
                           .where(WebhookMessage.endpoint_id == found.id,
                                  WebhookMessage.status == "pending",
                                  WebhookMessage.claim.is_(None))
                           .values(next_attempt_at=utcnow()))
    else:
        found.disabled_reason = "disabled by an administrator"
    audit.record("webhook.enabled" if enabled else "webhook.disabled", actor_id=actor_id,
                 target=str(found.id), address=address)
    db.session.commit()
    return found


def rotate_secret(endpoint_id: int, *, actor_id: int | None, address: str | None = None,
                  now: datetime | None = None) -> WebhookEndpoint:
    """A new secret at once; the old one still signs (a second signature) for the overlap."""
    now = now or utcnow()
    begin_write()
    found = endpoint(endpoint_id)
    found.previous_secret = found.secret
    found.previous_secret_until = now + timedelta(
        seconds=current_app.config["WEBHOOK_ROTATION_OVERLAP_SECONDS"])
    found.secret = signing.new_secret()
    audit.record("webhook.secret_rotated", actor_id=actor_id, target=str(found.id),
                 address=address, overlap_until=found.previous_secret_until.isoformat())
    db.session.commit()
    return found


def redeliver(message_id: str, *, actor_id: int | None, address: str | None = None,
              now: datetime | None = None, endpoint_id: int | None = None) -> WebhookMessage:
    """Deliver a message again (same ``webhook-id``), delivered or given up alike."""
    begin_write()
    message = db.session.scalar(select(WebhookMessage)
                                .where(WebhookMessage.message_id == message_id.strip()))
    if message is None or endpoint_id not in (None, message.endpoint_id):
        db.session.commit()
        raise NotFound("No such webhook delivery.", code="unknown_webhook_message")
    message.status, message.next_attempt_at, message.claim = "pending", now or utcnow(), None
    audit.record("webhook.redeliver", actor_id=actor_id, target=message.message_id,
                 address=address, endpoint=message.endpoint_id)
    db.session.commit()
    return message


def messages(endpoint_id: int, *, limit: int = 50) -> list[WebhookMessage]:
    return list(db.session.scalars(
        select(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint_id)
        .order_by(WebhookMessage.id.desc()).limit(limit)))


def attempts(endpoint_id: int, *, limit: int = 100) -> list[tuple[WebhookAttempt, WebhookMessage]]:
    """The delivery log, newest first."""
    return list(db.session.execute(
        select(WebhookAttempt, WebhookMessage)
        .join(WebhookMessage, WebhookMessage.id == WebhookAttempt.message_id)
        .where(WebhookAttempt.endpoint_id == endpoint_id)
        .order_by(WebhookAttempt.id.desc()).limit(limit)).all())


def pending_counts() -> dict[int, int]:
    return dict(db.session.execute(
        select(WebhookMessage.endpoint_id, func.count())
        .where(WebhookMessage.status == "pending").group_by(WebhookMessage.endpoint_id)).all())
