"""Email to people about their certifications: SMTP when configured, else a warning in the log.

Mail is sent after the change is committed; a mail failure is logged, never undoes
an award or a revocation.
"""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, format_date, gettext as _

from lms.services.badges import verify_url


def send_mail(to: str, subject: str, body: str) -> None:
    config = current_app.config
    server = config.get("MAIL_SERVER")
    if not server:
        # A warning, not info: servers and log collectors commonly drop INFO, and this is
        # the only copy of a message someone is waiting for (its links included).
        current_app.logger.warning(
            "mail to=%s subject=%s NOT SENT (LMS_SMTP_HOST is unset); the message:\n%s",
            to, subject, _indented(body))
        return
    current_app.logger.info("mail to=%s subject=%s sending via %s", to, subject, server)
    host, _sep, port = server.partition(":")
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM", "academy@example.com")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(host, int(port or config.get("MAIL_PORT", 25)), timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("sending mail to %s failed", to)


def _indented(body: str) -> str:
    """The body under its log line, each line indented so it reads as one record."""
    return "\n".join("    " + line if line else "" for line in body.splitlines())


def _title(cert, definition) -> str:
    return definition.title if definition is not None else cert.level.capitalize()


def _when(value: datetime | None) -> str:
    return format_date(value, "long") if value else "—"


def certification_awarded(user, cert, definition) -> None:
    with force_locale(user.locale or "ja"):
        title = _title(cert, definition)
        subject = _("You are now certified: %(title)s", title=title)
        body = "\n".join([
            _("Congratulations, %(name)s!", name=user.name), "",
            _("You have been awarded %(title)s.", title=title),
            _("Valid until: %(date)s", date=_when(cert.expires_at)),
            _("Verify and share it: %(url)s", url=verify_url(cert.id)),
        ])
    send_mail(user.email, subject, body)


def expiry_notice(user, cert, definition, now: datetime) -> None:
    with force_locale(user.locale or "ja"):
        title = _title(cert, definition)
        days = max((cert.expires_at - now).days, 0)
        subject = _("%(title)s expires in %(days)d days", title=title, days=days)
        body = "\n".join([
            _("Your %(title)s expires on %(date)s.", title=title, date=_when(cert.expires_at)),
            _("Pass the level's exams again before then to renew it."),
            _("Verify it: %(url)s", url=verify_url(cert.id)),
        ])
    send_mail(user.email, subject, body)


def certification_expired(user, cert, definition) -> None:
    with force_locale(user.locale or "ja"):
        title = _title(cert, definition)
        subject = _("%(title)s has expired", title=title)
        body = _("Your %(title)s expired on %(date)s.", title=title, date=_when(cert.expires_at))
    send_mail(user.email, subject, body)


def certification_revoked(user, cert, definition) -> None:
    with force_locale(user.locale or "ja"):
        title = _title(cert, definition)
        subject = _("%(title)s has been revoked", title=title)
        body = "\n".join([
            _("Your %(title)s has been revoked.", title=title),
            _("Reason: %(reason)s", reason=cert.revoke_reason or ""),
        ])
    send_mail(user.email, subject, body)
