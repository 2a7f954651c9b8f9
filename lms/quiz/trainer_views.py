"""Trainers' side of quizzes: the essay grading queue, statistics and CSV export."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from lms.auth.access import role_required
from lms.content.visibility import visible_quiz
from lms.extensions import db
from lms.models import Attempt, User
from lms.models.types import utcnow
from lms.quiz.views import bp
from lms.services import attempts as service
from lms.services import quiz_reports
from lms.services.errors import ServiceError
from lms.web import content_store


@bp.get("/grading")
@role_required("trainer", "admin")
def grading_queue():
    return render_template("quiz/grading_queue.html", queue=quiz_reports.grading_queue())


@bp.route("/grading/<attempt_id>", methods=["GET", "POST"])
@role_required("trainer", "admin")
def grade_attempt(attempt_id: str):
    attempt = db.session.get(Attempt, attempt_id[:64])
    if attempt is None or attempt.status == "in_progress":
        abort(404)
    form = FlaskForm()
    essays = [q for q in service.questions_of(attempt) if q["kind"] == "essay"]
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        question_id = request.form.get("question", "")
        try:
            points = float(request.form.get("points", ""))
        except ValueError:
            flash(_("Enter the points as a number."), "error")
            status = 422
        else:
            try:
                service.score_essay(current_user, attempt.id, question_id, points,
                                    request.form.get("comment", "")[:5000], utcnow())
            except ServiceError:
                flash(_("The points must be between 0 and the question's points."), "error")
                status = 422
            else:
                flash(_("The score has been saved."), "success")
                return redirect(url_for("quiz.grade_attempt", attempt_id=attempt.id))
    learner = db.session.get(User, attempt.user_id)
    return render_template("quiz/grade_attempt.html", attempt=attempt, learner=learner,
                           essays=essays, form=form), status


@bp.get("/quizzes/<slug>/statistics")
@role_required("trainer", "admin")
def statistics(slug: str):
    quiz = content_store().quiz(slug)
    if quiz is None:
        abort(404)
    report = quiz_reports.quiz_report(slug)
    return render_template("quiz/statistics.html", quiz=quiz, report=report)


@bp.get("/quizzes/<slug>/results.csv")
@role_required("trainer", "admin", "manager")
def results_csv(slug: str):
    if visible_quiz(content_store(), slug, current_user.sees_drafts) is None:
        abort(404)  # a manager never sees a draft course's quiz
    # A partner manager exports their own company's people only; a channel
    # manager (no company), trainers and admins export everyone.
    org_id = current_user.organization_id if current_user.role == "manager" else None
    lines = quiz_reports.results_csv(slug, organization_id=org_id)
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-results.csv"'})
