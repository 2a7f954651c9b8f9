"""Assignment reminders from `lms sweep`: one before the due date, one once it has passed,
each sent exactly once — also when several sweeps run at once (threads; on PostgreSQL
when LMS_TEST_DATABASE_URL names it) — and none for what is done."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Assignment, Notification, OutboxMessage
from lms.models.types import utcnow
from lms.services import assignments
from lms.services.assignment_sweep import sweep_assignments


@pytest.fixture()
def people(db, make):
    org = make.org("alpha", name="Alpha KK")
    manager = make.user("manager", org=org, email="pm@alpha.example")
    learners = [make.user("learner", org=org, email=f"p{i}@alpha.example", locale="en")
                for i in range(3)]
    return manager, learners


@pytest.fixture()
def store(app):
    store = app.extensions["lms.content"]
    store.refresh(force=True)
    return store


def counts(kind: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == kind))


def mails(prefix: str) -> list[str]:
    db.session.rollback()
    return db.session.scalars(select(OutboxMessage.subject)
                              .where(OutboxMessage.subject.startswith(prefix))).all()


def test_reminder_before_and_after_the_due_date_once_each(people, store):
    manager, learners = people
    today = utcnow().date()
    due = today + timedelta(days=7)
    assignments.assign(manager, learners[:1], "course", "basics", due, store)
    row = db.session.scalar(select(Assignment))
    # A week ahead: nothing yet.
    assert sweep_assignments(utcnow()).changed == 0
    # Two days before the end of the due day: one reminder, and only one.
    soon = row.due_at - timedelta(days=2)
    assert sweep_assignments(soon).changed == 1
    assert sweep_assignments(soon + timedelta(hours=1)).changed == 0
    assert counts("assignment_due") == 1
    assert mails("Reminder: Basics is due on") and len(mails("Reminder:")) == 1
    # Past the due date: one overdue notice, and only one.
    late = row.due_at + timedelta(minutes=1)
    assert sweep_assignments(late).changed == 1
    assert sweep_assignments(late + timedelta(days=3)).changed == 0
    assert counts("assignment_overdue") == 1
    assert len(mails("Overdue: Basics was due on")) == 1
    # A new due date is a new promise: its reminders are sent again.
    assignments.assign(manager, learners[:1], "course", "basics", due + timedelta(days=30), store)
    row = db.session.scalar(select(Assignment))
    assert sweep_assignments(row.due_at - timedelta(days=1)).changed == 1
    assert counts("assignment_due") == 2


def test_no_reminder_for_what_is_done(people, store, certs):
    manager, learners = people
    due = utcnow().date() + timedelta(days=2)
    assignments.assign(manager, learners[:1], "certification", "bronze", due, store)
    certs.add(learners[0], "bronze", days=300)
    result = sweep_assignments(utcnow() + timedelta(days=5))
    assert result.changed == 0 and result.detail == "1 completed"
    assert counts("assignment_due") == 0 and counts("assignment_overdue") == 0
    assert db.session.scalar(select(Assignment)).completed_at is not None


def test_parallel_sweeps_send_each_reminder_once(app, people, store):
    manager, learners = people
    due = utcnow().date() + timedelta(days=1)
    assignments.assign(manager, learners, "course", "deep", due, store)
    db.session.commit()
    moment = utcnow() + timedelta(hours=1)
    barrier = threading.Barrier(6)
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                results.append(sweep_assignments(moment).changed)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 3
    assert counts("assignment_due") == 3
    assert len(mails("Reminder: Deep")) == 3
    rows = db.session.scalars(select(Assignment.notices)).all()
    assert all(n == [f"given:{due.isoformat()}", f"due_soon:{due.isoformat()}"] for n in rows)


def test_due_at_is_the_end_of_the_day_where_the_person_lives():
    day = date(2026, 12, 10)
    assert assignments.due_moment(day, "Asia/Tokyo").isoformat() == "2026-12-10T15:00:00+00:00"
    assert assignments.due_moment(day, "Europe/London").isoformat() == "2026-12-11T00:00:00+00:00"
    assert assignments.due_moment(day, "Not/AZone") == assignments.due_moment(day, "Asia/Tokyo")
