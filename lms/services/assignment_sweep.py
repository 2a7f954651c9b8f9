"""`lms sweep` for assignments: complete what is done, then remind once before the due
date and once when it has passed.

Each reminder is decided under the assignment row's lock (BEGIN IMMEDIATE on SQLite,
FOR UPDATE on PostgreSQL) and recorded in ``notices`` in the same transaction as the
notification and the e-mail, so several sweeps at once send it once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lms.database import begin_write
from lms.extensions import db
from lms.models import Assignment, User
from lms.services import assignment_mail, assignments, inbox
from lms.rules.assignments import REMIND_BEFORE, reminder_due
from lms.services.sweep import StepResult, register


def notice_due(row: Assignment, now: datetime) -> str | None:
    return reminder_due(row.due_on, row.due_at, row.completed_at is not None, row.notices or [],
                        now)


def _remind(assignment_id: int, store, now: datetime) -> int:
    begin_write()
    row = db.session.scalar(select(Assignment).where(Assignment.id == assignment_id)
                            .with_for_update())
    notice = notice_due(row, now) if row is not None else None
    if notice is None:
        db.session.commit()
        return 0
    person = db.session.get(User, row.user_id)
    if assignments.is_done(person, row.kind, row.target, store, now):
        row.completed_at = now
        db.session.commit()
        return 0
    row.notices = [*(row.notices or []), notice]
    overdue = notice.startswith("overdue")
    if person.active:
        title = assignments.target_title(store, row.kind, row.target)
        inbox.notify(person.id, "assignment_overdue" if overdue else "assignment_due",
                     f"assignment:{row.id}:{notice}",
                     url=assignments.link_path(row.kind, row.target), now=now, title=title,
                     due=row.due_on.isoformat())
        assignment_mail.reminder(person, title, row.due_on, row.kind, row.target, overdue)
    db.session.commit()
    return 1


@register
def sweep_assignments(now: datetime) -> StepResult:
    from lms.web import content_store

    store = content_store()
    horizon = now + REMIND_BEFORE
    candidates = db.session.execute(
        select(Assignment.id, Assignment.user_id).where(Assignment.completed_at.is_(None))
        .order_by(Assignment.id)).all()
    db.session.commit()
    completed = 0
    for user_id in sorted({uid for _, uid in candidates}):
        person = db.session.get(User, user_id)
        if person is not None:
            completed += assignments.complete_finished(person, store, now)
    due = db.session.scalars(
        select(Assignment.id).where(Assignment.completed_at.is_(None),
                                    Assignment.due_at <= horizon).order_by(Assignment.id)).all()
    db.session.commit()
    sent = sum(_remind(aid, store, now) for aid in due)
    return StepResult("assignments", sent, f"{completed} completed" if completed else "")
