"""Trainers' workbench on the quiz blueprint: every quiz with its activity, and preview.

Preview shows a course's quiz or an exam exactly as a learner's attempt page would, drafts
included, without creating an attempt; a trainer-only switch adds keys, explanations and
rubrics. The routes are for trainers and admins only, so no key ever reaches a learner.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from lms.auth.access import role_required
from lms.quiz.views import bp
from lms.rules.grading import file_order_questions, keys_for, public_questions
from lms.services import quiz_reports
from lms.web import content_store

STAFF = ("trainer", "admin")


@bp.app_context_processor
def _workbench_counts():
    def grading_waiting() -> int:
        # Only the trainers' menu shows it: one indexed COUNT, never for other roles.
        if not current_user.is_authenticated or current_user.role not in STAFF:
            return 0
        return quiz_reports.waiting_count()
    return {"grading_waiting": grading_waiting}


def _quiz_uses(store) -> dict[str, list[str]]:
    """Quiz slug → titles of what uses it (a course's end quiz, a certification's exam)."""
    uses: dict[str, list[str]] = {}
    for course in store.courses():
        if course.quiz:
            uses.setdefault(course.quiz, []).append(course.title)
    program = store.program()
    for definition in program.certifications if program else ():
        for slug, _minimum in definition.exams:
            uses.setdefault(slug, []).append(definition.title)
    return uses


@bp.get("/quizzes/all")
@role_required(*STAFF)
def quiz_index():
    store = content_store()
    return render_template("quiz/index.html", quizzes=store.quizzes(), uses=_quiz_uses(store),
                           activity=quiz_reports.activity_by_quiz())


@bp.get("/preview")
@role_required(*STAFF)
def preview_index():
    store = content_store()
    return render_template("quiz/preview_index.html", courses=store.courses(),
                           quizzes=store.quizzes(), uses=_quiz_uses(store))


@bp.get("/preview/quizzes/<slug>")
@role_required(*STAFF)
def preview_quiz(slug: str):
    store = content_store()
    quiz = store.quiz(slug)
    if quiz is None and store.refresh(force=True):  # just saved (import) in another worker
        quiz = store.quiz(slug)
    if quiz is None:
        abort(404)
    show_keys = request.args.get("keys") == "1"
    questions = file_order_questions(quiz)
    return render_template("quiz/preview.html", quiz=quiz, questions=public_questions(questions),
                           keys=keys_for(questions) if show_keys else None, show_keys=show_keys)
