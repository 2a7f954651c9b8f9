"""When an assignment's reminder is due: a plain function of the assignment and ``now``."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

REMIND_BEFORE = timedelta(days=3)


def reminder_due(due_on: date, due_at: datetime, done: bool, sent: Collection[str],
                 now: datetime, before: timedelta = REMIND_BEFORE) -> str | None:
    """The reminder to send now, named with its due date ("due_soon:2026-12-10",
    "overdue:2026-12-10"), or None. Only the nearest one: a first look after the due date
    sends the overdue notice, not both. A new due date makes new reminders."""
    if done:
        return None
    stamp = due_on.isoformat()
    if due_at <= now:
        name = f"overdue:{stamp}"
    elif due_at - now <= before:
        name = f"due_soon:{stamp}"
    else:
        return None
    return None if name in sent else name
