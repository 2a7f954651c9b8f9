"""E-mail to people about events (certifications, graded answers, replies), through the outbox.

Each message is added to the caller's transaction (call these before the commit): it
exists exactly when the event does, and the delivery worker sends it. Callers mail once per
event by mailing only when ``inbox.notify`` reports the notification new (its unique key).
Every message about an event goes through :func:`mail_to`, which respects the person's
e-mail preferences (lms/services/mail_prefs.py).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale, format_date, gettext as _

from lms.mail.outbox import enqueue_mail
from lms.scores import score_text
from lms.security.urls import absolute_path
from lms.services.badges import verify_url
from lms.services.mail_prefs import wants_mail


def send_mail(to: str, subject: str, body: str) -> None:
    """Queue a message in the current transaction (lms/mail/outbox.py)."""
    domain = current_app.config.get("MAIL_FROM", "academy@example.com").rpartition("@")[2]
    enqueue_mail(to, subject, body, domain=domain)


def mail_to(user, kind: str, subject: str, body: str) -> bool:
    """Queue a message about an event of ``kind`` (a notification kind) unless the person
    turned e-mail off for it; True when queued."""
    if not user.active or not wants_mail(user, kind):
        return False
    send_mail(user.email, subject, body)
    return True


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
    mail_to(user, "certification_awarded", subject, body)


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
    mail_to(user, "certification_expiring", subject, body)


def recertify_notice(user, cert, definition, deadline: datetime) -> None:
    """An exam of the level was revised with ``recertify:``: pass it again by ``deadline``."""
    with force_locale(user.locale or "ja"):
        title = _title(cert, definition)
        subject = _("%(title)s: pass the revised exam by %(date)s", title=title,
                    date=_when(deadline))
        body = "\n".join([
            _("An exam of your %(title)s was revised.", title=title),
            _("Pass it again by %(date)s to keep the certification; otherwise it lapses then.",
              date=_when(deadline)),
            _("Verify it: %(url)s", url=verify_url(cert.id)),
        ])
    mail_to(user, "certification_recertify", subject, body)


def certification_expired(user, cert, definition) -> None:
    with force_locale(user.locale or "ja"):
        title = _title(cert, definition)
        subject = _("%(title)s has expired", title=title)
        body = _("Your %(title)s expired on %(date)s.", title=title, date=_when(cert.expires_at))
    mail_to(user, "certification_expired", subject, body)


def certification_revoked(user, cert, definition) -> None:
    with force_locale(user.locale or "ja"):
        title = _title(cert, definition)
        subject = _("%(title)s has been revoked", title=title)
        body = "\n".join([
            _("Your %(title)s has been revoked.", title=title),
            _("Reason: %(reason)s", reason=cert.revoke_reason or ""),
        ])
    mail_to(user, "certification_revoked", subject, body)


def essay_graded(user, quiz_title: str, percent, comment: str, path: str) -> bool:
    """The learner's written answer was graded: the score and the trainer's comment."""
    with force_locale(user.locale or "ja"):
        subject = _("Your answer in “%(quiz)s” was graded", quiz=quiz_title)
        lines = [_("Your written answer in “%(quiz)s” was graded: %(score)s.", quiz=quiz_title,
                   score=score_text(percent)), ""]
        if comment.strip():
            lines += [_("Trainer's comment:"), comment.strip(), ""]
        lines.append(_("See the result: %(url)s", url=absolute_path(path)))
    return mail_to(user, "essay_graded", subject, "\n".join(lines))


def post_reply(user, author: str, lesson_title: str, path: str) -> bool:
    """Someone answered the person's question in a lesson discussion."""
    with force_locale(user.locale or "ja"):
        subject = _("%(author)s answered your question", author=author)
        body = "\n".join([
            _("%(author)s answered your question on “%(lesson)s”.", author=author,
              lesson=lesson_title),
            _("Read the answer: %(url)s", url=absolute_path(path)),
        ])
    return mail_to(user, "post_reply", subject, body)
