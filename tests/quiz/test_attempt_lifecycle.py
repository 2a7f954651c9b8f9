"""The attempt services with an injected clock: deadlines, grace, limits, nothing lost."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from lms.models import Attempt
from lms.services import attempts as service
from lms.services.errors import Conflict
from tests.quiz.conftest import GRACE

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def correct_answers(attempt):
    answers = {}
    for q in service.questions_of(attempt):
        if q["kind"] == "single":
            answers[q["id"]] = next(c["id"] for c in q["choices"] if c["correct"])
        elif q["kind"] == "multiple":
            answers[q["id"]] = [c["id"] for c in q["choices"] if c["correct"]]
        elif q["kind"] == "essay":
            answers[q["id"]] = "丁寧にヒアリングしてから提案します。"
        elif q["accepted"][0]["kind"] == "number":
            answers[q["id"]] = str(q["accepted"][0]["value"])
        else:
            answers[q["id"]] = q["accepted"][0]["text"]
    return answers


def test_deadline_is_fixed_by_the_server_at_start(db, store, learner):
    attempt, created = service.start_attempt(learner, store.quiz("timed-exam"), T0, GRACE)
    assert created
    assert attempt.deadline == T0 + timedelta(minutes=10)
    assert attempt.status == "in_progress"


def test_starting_again_resumes_the_open_attempt(db, store, learner):
    quiz = store.quiz("timed-exam")
    first, _ = service.start_attempt(learner, quiz, T0, GRACE)
    again, created = service.start_attempt(learner, quiz, T0 + timedelta(minutes=3), GRACE)
    assert not created
    assert again.id == first.id
    assert again.deadline == first.deadline  # reloading never resets the timer


def test_save_just_inside_the_grace_counts(db, store, learner):
    attempt, _ = service.start_attempt(learner, store.quiz("timed-exam"), T0, GRACE)
    at = attempt.deadline + GRACE - timedelta(seconds=1)
    saved = service.save_answers(learner, attempt.id, {"t-bonus": "5"}, 1, at, GRACE)
    assert saved.answers == {"t-bonus": "5"}
    assert saved.status == "in_progress"


def test_save_after_the_grace_is_refused_and_graded_on_what_was_saved(db, store, learner):
    attempt, _ = service.start_attempt(learner, store.quiz("timed-exam"), T0, GRACE)
    service.save_answers(learner, attempt.id, {"t-bonus": "5"}, 1, T0 + timedelta(minutes=2), GRACE)
    late = attempt.deadline + GRACE + timedelta(seconds=1)
    with pytest.raises(Conflict) as info:
        service.save_answers(learner, attempt.id, {"t-margin": "whatever"}, 2, late, GRACE)
    assert info.value.code == "attempt_closed"
    closed = db.session.get(Attempt, attempt.id)
    db.session.refresh(closed)
    assert closed.status in ("graded", "pending_review")
    assert closed.answers == {"t-bonus": "5"}       # the late answer was not taken
    assert closed.score == 1                        # graded on the saved answer, not on nothing
    assert closed.submitted_at == attempt.deadline


def test_a_stale_or_duplicate_sequence_number_is_refused(db, store, learner):
    attempt, _ = service.start_attempt(learner, store.quiz("basics-quiz"), T0, GRACE)
    service.save_answers(learner, attempt.id, {"ttfd": "a"}, 5, T0, GRACE)
    for seq in (5, 4, "6", None, True):
        with pytest.raises(Conflict) as info:
            service.save_answers(learner, attempt.id, {"ttfd": "b"}, seq, T0, GRACE)
        assert info.value.code == "stale_seq"
    assert db.session.get(Attempt, attempt.id).answers == {"ttfd": "a"}


def test_saves_merge(db, store, learner):
    attempt, _ = service.start_attempt(learner, store.quiz("basics-quiz"), T0, GRACE)
    service.save_answers(learner, attempt.id, {"ttfd": "time to first deal"}, 1, T0, GRACE)
    saved = service.save_answers(learner, attempt.id, {"max-margin": "40"}, 2, T0, GRACE)
    assert saved.answers == {"ttfd": "time to first deal", "max-margin": "40"}


def test_repeated_submit_returns_the_first_result(db, store, learner):
    attempt, _ = service.start_attempt(learner, store.quiz("basics-quiz"), T0, GRACE)
    service.save_answers(learner, attempt.id, correct_answers(attempt), 1, T0, GRACE)
    first = service.submit(learner, attempt.id, T0 + timedelta(minutes=1), GRACE)
    assert (first.status, first.percent, first.passed) == ("graded", 100.0, True)
    again = service.submit(learner, attempt.id, T0 + timedelta(minutes=9), GRACE)
    assert again.submitted_at == first.submitted_at
    assert again.percent == 100.0
    with pytest.raises(Conflict):
        service.save_answers(learner, attempt.id, {"ttfd": "x"}, 2, T0, GRACE)


def test_attempt_limit_and_cooldown(db, store, learner):
    quiz = store.quiz("timed-exam")  # 2 attempts, 1 h cooldown
    first, _ = service.start_attempt(learner, quiz, T0, GRACE)
    service.submit(learner, first.id, T0 + timedelta(minutes=5), GRACE)
    with pytest.raises(Conflict) as info:
        service.start_attempt(learner, quiz, T0 + timedelta(minutes=30), GRACE)
    assert info.value.code == "cooldown"
    assert info.value.extra["next_attempt_at"] == T0 + timedelta(minutes=65)
    second, created = service.start_attempt(learner, quiz, T0 + timedelta(minutes=66), GRACE)
    assert created and second.number == 2
    service.submit(learner, second.id, T0 + timedelta(minutes=70), GRACE)
    with pytest.raises(Conflict) as info:
        service.start_attempt(learner, quiz, T0 + timedelta(days=2), GRACE)
    assert info.value.code == "no_attempts_left"


def test_an_abandoned_attempt_is_closed_on_the_next_touch(db, store, learner):
    quiz = store.quiz("timed-exam")
    attempt, _ = service.start_attempt(learner, quiz, T0, GRACE)
    service.save_answers(learner, attempt.id, {"t-bonus": "5"}, 1, T0, GRACE)
    status = service.quiz_status(learner, quiz, T0 + timedelta(hours=3), GRACE)
    assert status.open_attempt is None
    assert status.attempts[0].status in ("graded", "pending_review")
    assert status.attempts[0].score == 1


def test_sweep_submits_overdue_attempts_once(db, store, make):
    org = make.org("sweepers")
    quiz = store.quiz("timed-exam")
    users = [make.user("learner", org=org) for _ in range(3)]
    for u in users:
        attempt, _ = service.start_attempt(u, quiz, T0, GRACE)
        service.save_answers(u, attempt.id, {"t-bonus": "5"}, 1, T0, GRACE)
    assert service.submit_overdue(T0 + timedelta(minutes=5), GRACE) == 0
    assert service.submit_overdue(T0 + timedelta(minutes=11), GRACE) == 3
    assert service.submit_overdue(T0 + timedelta(minutes=12), GRACE) == 0
    rows = db.session.query(Attempt).all()
    assert {a.status for a in rows} <= {"graded", "pending_review"}
    assert all(a.score == 1 for a in rows)


def test_essay_waits_for_a_trainer_and_the_result_follows(db, store, learner, make):
    trainer = make.user("trainer")
    attempt, _ = service.start_attempt(learner, store.quiz("timed-exam"), T0, GRACE,
                                       rng=random.Random(1))
    service.save_answers(learner, attempt.id, correct_answers(attempt), 1, T0, GRACE)
    submitted = service.submit(learner, attempt.id, T0 + timedelta(minutes=5), GRACE)
    assert submitted.status == "pending_review"
    assert submitted.passed is None
    graded = service.score_essay(trainer, attempt.id, "t-essay", 3, "よく書けています", T0)
    assert graded.status == "graded"
    assert graded.percent == pytest.approx(100 * (graded.total - 1) / graded.total)
    assert graded.passed is True
    assert graded.essay_comments == {"t-essay": "よく書けています"}


def test_a_later_file_edit_never_changes_a_finished_attempt(db, store, learner):
    attempt, _ = service.start_attempt(learner, store.quiz("basics-quiz"), T0, GRACE)
    service.save_answers(learner, attempt.id, correct_answers(attempt), 1, T0, GRACE)
    service.submit(learner, attempt.id, T0, GRACE)
    # The grade comes from the attempt's own snapshot, whatever the file says now.
    snapshot_ids = [q["id"] for q in service.questions_of(attempt)]
    assert snapshot_ids == ["margin", "levels", "ttfd", "max-margin"]
    assert service.grade_of(db.session.get(Attempt, attempt.id)).percent == 100.0


def test_someone_elses_attempt_is_not_found(db, store, learner, make):
    from lms.services.errors import NotFound

    other = make.user("learner", org=make.org("other-co"))
    attempt, _ = service.start_attempt(learner, store.quiz("basics-quiz"), T0, GRACE)
    with pytest.raises(NotFound):
        service.save_answers(other, attempt.id, {"ttfd": "x"}, 1, T0, GRACE)
    with pytest.raises(NotFound):
        service.submit(other, attempt.id, T0, GRACE)
    with pytest.raises(NotFound):
        service.owned_attempt(other, attempt.id, T0, GRACE)


def test_starting_after_the_deadline_closes_the_overdue_attempt_and_starts_the_next(
        db, store, learner):
    quiz = store.quiz("timed-exam")
    first, _ = service.start_attempt(learner, quiz, T0, GRACE)
    service.save_answers(learner, first.id, {"t-bonus": "5"}, 1, T0 + timedelta(minutes=1), GRACE)
    later = first.deadline + timedelta(hours=1, minutes=1)  # past the grace and the cooldown
    second, created = service.start_attempt(learner, quiz, later, GRACE)
    assert created and second.id != first.id
    assert second.number == 2 and second.started_at == later
    closed = db.session.get(Attempt, first.id)
    db.session.refresh(closed)
    assert closed.status in ("graded", "pending_review")
    assert closed.answers == {"t-bonus": "5"} and closed.score == 1  # graded on what was saved


def test_a_started_attempt_is_audited_under_its_own_id(db, store, learner):
    from lms.models import AuditEvent

    attempt, _ = service.start_attempt(learner, store.quiz("timed-exam"), T0, GRACE)
    event = db.session.query(AuditEvent).filter_by(action="attempt.started").one()
    assert (event.target, event.actor_id) == (attempt.id, learner.id)
    assert event.detail == {"quiz": "timed-exam"}
