"""What trainers read about quizzes: the essay grading queue, statistics, CSV results."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from lms.extensions import db
from lms.models import Attempt, Organization, User
from lms.rules.item_stats import AttemptScores, QuestionStats, QuizSummary, question_stats, quiz_summary
from lms.naming import titles
from lms.security.spreadsheet import safe_row
from lms.services.export_text import Cells

CLOSED = ("submitted", "pending_review", "graded")


@dataclass(frozen=True)
class PendingEssay:
    attempt: Attempt
    learner: User


def waiting_count() -> int:
    """How many submitted attempts wait for a trainer's essay score (the menu's count)."""
    return db.session.scalar(select(func.count(Attempt.id)).where(Attempt.status == "pending_review"))


@dataclass(frozen=True)
class QuizActivity:
    attempts: int  # closed attempts
    passed: int
    learners: int


def activity_by_quiz() -> dict[str, QuizActivity]:
    """Closed attempts, passes and distinct learners per quiz, in one query."""
    rows = db.session.execute(
        select(Attempt.quiz_slug, func.count(Attempt.id),
               func.count(case((Attempt.passed.is_(True), 1))),
               func.count(func.distinct(Attempt.user_id)))
        .where(Attempt.status.in_(CLOSED)).group_by(Attempt.quiz_slug)
    ).all()
    return {slug: QuizActivity(attempts=n, passed=p, learners=people) for slug, n, p, people in rows}


def grading_queue(limit: int = 200) -> list[PendingEssay]:
    rows = db.session.execute(
        select(Attempt, User).join(User, User.id == Attempt.user_id)
        .where(Attempt.status == "pending_review").order_by(Attempt.submitted_at).limit(limit)
    ).all()
    return [PendingEssay(attempt=a, learner=u) for a, u in rows]


@dataclass(frozen=True)
class QuizReport:
    summary: QuizSummary
    questions: list[QuestionStats]
    stems: dict[str, str]  # question id → stem text from the newest attempt that served it
    distribution: list[int]  # attempts per 10-percent band, 0–9 … 90–100


def quiz_report(quiz_slug: str) -> QuizReport:
    """Moodle-style statistics over every closed attempt, from the stored per-question results."""
    rows = db.session.execute(
        select(Attempt.results, Attempt.percent, Attempt.passed, Attempt.snapshot)
        .where(Attempt.quiz_slug == quiz_slug, Attempt.status.in_(CLOSED))
        .order_by(Attempt.submitted_at)
    ).all()
    scores: list[AttemptScores] = []
    stems: dict[str, str] = {}
    distribution = [0] * 10
    for results, percent, passed, snapshot in rows:
        items = {qid: (float(e), float(p)) for qid, (e, p, pending) in (results or {}).items()
                 if not pending and float(p) > 0}
        scores.append(AttemptScores(items=items, percent=percent or 0.0, passed=passed))
        distribution[min(int((percent or 0) // 10), 9)] += 1
        for q in snapshot["questions"]:
            stems[q["id"]] = q.get("stem") or q["id"]
    return QuizReport(summary=quiz_summary(scores), questions=question_stats(scores),
                      stems=stems, distribution=distribution)


def results_csv(quiz_slug: str, *, organization_id: int | None = None) -> Iterator[str]:
    """Exam results as CSV lines, streamed; optionally one company's people only. Column
    names and words in the reader's language, times in their time zone, the quiz's and
    company's names beside their codes; a byte-order mark so Excel reads it as UTF-8."""
    query = (
        select(Attempt, User.email, User.name, Organization.slug, Organization.name)
        .join(User, User.id == Attempt.user_id)
        .outerjoin(Organization, Organization.id == User.organization_id)
        .where(Attempt.quiz_slug == quiz_slug)
        .order_by(Attempt.started_at)
    )
    if organization_id is not None:
        query = query.where(User.organization_id == organization_id)
    cells = Cells()
    quiz_title = titles().quiz(quiz_slug)
    status = {"in_progress": _("In progress"), "submitted": _("Submitted, not graded yet"),
              "pending_review": _("Awaiting grading"),
              "graded": _("Graded")}
    result = {True: _("Passed"), False: _("Not passed"), None: ""}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([_("Attempt ID"), _("Email address"), _("Name"), _("Company"),
                     _("Company ID"), _("Quiz"), _("Quiz ID"), _("Attempt"), _("Status"),
                     cells.when_header(_("Started")), cells.when_header(_("Submitted")),
                     _("Score"), _("Out of"), _("Score (%)"), _("Result")])
    yield "\ufeff" + flush()
    for attempt, email, name, org, org_name in db.session.execute(
            query.execution_options(yield_per=500)):
        # Every cell guarded, not only the ones typed by people today (lms/security/spreadsheet.py).
        writer.writerow(safe_row([
            attempt.id, email, name, org_name or "", org or "", quiz_title, attempt.quiz_slug,
            attempt.number, status.get(attempt.status, attempt.status),
            cells.when(attempt.started_at), cells.when(attempt.submitted_at),
            attempt.score, attempt.total,
            None if attempt.percent is None else round(attempt.percent, 1),
            result[attempt.passed] if attempt.status == "graded" else "",
        ]))
        yield flush()

