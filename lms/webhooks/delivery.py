"""Delivering webhook messages: sign, POST, log the attempt, retry with backoff under the
same ``webhook-id``; an endpoint failing for ``WEBHOOK_DISABLE_AFTER_SECONDS`` (24 h) is
disabled and the admins are told by e-mail. Run by the outbox worker (``lms worker``, the one
``lms serve`` starts) and by ``lms sweep``."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select, update

from lms.database import begin_write
from lms.extensions import db
from lms.mail.outbox import enqueue_mail, retry_delay
from lms.models import User
from lms.models.types import utcnow
from lms.models.webhooks import WebhookEndpoint
from lms.security.webhook_targets import TargetRefused, resolve
from lms.webhooks import queue, signing
from lms.webhooks.http import Answer, post


@dataclass(frozen=True)
class Destination:
    """What a delivery needs of its endpoint, read once per batch (safe across threads)."""

    url: str
    secrets: tuple[str, ...]


def secrets_in_use(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, and the previous one while its rotation overlap lasts."""
    in_use = [endpoint.secret]
    if (endpoint.previous_secret and endpoint.previous_secret_until is not None
            and endpoint.previous_secret_until > now):
        in_use.append(endpoint.previous_secret)
    return in_use


def attempt(config, destination: Destination, item: queue.Claimed) -> Answer:
    """One delivery attempt; refused targets and network errors become failed answers."""
    body = item.payload.encode()
    headers = signing.headers(list(destination.secrets), item.message_id, int(time.time()), body)
    try:
        target = resolve(destination.url, allow_private=config["WEBHOOK_ALLOW_PRIVATE"])
    except TargetRefused as exc:
        return Answer(None, 0, str(exc))
    return post(target, body, headers, timeout=config["WEBHOOK_TIMEOUT_SECONDS"],
                cafile=config.get("WEBHOOK_CAFILE") or None)


def _destinations(endpoint_ids: set[int]) -> dict[int, Destination]:
    now = utcnow()
    rows = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id.in_(endpoint_ids)))
    found = {e.id: Destination(e.url, tuple(secrets_in_use(e, now))) for e in rows}
    db.session.commit()
    return found


def deliver_due(now: datetime | None = None, *, limit: int | None = None) -> int:
    """Deliver every webhook message due now (at most ``limit``); the number delivered.

    Messages are claimed in batches of ``WEBHOOK_BATCH_SIZE`` (each of another subject, so
    order per subject holds) and posted side by side; their results are written together."""
    app = current_app._get_current_object()
    config = app.config
    lease = timedelta(seconds=config["OUTBOX_LEASE_SECONDS"])
    now = now or utcnow()
    delivered = 0
    with ThreadPoolExecutor(max_workers=config["WEBHOOK_BATCH_SIZE"]) as pool:
        while limit is None or delivered < limit:
            size = config["WEBHOOK_BATCH_SIZE"]
            batch = queue.claim_batch(now, lease, size if limit is None
                                      else min(size, limit - delivered))
            if not batch:
                break
            destinations = _destinations({item.endpoint_id for item in batch})
            answers = list(pool.map(
                lambda item: attempt(config, destinations[item.endpoint_id], item), batch))
            finished = utcnow()
            begin_write()
            for item, answer in zip(batch, answers):
                queue.log_attempt(item, at=finished, status_code=answer.status_code,
                                  duration_ms=answer.duration_ms, error=answer.error,
                                  ok=answer.ok)
                if answer.ok:
                    queue.mark_delivered(item, finished)
                    db.session.execute(update(WebhookEndpoint)
                                       .where(WebhookEndpoint.id == item.endpoint_id,
                                              WebhookEndpoint.failing_since.is_not(None))
                                       .values(failing_since=None))
                    delivered += 1
                else:
                    _failed(app, item, answer, finished)
            db.session.commit()
    return delivered


def _failed(app, item: queue.Claimed, answer: Answer, now: datetime) -> None:
    config = app.config
    give_up = item.created_at + timedelta(seconds=config["WEBHOOK_GIVE_UP_SECONDS"]) <= now
    cap = config["WEBHOOK_RETRY_MAX_SECONDS"]
    # Exponential backoff with jitter (receivers that failed together do not all come back
    # at once), never sooner than the receiver's Retry-After asked, never later than the cap.
    delay = retry_delay(item.attempts, base=config["WEBHOOK_RETRY_BASE_SECONDS"],
                        cap=cap).total_seconds() * random.uniform(0.9, 1.0)
    delay = min(max(delay, answer.retry_after or 0.0), cap)
    retry_at = None if give_up else now + timedelta(seconds=delay)
    app.logger.warning("webhook %s to endpoint %d failed (attempt %d): %s; %s",
                       item.message_id, item.endpoint_id, item.attempts, answer.error,
                       f"retry at {retry_at.isoformat()}" if retry_at else "given up")
    queue.mark_failed(item, answer.error or "failed", retry_at=retry_at)
    endpoint = db.session.scalar(select(WebhookEndpoint)
                                 .where(WebhookEndpoint.id == item.endpoint_id)
                                 .with_for_update())
    if endpoint is None or not endpoint.enabled:
        return
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    # 410 Gone: the receiver wants no more webhooks (Standard Webhooks): disabled at once.
    if (answer.status_code == 410 or endpoint.failing_since
            + timedelta(seconds=config["WEBHOOK_DISABLE_AFTER_SECONDS"]) <= now):
        endpoint.enabled = False
        endpoint.disabled_reason = f"failing since {endpoint.failing_since.isoformat()}: " + (
            answer.error or "failed")[:400]
        app.logger.error("webhook endpoint %d (%s) disabled after persistent failure",
                         endpoint.id, endpoint.url)
        _tell_admins(config, endpoint)


def _tell_admins(config, endpoint: WebhookEndpoint) -> None:
    domain = config.get("MAIL_FROM", "academy@example.com").rpartition("@")[2]
    admins = db.session.scalars(select(User).where(User.role == "admin",
                                                   User.active.is_(True))).all()
    for admin in admins:
        with force_locale(getattr(admin, "locale", None) or "ja"):
            subject = _("Webhook endpoint %(id)d was disabled", id=endpoint.id)
            body = "\n".join([
                _("The webhook endpoint %(url)s was disabled: it kept failing, or it answered "
                  "410 Gone. Its events wait until it is enabled again.", url=endpoint.url),
                "", _("Last error: %(error)s", error=endpoint.disabled_reason or ""), "",
                _("Enable it again with: lms webhook enable %(id)d", id=endpoint.id),
            ]) + "\n"
        enqueue_mail(admin.email, subject, body, domain=domain)
