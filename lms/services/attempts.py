"""The attempt lifecycle, shared by the exam pages and the API.

start → save (autosave, sequence-numbered) → submit, or auto-submit when the
server's deadline plus grace has passed (on the next touch or by `lms sweep`).
Overdue attempts are graded on the answers saved in time, never on nothing.
One open attempt per person and quiz is held by a unique key in the database,
so limits and cooldowns hold under concurrent requests on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.content.quizzes import Quiz
from lms.database import begin_write
from lms.extensions import db
from lms.models import Attempt, User
from lms.models.types import random_id
from lms.rules import attempts as rules
from lms.rules.answers import (PROBLEM_TEXT, answer_problems, is_newer_save, merge_answers,
                               seq_out_of_range)
from lms.rules.grading import Grade, grade, snapshot_questions
from lms.services import audit, inbox, notifications, points
from lms.services.errors import Conflict, Invalid, NotFound
from lms.services.progress import after_progress
from lms.webhooks import events as webhook_events


@dataclass(frozen=True)
class QuizStatus:
    quiz: Quiz
    decision: rules.StartDecision
    open_attempt: Attempt | None
    attempts: tuple[Attempt, ...]  # newest first

    @property
    def best_percent(self) -> float | None:
        scores = [a.percent for a in self.attempts if a.percent is not None and a.status == "graded"]
        return max(scores) if scores else None

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.attempts)


def open_key(user_id: int, quiz_slug: str) -> str:
    return f"{user_id}:{quiz_slug}"


def quiz_settings(quiz: Quiz) -> dict[str, Any]:
    """What an attempt keeps of the quiz itself, so later edits never change its result."""
    return {
        "slug": quiz.slug,
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
        "review": quiz.review,
        "time_limit": int(quiz.time_limit.total_seconds()) if quiz.time_limit else None,
    }


def questions_of(attempt: Attempt) -> list[dict[str, Any]]:
    return attempt.snapshot["questions"]


def essay_comments(attempt: Attempt) -> list[dict[str, str]]:
    """The trainer's comments on a closed attempt's essays, in question order, for its learner."""
    if attempt.status == "in_progress":
        return []
    comments = attempt.essay_comments or {}
    return [{"question_id": q["id"], "stem_html": q["stem_html"], "comment": comments[q["id"]]}
            for q in questions_of(attempt)
            if q["kind"] == "essay" and (comments.get(q["id"]) or "").strip()]


def grade_of(attempt: Attempt) -> Grade:
    return grade(questions_of(attempt), attempt.answers or {}, attempt.essay_scores or {})


def _attempts_of(user_id: int, quiz_slug: str, *, lock: bool = False) -> list[Attempt]:
    stmt = (select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_slug == quiz_slug)
            .order_by(Attempt.started_at.desc()))
    return list(db.session.scalars(stmt.with_for_update() if lock else stmt))


def _record_grade(attempt: Attempt, now: datetime) -> None:
    result = grade_of(attempt)
    attempt.score, attempt.total, attempt.percent = result.score, result.total, result.percent
    attempt.passed = result.passed(attempt.snapshot["quiz"]["pass_mark"])
    attempt.status = rules.closed_status(result.pending_review)
    attempt.graded_at = None if result.pending_review else now
    attempt.results = {r.id: [r.earned, r.points, r.needs_review] for r in result.results}
    if attempt.graded_at is not None:
        webhook_events.attempt_graded(attempt, db.session.get(User, attempt.user_id), now=now)
    if attempt.passed and attempt.status == "graded":
        # Passing the same quiz again gives nothing more: one key per person and quiz.
        points.earn(attempt.user_id, "quiz_passed", f"quiz:{attempt.user_id}:{attempt.quiz_slug}",
                    now=now)


def _finalize(attempt: Attempt, now: datetime, grace: timedelta) -> None:
    """Close and grade an attempt; an overdue one ends at its deadline, on what was saved."""
    overdue = rules.is_overdue(attempt.deadline, now, grace)
    # Closed before it is graded: the grading's reads flush one UPDATE with everything.
    attempt.submitted_at = attempt.deadline if overdue else now
    attempt.open_key = None
    _record_grade(attempt, now)
    if attempt.status == "pending_review":
        _tell_trainers_an_essay_waits(attempt)


def _tell_trainers_an_essay_waits(attempt: Attempt) -> None:
    learner_name = db.session.scalar(select(User.name).where(User.id == attempt.user_id))
    trainers = db.session.scalars(select(User.id).where(User.role == "trainer", User.active.is_(True)))
    inbox.notify_many(trainers, "essay_waiting", f"attempt:{attempt.id}:waiting",
                      url=inbox.path_for("quiz.grade_attempt", attempt_id=attempt.id),
                      learner=learner_name or "", quiz=attempt.snapshot["quiz"]["title"])


def _tell_learner_graded(attempt: Attempt) -> None:
    """In the notification centre and by e-mail, once per attempt (the notification's key)."""
    path = inbox.path_for("quiz.result", attempt_id=attempt.id)
    quiz = attempt.snapshot["quiz"]["title"]
    comment = "\n".join(c["comment"] for c in essay_comments(attempt))
    if inbox.notify(attempt.user_id, "essay_graded", f"attempt:{attempt.id}:graded", url=path,
                    quiz=quiz, percent=attempt.percent, comment=comment):
        learner = db.session.get(User, attempt.user_id)
        notifications.essay_graded(learner, quiz, attempt.percent, comment, path)


def _close_if_overdue(attempt: Attempt, now: datetime, grace: timedelta) -> bool:
    if attempt.status == "in_progress" and rules.is_overdue(attempt.deadline, now, grace):
        _finalize(attempt, now, grace)
        audit.record("attempt.auto_submitted", actor_id=None, target=attempt.id,
                     quiz=attempt.quiz_slug, user_id=attempt.user_id)
        return True
    return False


def quiz_status(user: User, quiz: Quiz, now: datetime, grace: timedelta) -> QuizStatus:
    """Where this person stands with this quiz; an overdue open attempt is closed first."""
    attempts = _attempts_of(user.id, quiz.slug)
    if any(a.status == "in_progress" and rules.is_overdue(a.deadline, now, grace) for a in attempts):
        close_overdue_for(user, quiz.slug, now, grace)
        attempts = _attempts_of(user.id, quiz.slug)
    open_attempt = next((a for a in attempts if a.status == "in_progress"), None)
    finished = [(a.started_at, a.submitted_at) for a in attempts if a.status != "in_progress"]
    decision = rules.start_decision(quiz, finished, open_attempt is not None, now)
    return QuizStatus(quiz=quiz, decision=decision, open_attempt=open_attempt,
                      attempts=tuple(attempts))


def close_overdue_for(user: User, quiz_slug: str, now: datetime, grace: timedelta) -> None:
    begin_write()
    closed = False
    for attempt in db.session.scalars(
        select(Attempt).where(Attempt.user_id == user.id, Attempt.quiz_slug == quiz_slug,
                              Attempt.status == "in_progress").with_for_update()
    ):
        closed |= _close_if_overdue(attempt, now, grace)
    db.session.commit()
    if closed:
        after_progress(user)


def start_attempt(user: User, quiz: Quiz, now: datetime, grace: timedelta,
                  rng: random.Random | None = None) -> tuple[Attempt, bool]:
    """Start an attempt, or return the open one. Returns (attempt, created).

    One write transaction reads the person's attempts (locked), closes an overdue open one
    and starts the new one; only when one was closed is it committed first, so that what
    passing it earns (after_progress) is in place before the next attempt starts."""
    # The question sheet is drawn before the write lock is taken: on SQLite writers take
    # turns, and work done while holding the lock is work the other core cannot share.
    # A generator of its own per attempt, seeded from the system's randomness: as
    # unpredictable as drawing every shuffle from os.urandom, at a fraction of the calls.
    rng = rng or random.Random(secrets.randbits(128))
    snapshot = {"quiz": quiz_settings(quiz), "questions": snapshot_questions(quiz, rng)}
    begin_write()
    # Most people start with nothing open: what the decision needs is read as plain rows,
    # and the attempts themselves are loaded only when one is open (or overdue, to close).
    finished = _finished_attempts(user.id, quiz.slug)
    if finished is None:
        attempts = _attempts_of(user.id, quiz.slug, lock=True)
        if any([_close_if_overdue(a, now, grace) for a in attempts]):
            db.session.commit()
            after_progress(user)
            begin_write()
            attempts = _attempts_of(user.id, quiz.slug, lock=True)
        open_attempt = next((a for a in attempts if a.status == "in_progress"), None)
        if open_attempt is not None:
            db.session.commit()
            return open_attempt, False
        finished = [(a.started_at, a.submitted_at) for a in attempts]
    decision = rules.start_decision(quiz, finished, False, now)
    if not decision.allowed:
        db.session.rollback()
        raise Conflict(_REFUSALS[decision.reason], code=decision.reason,
                       next_attempt_at=decision.next_attempt_at)
    attempt = Attempt(
        id=random_id(), user_id=user.id, quiz_slug=quiz.slug, number=len(finished) + 1,
        status="in_progress", open_key=open_key(user.id, quiz.slug), started_at=now,
        deadline=rules.deadline_for(now, quiz.time_limit), snapshot=snapshot,
        answers={}, last_seq=0,
    )
    db.session.add(attempt)
    # Its id is drawn here, so the audit row goes out in the same flush.
    audit.record("attempt.started", actor_id=user.id, target=attempt.id, quiz=quiz.slug)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request opened one a moment ago (PostgreSQL): resume that one.
        db.session.rollback()
        existing = db.session.scalar(select(Attempt).where(
            Attempt.open_key == open_key(user.id, quiz.slug)))
        if existing is None:
            raise Conflict("The attempt could not be started; try again.", code="retry") from None
        return existing, False
    db.session.commit()
    return attempt, True


def _finished_attempts(user_id: int, quiz_slug: str) -> list[tuple] | None:
    """(started, submitted) of the person's attempts at the quiz, newest first, read as rows
    (locked on PostgreSQL); None when one of them is still open."""
    rows = db.session.execute(
        select(Attempt.status, Attempt.started_at, Attempt.submitted_at)
        .where(Attempt.user_id == user_id, Attempt.quiz_slug == quiz_slug)
        .order_by(Attempt.started_at.desc()).with_for_update()).all()
    if any(status == "in_progress" for status, _, _ in rows):
        return None
    return [(started, submitted) for _, started, submitted in rows]


_REFUSALS = {
    rules.NO_ATTEMPTS_LEFT: "No attempts left for this quiz.",
    rules.COOLDOWN: "The next attempt cannot start yet.",
    rules.OPEN_ATTEMPT: "An attempt is already open.",
}


def _owned_attempt_for_update(user: User, attempt_id: str,
                              hidden: Callable[[str], bool] | None = None) -> Attempt:
    """The caller's attempt, locked; NotFound (nothing written) if it is someone else's or
    ``hidden(quiz slug)`` says its quiz is hidden from the caller (a draft course's)."""
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.id == str(attempt_id)[:64]).with_for_update())
    if attempt is None or attempt.user_id != user.id or (hidden and hidden(attempt.quiz_slug)):
        db.session.rollback()
        raise NotFound("No such attempt.")
    return attempt


