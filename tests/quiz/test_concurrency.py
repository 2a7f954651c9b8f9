"""Parallel requests: one open attempt, one grade, limits that hold (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.models import Attempt, User
from lms.services import attempts as service
from lms.services.errors import Conflict
from tests.quiz.conftest import GRACE

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
THREADS = 8


def in_parallel(app, work, n=THREADS):
    """Run work(i) in n threads released at the same moment, each in its own app context."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        with app.app_context():
            try:
                barrier.wait()
                results[i] = work(i)
            except Exception as exc:  # collected and asserted by the caller
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # The test's own session reads fresh rows afterwards.
    _db.session.rollback()
    _db.session.expire_all()
    return results, errors


def test_parallel_starts_give_one_attempt(app, db, learner, store):
    quiz = store.quiz("timed-exam")

    def start(_):
        user = _db.session.get(User, learner.id)
        attempt, created = service.start_attempt(user, quiz, T0, GRACE)
        return attempt.id, created

    results, errors = in_parallel(app, start)
    assert not errors, errors
    assert len({attempt_id for attempt_id, _ in results}) == 1
    assert sum(1 for _, created in results if created) == 1
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_parallel_submits_give_one_grade(app, db, learner, store):
    attempt, _ = service.start_attempt(learner, store.quiz("basics-quiz"), T0, GRACE)
    service.save_answers(learner, attempt.id, {"ttfd": "time to first deal"}, 1, T0, GRACE)

    def submit(i):
        user = _db.session.get(User, learner.id)
        closed = service.submit(user, attempt.id, T0.replace(second=i), GRACE)
        return closed.submitted_at, closed.percent

    results, errors = in_parallel(app, submit)
    assert not errors, errors
    assert len(set(results)) == 1      # every caller saw the first result
    row = db.session.get(Attempt, attempt.id)
    assert (row.submitted_at, row.percent) == results[0]


def test_attempt_limit_holds_under_parallel_start_and_submit(app, db, make, store):
    # timed-exam allows 2 attempts with a 1 h cooldown; hammer it with start+submit.
    user = make.user("learner", org=make.org("hammer"))
    quiz = store.quiz("timed-exam")

    def start_and_submit(i):
        me = _db.session.get(User, user.id)
        at = T0.replace(hour=9 + (i % 4) * 2)
        try:
            attempt, _ = service.start_attempt(me, quiz, at, GRACE)
        except Conflict:
            return "refused"
        service.submit(me, attempt.id, at, GRACE)
        return "ok"

    results, errors = in_parallel(app, start_and_submit)
    assert not errors, errors
    assert db.session.scalar(select(func.count(Attempt.id))) <= 2


def test_parallel_autosaves_keep_the_highest_sequence(app, db, learner, store):
    attempt, _ = service.start_attempt(learner, store.quiz("basics-quiz"), T0, GRACE)

    def save(i):
        user = _db.session.get(User, learner.id)
        try:
            service.save_answers(user, attempt.id, {"ttfd": f"answer {i + 1}"}, i + 1, T0, GRACE)
            return i + 1
        except Conflict:
            return None

    results, errors = in_parallel(app, save)
    assert not errors, errors
    row = db.session.get(Attempt, attempt.id)
    assert row.last_seq == THREADS or row.last_seq == max(r for r in results if r)
    assert row.answers["ttfd"] == f"answer {row.last_seq}"   # the answer and its seq agree
