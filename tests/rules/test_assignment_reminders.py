"""Which reminder an assignment needs, as a plain function of its dates and ``now``."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from lms.rules.assignments import reminder_due

DUE_ON = date(2026, 12, 10)
DUE_AT = datetime(2026, 12, 10, 15, 0, tzinfo=timezone.utc)   # end of the day in Tokyo
HOUR = timedelta(hours=1)


def due(now, sent=(), done=False):
    return reminder_due(DUE_ON, DUE_AT, done, sent, now)


def test_nothing_until_three_days_before():
    assert due(DUE_AT - timedelta(days=3) - HOUR) is None
    assert due(DUE_AT - timedelta(days=3)) == "due_soon:2026-12-10"
    assert due(DUE_AT - HOUR) == "due_soon:2026-12-10"


def test_overdue_from_the_end_of_the_due_day():
    assert due(DUE_AT) == "overdue:2026-12-10"
    assert due(DUE_AT + timedelta(days=30)) == "overdue:2026-12-10"


def test_each_once_and_only_the_nearest():
    assert due(DUE_AT - HOUR, sent=["due_soon:2026-12-10"]) is None
    assert due(DUE_AT + HOUR, sent=["due_soon:2026-12-10"]) == "overdue:2026-12-10"
    # First looked at after the due date: the overdue notice alone.
    assert due(DUE_AT + HOUR, sent=[]) == "overdue:2026-12-10"
    assert due(DUE_AT + HOUR, sent=["overdue:2026-12-10"]) is None


def test_a_new_due_date_is_reminded_again_and_done_is_never():
    sent = ["due_soon:2026-11-30", "overdue:2026-11-30"]
    assert due(DUE_AT - HOUR, sent=sent) == "due_soon:2026-12-10"
    assert due(DUE_AT + HOUR, done=True) is None
    assert due(DUE_AT - HOUR, done=True) is None