def quiz_slug_of(user: User, attempt_id: str) -> str:
    """The quiz of the caller's attempt (for the visibility check), or NotFound."""
    row = db.session.execute(select(Attempt.user_id, Attempt.quiz_slug)
                             .where(Attempt.id == str(attempt_id)[:64])).first()
    if row is None or row.user_id != user.id:
        raise NotFound("No such attempt.")
    return row.quiz_slug


def owned_attempt(user: User, attempt_id: str, now: datetime, grace: timedelta) -> Attempt:
    """The caller's attempt, closed and graded first if its time ran out."""
    attempt = db.session.scalar(select(Attempt).where(Attempt.id == str(attempt_id)[:64]))
    if attempt is None or attempt.user_id != user.id:
        raise NotFound("No such attempt.")
    if attempt.status == "in_progress" and rules.is_overdue(attempt.deadline, now, grace):
        close_overdue_for(user, attempt.quiz_slug, now, grace)
        attempt = db.session.get(Attempt, attempt.id)
        db.session.refresh(attempt)
    return attempt


def save_answers(user: User, attempt_id: str, answers: object, seq: object,
                 now: datetime, grace: timedelta,
                 hidden: Callable[[str], bool] | None = None) -> Attempt:
    """Merge an autosave into the attempt; stale sequence numbers and late saves get 409.

    Every answer is stored as sent or the whole save is refused (422) with a reason per
    question in ``errors``: nothing is acknowledged and dropped. ``hidden``: see
    ``_owned_attempt_for_update`` (checked on the row the save locks, no extra read).
    """
    if not isinstance(answers, Mapping):
        raise Invalid("'answers' must be an object of question id to answer.", field="answers")
    if seq_out_of_range(seq):
        raise Invalid("'seq' must be an integer below 2^63.", field="seq",
                      code="seq_out_of_range")
    begin_write()
    attempt = _owned_attempt_for_update(user, attempt_id, hidden)
    if _close_if_overdue(attempt, now, grace):
        db.session.commit()
        after_progress(user)
        raise Conflict("Time is up: the attempt was submitted with the answers saved in time.",
                       code="attempt_closed")
    if attempt.status != "in_progress":
        db.session.rollback()
        raise Conflict("The attempt is closed.", code="attempt_closed")
    if not is_newer_save(attempt.last_seq, seq):
        last = attempt.last_seq
        db.session.rollback()
        raise Conflict("This save is older than one already kept.", code="stale_seq", last_seq=last)
    problems = answer_problems(answers, questions_of(attempt))
    if problems:
        db.session.rollback()
        raise Invalid("Some answers cannot be saved; nothing was saved.", field="answers",
                      code="invalid_answers",
                      errors={qid: {"code": code, "message": PROBLEM_TEXT[code]}
                              for qid, code in problems.items()})
    attempt.answers = merge_answers(attempt.answers or {}, answers, questions_of(attempt))
    attempt.last_seq = seq
    attempt.last_saved_at = now
    db.session.commit()
    return attempt


