"""Delivering the outbox: ``deliver_due`` sends what is due now; ``run_worker`` keeps doing it
(e-mail, then webhook messages: ``lms.webhooks.delivery``).

``lms worker`` runs the loop alone; ``lms serve`` starts one beside the web workers;
``lms sweep`` delivers what is due once.
"""

from __future__ import annotations

import os
import smtplib
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import Flask, current_app

from lms.extensions import db
from lms.mail import outbox
from lms.mail.smtp import SmtpSettings, parse_smtp_url, send
from lms.models.types import utcnow
from lms.services.sweep import StepResult, register_delivery
from lms.webhooks.delivery import deliver_due as deliver_webhooks


def smtp_settings(config) -> SmtpSettings | None:
    """The configured SMTP server, or None: mail is then written to the log."""
    url = config.get("SMTP_URL") or ""
    if not url and config.get("MAIL_SERVER"):  # LMS_SMTP_HOST, host[:port], from release 1
        url = "smtp://" + config["MAIL_SERVER"]
    return parse_smtp_url(url, cafile=config.get("SMTP_CAFILE") or None) if url else None


def build_message(config, item: outbox.Claimed) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM", "academy@example.com")
    message["To"] = item.recipient
    message["Subject"] = item.subject
    message["Message-ID"] = item.message_id  # the same on every attempt: duplicates are visible
    message["Date"] = format_datetime(item.created_at)
    message.set_content(item.body)
    return message


def _permanent(exc: Exception) -> bool:
    # The relay refused the recipient for good (5xx): retrying cannot help.
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return False


def deliver_due(now: datetime | None = None, *, limit: int | None = None) -> int:
    """Send every message due now (at most ``limit``); the number sent."""
    app = current_app._get_current_object()
    config = app.config
    settings = smtp_settings(config)
    lease = timedelta(seconds=config["OUTBOX_LEASE_SECONDS"])
    # Only what was due when the round began: a message failing now waits for its backoff.
    now = now or utcnow()
    sent = 0
    while limit is None or sent < limit:
        item = outbox.claim_next(now, lease)
        if item is None:
            break
        message = build_message(config, item)
        try:
            if settings is None:
                # A warning, not info: servers and log collectors commonly drop INFO, and this
                # is the only copy of a message someone is waiting for (its links included).
                app.logger.warning(
                    "mail to=%s subject=%s message-id=%s NOT SENT (no SMTP server: set "
                    "LMS_SMTP_URL or LMS_SMTP_HOST); the message:\n%s", item.recipient,
                    item.subject, item.message_id,
                    "\n".join("    " + line if line else "" for line in item.body.splitlines()))
            else:
                send(settings, message)
        except (OSError, smtplib.SMTPException) as exc:
            retry_at = None if _permanent(exc) else utcnow() + outbox.retry_delay(
                item.attempts, base=config["OUTBOX_RETRY_BASE_SECONDS"],
                cap=config["OUTBOX_RETRY_MAX_SECONDS"])
            app.logger.warning("sending mail %s to %s failed (attempt %d): %s; %s",
                               item.message_id, item.recipient, item.attempts, exc,
                               f"retry at {retry_at.isoformat()}" if retry_at else "given up")
            outbox.mark_failed(item, f"{type(exc).__name__}: {exc}", retry_at=retry_at)
            continue
        outbox.mark_sent(item, utcnow())
        sent += 1
    return sent


def run_worker(app: Flask, stop: threading.Event, *, interval: float = 2.0,
               parent_pid: int | None = None) -> None:
    """Deliver until ``stop`` is set (or the parent process is gone); a failure is logged and
    retried on the next round, so the worker recovers by itself once the cause is gone."""
    while not stop.is_set():
        if parent_pid is not None and os.getppid() != parent_pid:
            return
        sent = 0
        with app.app_context():
            try:
                sent = deliver_due()
                sent += deliver_webhooks()
            except Exception:  # noqa: BLE001 - the database may be away for a while
                app.logger.exception("outbox delivery failed; retrying")
                db.session.rollback()
            finally:
                db.session.remove()
        if not sent:
            stop.wait(interval)


# Delivered messages are kept this long (who was sent what, when), then forgotten.
KEEP_SENT = timedelta(days=30)


@register_delivery
def sweep_webhooks(now: datetime) -> StepResult:
    # Before the mail step: a webhook endpoint disabled here queues a mail to the admins.
    from lms.webhooks.queue import purge_delivered

    delivered = deliver_webhooks()
    purged = purge_delivered(now - KEEP_SENT)
    return StepResult("webhooks", delivered,
                      f"{purged} old delivered message(s) removed" if purged else "")


@register_delivery
def sweep_outbox(now: datetime) -> StepResult:
    sent = deliver_due()
    purged = outbox.purge_sent(now - KEEP_SENT)
    return StepResult("outbox", sent, f"{purged} old sent message(s) removed" if purged else "")
