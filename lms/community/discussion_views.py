"""Lesson discussions on the community blueprint: thread pages, posting, moderation, FAQ."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.auth.access import role_required
from lms.catalog.views import visible_course
from lms.community.views import bp
from lms.extensions import db
from lms.messages import message_for
from lms.models import Post
from lms.models.types import utcnow
from lms.paging import page_from
from lms.services import discussions
from lms.services.errors import Forbidden, NotFound, ServiceError
from lms.web import content_store


def _lesson_or_404(slug: str, lesson_slug: str):
    course = visible_course(slug)
    lesson = course.lesson(lesson_slug)
    if lesson is None:
        abort(404)
    return course, lesson


def _page_number() -> int:
    return page_from(request.args)


def _thread_url(post: Post) -> str:
    anchor = f"post-{post.parent_id or post.id}"
    return url_for("community.discussion", slug=post.course_slug,
                   lesson_slug=post.lesson_slug) + "#" + anchor


def _failed(exc: ServiceError):
    db.session.rollback()
    if isinstance(exc, (NotFound, Forbidden)):
        abort(exc.status)
    flash(message_for(exc.message), "error")


@bp.get("/courses/<slug>/lessons/<lesson_slug>/discussion")
@login_required
def discussion(slug: str, lesson_slug: str):
    course, lesson = _lesson_or_404(slug, lesson_slug)
    page = discussions.lesson_page(current_user, course.slug, lesson.slug, _page_number())
    return render_template("community/discussion.html", course=course, lesson=lesson, page=page,
                           form=FlaskForm(), moderator=discussions.moderates(current_user),
                           max_body=discussions.MAX_BODY)


@bp.post("/courses/<slug>/lessons/<lesson_slug>/discussion")
@login_required
def ask(slug: str, lesson_slug: str):
    course, lesson = _lesson_or_404(slug, lesson_slug)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        post = discussions.ask(current_user, course.slug, lesson.slug, request.form.get("body"),
                               request.form.get("private") == "1", utcnow())
    except ServiceError as exc:
        _failed(exc)
        return redirect(url_for("community.discussion", slug=slug, lesson_slug=lesson_slug))
    flash(_("Your question has been posted."), "success")
    return redirect(_thread_url(post))


@bp.post("/posts/<dbid:post_id>/answers")
@login_required
def answer(post_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    question = db.session.get(Post, post_id)
    if question is None:
        abort(404)
    course, lesson = _lesson_or_404(question.course_slug, question.lesson_slug)
    try:
        reply = discussions.answer(current_user, post_id, request.form.get("body"), lesson.title,
                                   _thread_url(question), utcnow())
    except ServiceError as exc:
        _failed(exc)
        return redirect(_thread_url(question))
    flash(_("Your answer has been posted."), "success")
    return redirect(_thread_url(reply))


@bp.route("/posts/<dbid:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = db.session.get(Post, post_id)
    if post is None or post.user_id != current_user.id or post.deleted:
        abort(404)
    _lesson_or_404(post.course_slug, post.lesson_slug)
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            discussions.edit(current_user, post_id, request.form.get("body"), utcnow())
        except ServiceError as exc:
            _failed(exc)
        else:
            flash(_("Your post has been updated."), "success")
            return redirect(_thread_url(post))
    return render_template("community/edit_post.html", post=post, form=form,
                           max_body=discussions.MAX_BODY)


@bp.post("/posts/<dbid:post_id>/delete")
@login_required
def delete(post_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        post = discussions.delete(current_user, post_id, utcnow())
    except ServiceError as exc:
        _failed(exc)
        return redirect(url_for("catalog.index"))
    flash(_("The post has been deleted."), "success")
    return redirect(_thread_url(post))


@bp.post("/posts/<dbid:post_id>/moderate")
@role_required("trainer", "admin")
def moderate(post_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        post = discussions.moderate(current_user, post_id, request.form.get("action", ""), utcnow())
    except ServiceError as exc:
        _failed(exc)
        post = db.session.get(Post, post_id)
    return redirect(_thread_url(post))


@bp.get("/discussions/unanswered")
@role_required("trainer", "admin")
def unanswered():
    store = content_store()
    entries = discussions.unanswered()
    titles = {}
    for entry in entries:
        course = store.course(entry.post.course_slug)
        lesson = course.lesson(entry.post.lesson_slug) if course else None
        titles[entry.post.id] = (course.title if course else entry.post.course_slug,
                                 lesson.title if lesson else entry.post.lesson_slug)
    return render_template("community/unanswered.html", entries=entries, titles=titles)


@bp.get("/courses/<slug>/faq")
@login_required
def faq(slug: str):
    course = visible_course(slug)
    query = (request.args.get("q") or "")[:100]
    lessons = {lesson.slug: lesson.title for lesson in course.lessons}
    return render_template("community/faq.html", course=course, query=query, lessons=lessons,
                           pairs=discussions.faq(course.slug, query))
