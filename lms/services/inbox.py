"""The notification centre: events told to people, once each, read in their language.

``notify`` adds to the caller's transaction, so a notification exists exactly when the
change that caused it was committed. The unread count lives on the user row, which every
request loads anyway, and is changed only by atomic UPDATEs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import format_date
from sqlalchemy import case, select, update

from lms.database import upsert_ignore
from lms.extensions import db
from lms.i18n import lazy_gettext as _l
from lms.models import Notification, User

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

# kind → sentence; params are filled in when the notification is read.
TEXT = {
    "certification_awarded": _l("You are now certified: %(title)s. Congratulations!"),
    "certification_revoked": _l("Your %(title)s was revoked. Reason: %(reason)s"),
    "certification_expiring": _l("Your %(title)s expires on %(date)s. Pass the level's exams again to renew it."),
    "certification_expired": _l("Your %(title)s has expired."),
    "certification_recertify": _l("An exam of your %(title)s was revised: pass it again by %(date)s to keep the certification."),
    "essay_graded": _l("Your written answer in “%(quiz)s” was graded: %(percent)s%%. Trainer's comment: %(comment)s"),
    "essay_graded_no_comment": _l("Your written answer in “%(quiz)s” was graded: %(percent)s%%."),
    "essay_waiting": _l("%(learner)s's written answer in “%(quiz)s” is waiting to be graded."),
    "post_reply": _l("%(author)s answered your question on “%(lesson)s”."),
    "assignment_given": _l("%(by)s assigned you %(title)s, due on %(due)s."),
    "assignment_due": _l("Reminder: %(title)s is due on %(due)s."),
    "assignment_overdue": _l("%(title)s was due on %(due)s and is not finished yet."),
}


def notify(user_id: int, kind: str, event_key: str, url: str = "", now: datetime | None = None,
           **params) -> bool:
    """Tell ``user_id`` about an event, once per ``event_key``; True when it is new."""
    if kind not in TEXT:
        raise ValueError(f"unknown notification kind {kind!r}")
    values = {"user_id": user_id, "kind": kind, "params": params, "url": url[:500],
              "event_key": event_key[:200]}
    if now is not None:
        values["created_at"] = now
    added = upsert_ignore(Notification, values, ("user_id", "event_key"))
    if added:
        db.session.execute(update(User).where(User.id == user_id)
                           .values(unread_notifications=User.unread_notifications + 1))
    return added


def notify_many(user_ids, kind: str, event_key: str, url: str = "", **params) -> int:
    return sum(notify(uid, kind, event_key, url, **params) for uid in user_ids)


@dataclass(frozen=True)
class Page:
    items: list[Notification]
    next_after: int | None  # the id to pass as ``after`` for the next page, or None


def page_of(user_id: int, after: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """Newest first, keyset-paginated by id."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    query = select(Notification).where(Notification.user_id == user_id)
    if after is not None:
        query = query.where(Notification.id < after)
    rows = db.session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_after=rows[-1].id if more else None)


def mark_read(user_id: int, notification_id: int, now: datetime) -> bool:
    """Mark one of the person's notifications read; False when it is not theirs."""
    exists = db.session.scalar(select(Notification.id).where(
        Notification.id == notification_id, Notification.user_id == user_id))
    if exists is None:
        return False
    changed = db.session.execute(
        update(Notification).where(Notification.id == notification_id,
                                   Notification.read_at.is_(None)).values(read_at=now)).rowcount
    if changed:
        db.session.execute(update(User).where(User.id == user_id).values(
            unread_notifications=case((User.unread_notifications > 0, User.unread_notifications - 1),
                                      else_=0)))
    return True


def mark_all_read(user_id: int, now: datetime) -> int:
    changed = db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)).rowcount
    db.session.execute(update(User).where(User.id == user_id).values(unread_notifications=0))
    return changed


def path_for(endpoint: str, **values) -> str:
    """A site path (no host) for a notification's link, also outside a request (the sweep)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _percent(value) -> str:
    if not isinstance(value, (int, float)):
        return "—"
    return format(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize(), "f")


def text_of(notification: Notification) -> str:
    """The notification in the current locale."""
    params = dict(notification.params or {})
    if "percent" in params:
        params["percent"] = _percent(params["percent"])
    if isinstance(params.get("date"), str):
        try:
            params["date"] = format_date(datetime.fromisoformat(params["date"]), "long")
        except ValueError:
            pass
    if isinstance(params.get("due"), str):
        # A calendar day (an assignment's due date): no time zone moves it.
        try:
            params["due"] = format_date(date.fromisoformat(params["due"]), "long")
        except ValueError:
            pass
    kind = notification.kind
    if kind == "essay_graded" and not (params.get("comment") or "").strip():
        kind = "essay_graded_no_comment"
    try:
        return str(TEXT[kind]) % params
    except (KeyError, TypeError, ValueError):
        # A notification written by an older release with other params: say what we can.
        return str(TEXT.get(kind, kind)).split("%(")[0].strip()
