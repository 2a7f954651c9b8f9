"""The mails about accounts (reset, invitation), in the reader's language (Japanese first)."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext as _

from lms.mail.outbox import enqueue_mail


def _queue(to: str, subject: str, lines: list[str]) -> None:
    domain = current_app.config.get("MAIL_FROM", "academy@example.com").rpartition("@")[2]
    enqueue_mail(to, subject, "\n".join(lines) + "\n", domain=domain)


def password_reset(to: str, name: str, url: str, locale: str | None) -> None:
    with force_locale(locale or "ja"):
        _queue(to, _("Reset your Partner Academy password"), [
            _("Hello %(name)s,", name=name), "",
            _("Someone asked to reset the password of your Partner Academy account."),
            _("To choose a new password, open this link within one hour:"), "", url, "",
            _("The link works once. If you did not ask for this, ignore this mail: "
              "your password stays as it is."),
        ])


def invitation(to: str, url: str, *, inviter: str, company: str | None, days: int,
               locale: str | None) -> None:
    with force_locale(locale or "ja"):
        where = (_("%(company)s on Partner Academy", company=company) if company
                 else _("Partner Academy"))
        _queue(to, _("You are invited to %(where)s", where=where), [
            _("%(inviter)s invites you to %(where)s.", inviter=inviter, where=where), "",
            _("To create your account, open this link within %(days)d days:", days=days), "",
            url, "",
            _("The link works once. If you were not expecting this, ignore this mail."),
        ])


def signup(to: str, name: str, url: str) -> None:
    """In the language of the sign-up page the person used (called within its request)."""
    _queue(to, _("Confirm your e-mail address for Partner Academy"), [
        _("Hello %(name)s,", name=name), "",
        _("To finish signing up for Partner Academy, open this link within 24 hours:"), "",
        url, "",
        _("The link works once. If you did not sign up, ignore this mail: no account is made."),
    ])
