"""Email to people about their certifications, through the outbox.

Each message is added to the caller's transaction (call these before the commit): it
exists exactly when the award or revocation does, and the delivery worker sends it.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale, format_date, gettext as _

from lms.mail.outbox import enqueue_mail
from lms.services.badges import verify_url


def send_mail(to: str, subject: str, body: str) -> None:
    """Queue a message in the current transaction (lms/mail/outbox.py)."""
    domain = current_app.config.get("MAIL_FROM", "academy@example.com").rpartition("@")[2]
    enqueue_mail(to, subject, body, domain=domain)


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
