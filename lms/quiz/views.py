"""Exam pages for learners: rules, the attempt form (works without JavaScript), results."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.content.visibility import quiz_hidden, visible_quiz
from lms.i18n import lazy_gettext as _l
from lms.models.types import utcnow
from lms.quiz import grace
from lms.quiz.forms import answers_from_form, seq_from_form
from lms.quiz.guard import guard_for, limited
from lms.quiz.onward import onward_for
from lms.rules import attempts as rules
from lms.rules.grading import public_questions, review_for
from lms.services import attempts as service
from lms.services.errors import Conflict, Invalid, NotFound
from lms.web import content_store

bp = Blueprint("quiz", __name__)

REFUSAL_TEXT = {
    rules.NO_ATTEMPTS_LEFT: lambda d: _("You have used all your attempts at this quiz."),
    rules.COOLDOWN: lambda d: _("You can start the next attempt after the waiting time."),
    rules.OPEN_ATTEMPT: lambda d: _("You have an attempt in progress."),
}


# Why an answer was refused (lms.rules.answers codes), in the learner's words.
ANSWER_PROBLEM_TEXT = {
    "unknown_question": _l("This question is not part of your attempt."),
    "answer_too_long": _l("An answer can be at most 10,000 characters. Shorten it and save again."),
    "not_a_choice": _l("Choose one of the choices shown."),
    "invalid_answer": _l("This answer cannot be saved."),
}


def _quiz_or_404(slug: str):
    quiz = visible_quiz(content_store(), slug, current_user.sees_drafts)
    if quiz is None:
        abort(404)
    return quiz


def _checked_attempt(attempt_id: str) -> str:
    """The attempt's id if it is the caller's and its quiz is visible to them; else NotFound."""
    slug = service.quiz_slug_of(current_user, attempt_id)
    if quiz_hidden(content_store(), slug, current_user.sees_drafts):
        raise NotFound("No such attempt.")
    return attempt_id


def _visible_attempt(attempt_id: str) -> str:
    try:
        return _checked_attempt(attempt_id)
    except NotFound:
        abort(404)


def _attempt_or_404(attempt_id: str):
    try:
        return service.owned_attempt(current_user, _visible_attempt(attempt_id), utcnow(), grace())
    except NotFound:
        abort(404)


@bp.get("/quizzes/<slug>")
@login_required
def start(slug: str):
    quiz = _quiz_or_404(slug)
    status = service.quiz_status(current_user, quiz, utcnow(), grace())
    return render_template("quiz/start.html", quiz=quiz, status=status, form=FlaskForm(),
                           refusal=REFUSAL_TEXT.get(status.decision.reason),
                           guard=guard_for(current_user, slug, content_store()),
                           confirm=limited(quiz))


@bp.get("/quizzes/<slug>/begin")
@login_required
def confirm_start(slug: str):
    """Starting a limited or cooldown exam costs an attempt: say so and ask once more."""
    quiz = _quiz_or_404(slug)
    status = service.quiz_status(current_user, quiz, utcnow(), grace())
    guard = guard_for(current_user, slug, content_store())
    if status.open_attempt is not None:
        return redirect(url_for("quiz.attempt", attempt_id=status.open_attempt.id))
    if not status.decision.allowed or guard.blocks:
        return redirect(url_for("quiz.start", slug=slug))
    return render_template("quiz/begin.html", quiz=quiz, status=status, guard=guard,
                           form=FlaskForm())


@bp.post("/quizzes/<slug>/start")
@login_required
def begin(slug: str):
    quiz = _quiz_or_404(slug)
    if not FlaskForm().validate_on_submit():
        abort(400)
    guard = guard_for(current_user, slug, content_store())
    if guard.blocks:
        flash(_("Complete these courses before you start this exam: %(courses)s",
                courses=", ".join(c.title for c in guard.unfinished)), "warning")
        return redirect(url_for("quiz.start", slug=slug))
    if limited(quiz) and request.form.get("confirmed") != "yes":
        return redirect(url_for("quiz.confirm_start", slug=slug))
    try:
        attempt, _created = service.start_attempt(current_user, quiz, utcnow(), grace())
    except Conflict as exc:
        flash(REFUSAL_TEXT.get(exc.code, lambda d: d.message)(exc), "warning")
        return redirect(url_for("quiz.start", slug=slug))
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<attempt_id>")
@login_required
def attempt(attempt_id: str):
    attempt = _attempt_or_404(attempt_id)
    if attempt.status != "in_progress":
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    return _attempt_page(attempt)


def _attempt_page(attempt, answers=None, errors=None, status=200):
    now = utcnow()
    return render_template("quiz/attempt.html", attempt=attempt, now=now,
                           questions=public_questions(service.questions_of(attempt)),
                           seconds_left=rules.seconds_left(attempt.deadline, now),
                           answers=attempt.answers or {} if answers is None else answers,
                           errors=errors or {}, grace_seconds=int(grace().total_seconds()),
                           form=FlaskForm()), status


@bp.post("/attempts/<attempt_id>")
@login_required
def save_form(attempt_id: str):
    """The no-JavaScript path: the whole answer sheet, then save, finish or time-up."""
    attempt = _attempt_or_404(attempt_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if attempt.status != "in_progress":
        flash(_("Time is up: your attempt was submitted with the answers saved in time."), "warning")
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    answers = answers_from_form(request.form, service.questions_of(attempt))
    now = utcnow()
    try:
        service.save_answers(current_user, attempt.id, answers, seq_from_form(request.form), now,
                             grace())
    except Conflict as exc:
        if exc.code == "attempt_closed":
            flash(_("Time is up: your attempt was submitted with the answers saved in time."),
                  "warning")
            return redirect(url_for("quiz.result", attempt_id=attempt.id))
        flash(_("This page was out of date, so nothing was changed. Your latest saved answers are shown; check them and save again."), "warning")
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id))
    except Invalid as exc:
        # Refused, not dropped: the page comes back with the learner's own text and why.
        problems = {qid: str(ANSWER_PROBLEM_TEXT.get(e["code"], ANSWER_PROBLEM_TEXT["invalid_answer"]))
                    for qid, e in exc.extra.get("errors", {}).items()}
        flash(_("Your answers were not saved. Correct the marked answers and save again."), "error")
        return _attempt_page(attempt, answers=answers, errors=problems, status=422)
    action = request.form.get("action", "save")
    if request.form.get("timeup") == "1":
        service.submit(current_user, attempt.id, now, grace())
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    if action == "finish":
        return redirect(url_for("quiz.confirm", attempt_id=attempt.id))
    flash(_("Your answers have been saved."), "success")
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


@bp.post("/attempts/<attempt_id>/autosave")
@login_required
def autosave(attempt_id: str):
    """JSON autosave from the attempt page (session cookie + CSRF header)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"error": {"code": "invalid_body", "message": "JSON object expected"}}), 400
    try:
        attempt = service.save_answers(current_user, _checked_attempt(attempt_id), data.get("answers"),
                                       data.get("seq"), utcnow(), grace())
    except NotFound as exc:
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), 404
    except Invalid as exc:
        body = {"error": {"code": exc.code, "message": exc.message, **_plain(exc.extra)}}
        return jsonify(body), 422
    except Conflict as exc:
        body = {"error": {"code": exc.code, "message": exc.message, **_plain(exc.extra)}}
        if exc.code == "attempt_closed":
            body["result_url"] = url_for("quiz.result", attempt_id=attempt_id)
        return jsonify(body), 409
    return jsonify({"seq": attempt.last_seq, "saved_at": attempt.last_saved_at.isoformat(),
                    "now": utcnow().isoformat()})