def submit(user: User, attempt_id: str, now: datetime, grace: timedelta,
           hidden: Callable[[str], bool] | None = None) -> Attempt:
    """Grade and close; a repeated submit returns the first result unchanged."""
    begin_write()
    attempt = _owned_attempt_for_update(user, attempt_id, hidden)
    if attempt.status != "in_progress":
        db.session.commit()
        return attempt
    _finalize(attempt, now, grace)
    audit.record("attempt.submitted", actor_id=user.id, target=attempt.id,
                 quiz=attempt.quiz_slug, percent=attempt.percent, passed=attempt.passed)
    db.session.commit()
    after_progress(user)
    return attempt


def submit_overdue(now: datetime, grace: timedelta, batch: int = 500) -> int:
    """Close every attempt whose deadline and grace have passed (`lms sweep`)."""
    closed_users: set[int] = set()
    total = 0
    while True:
        begin_write()
        due = list(db.session.scalars(
            select(Attempt).where(Attempt.status == "in_progress",
                                  Attempt.deadline.is_not(None),
                                  Attempt.deadline < now - grace)
            .order_by(Attempt.deadline).limit(batch).with_for_update(skip_locked=True)
        ))
        for attempt in due:
            if _close_if_overdue(attempt, now, grace):
                closed_users.add(attempt.user_id)
                total += 1
        db.session.commit()
        if len(due) < batch:
            break
    for user in db.session.scalars(select(User).where(User.id.in_(closed_users))):
        after_progress(user)
    return total


def score_essay(trainer: User, attempt_id: str, question_id: str, points: float,
                comment: str, now: datetime) -> Attempt:
    """A trainer's score for one essay answer; the attempt's result follows."""
    begin_write()
    attempt = db.session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
    if attempt is None:
        raise NotFound("No such attempt.")
    question = next((q for q in questions_of(attempt) if q["id"] == question_id), None)
    if question is None or question["kind"] != "essay":
        raise NotFound("No such essay question in this attempt.")
    if attempt.status == "in_progress":
        raise Conflict("The attempt is still in progress.", code="attempt_open")
    if not 0 <= points <= question["points"]:
        raise Invalid("Points out of range.", field="points", code="points_out_of_range")
    attempt.essay_scores = {**(attempt.essay_scores or {}), question_id: points}
    attempt.essay_comments = {**(attempt.essay_comments or {}), question_id: comment}
    _record_grade(attempt, now)
    attempt.graded_by_id = trainer.id
    if attempt.status == "graded":
        _tell_learner_graded(attempt)
    audit.record("attempt.essay_scored", actor_id=trainer.id, target=attempt.id,
                 question=question_id, points=points)
    db.session.commit()
    learner = db.session.get(User, attempt.user_id)
    after_progress(learner)
    return attempt
