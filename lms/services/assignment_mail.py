"""E-mail about assignments, in the person's language, through the outbox (the caller's
transaction): given, due soon, overdue."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale, format_date, gettext as _

from lms.security.urls import absolute_path
from lms.services.notifications import mail_to


def _link(kind: str, key: str) -> str:
    from lms.services.assignments import link_path

    return absolute_path(link_path(kind, key))


def given(person, actor, title: str, due_on: date, kind: str, key: str) -> None:
    with force_locale(person.locale or "ja"):
        subject = _("New assignment: %(title)s (due %(date)s)", title=title,
                    date=format_date(due_on, "long"))
        body = "\n".join([
            _("%(name)s,", name=person.name), "",
            _("%(manager)s assigned you %(title)s.", manager=actor.name, title=title),
            _("Due date: %(date)s", date=format_date(due_on, "long")),
            _("Start here: %(url)s", url=_link(kind, key)),
        ])
    mail_to(person, "assignment_given", subject, body)


def reminder(person, title: str, due_on: date, kind: str, key: str, overdue: bool) -> None:
    with force_locale(person.locale or "ja"):
        when = format_date(due_on, "long")
        if overdue:
            subject = _("Overdue: %(title)s was due on %(date)s", title=title, date=when)
            line = _("%(title)s was due on %(date)s and is not finished yet.", title=title,
                     date=when)
        else:
            subject = _("Reminder: %(title)s is due on %(date)s", title=title, date=when)
            line = _("%(title)s is due on %(date)s.", title=title, date=when)
        body = "\n".join([_("%(name)s,", name=person.name), "", line,
                          _("Continue here: %(url)s", url=_link(kind, key))])
    mail_to(person, "assignment_overdue" if overdue else "assignment_due", subject, body)