def _plain(extra: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in extra.items()}


@bp.get("/attempts/<attempt_id>/confirm")
@login_required
def confirm(attempt_id: str):
    attempt = _attempt_or_404(attempt_id)
    if attempt.status != "in_progress":
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    questions = service.questions_of(attempt)
    answered = sum(1 for q in questions if (attempt.answers or {}).get(q["id"]) not in (None, "", []))
    return render_template("quiz/confirm.html", attempt=attempt, answered=answered,
                           total=len(questions), form=FlaskForm())


@bp.post("/attempts/<attempt_id>/submit")
@login_required
def submit(attempt_id: str):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        attempt = service.submit(current_user, _visible_attempt(attempt_id), utcnow(), grace())
    except NotFound:
        abort(404)
    return redirect(url_for("quiz.result", attempt_id=attempt.id))


@bp.get("/attempts/<attempt_id>/result")
@login_required
def result(attempt_id: str):
    attempt = _attempt_or_404(attempt_id)
    if attempt.status == "in_progress":
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id))
    settings = attempt.snapshot["quiz"]
    review = review_for(service.questions_of(attempt), service.grade_of(attempt),
                        attempt.answers or {}, settings["review"], attempt.passed)
    return render_template("quiz/result.html", attempt=attempt, settings=settings, review=review,
                           comments=service.essay_comments(attempt),
                           quiz=content_store().quiz(attempt.quiz_slug),
                           onward=onward_for(current_user, attempt, content_store()))
