"""Timed quizzes: the exam pages, the grading queue and item statistics."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from lms.services import sweep
from lms.services.attempts import submit_overdue


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["QUIZ_GRACE_SECONDS"])


@sweep.register
def submit_overdue_attempts(now):
    return sweep.StepResult("overdue attempts submitted", submit_overdue(now, grace()))
