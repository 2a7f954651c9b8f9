"""Catalog, course and lesson pages, course files, and "my learning"."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.content.courses import LEVELS, Course
from lms.frame import render_page
from lms.security.files import send_provided_file
from lms.models.types import utcnow
from lms.services import assignments, next_steps
from lms.services import progress as progress_service
from lms.services.errors import Conflict, NotFound
from lms.web import content_store

bp = Blueprint("catalog", __name__)


def visible_course(slug: str) -> Course:
    course = content_store().course(slug)
    if course is None or (course.draft and not current_user.sees_drafts):
        abort(404)
    return course


def quiz_url(slug: str | None) -> str | None:
    if not slug or "quiz.start" not in current_app.view_functions:
        return None
    return url_for("quiz.start", slug=slug)


def _level_key(levels: tuple[str, ...]):
    """Courses grouped by level in program.yml's order; unknown levels, then none, last."""
    def key(course: Course):
        if course.level is None:
            return (2, 0, "")
        if course.level in levels:
            return (0, levels.index(course.level), course.level)
        return (1, 0, course.level)
    return key


@bp.get("/")
@login_required
def index():
    courses = progress_service.visible_courses(content_store().courses(), current_user)
    progress = progress_service.progress_for(current_user, courses, resume=True)
    program = content_store().program()
    levels = program.levels if program is not None else LEVELS
    groups = []
    for level, by_level in groupby(sorted(courses, key=_level_key(levels)),
                                   key=lambda c: c.level):
        by_level = list(by_level)
        tracks = []
        for track, items in groupby(sorted(by_level, key=lambda c: (c.track or "", c.order, c.slug)),
                                    key=lambda c: c.track):
            tracks.append((track, list(items)))
        groups.append((level, tracks))
    path = next_steps.path_of(current_user, content_store(), courses=courses, progress=progress)
    mine = assignments.for_person(current_user.id)
    titles = {(t.kind, t.key): t.title for t in assignments.targets(content_store())} if mine else {}
    # What the course listing shows: the courses (by identity: a changed file is a new
    # object), the program (level and track titles) and the progress in each.
    catalog_key = (program, tuple((c, progress[c.slug].percent, progress[c.slug].complete)
                                  for c in courses))
    return render_template("catalog/index.html", groups=groups, progress=progress, path=path,
                           catalog_key=catalog_key,
                           assignments=mine, assignment_titles=titles, now=utcnow(),
                           assignment_url=assignments.link_path)


@bp.get("/courses/<slug>")
@login_required
def course(slug: str):
    course = visible_course(slug)
    store = content_store()
    courses = progress_service.visible_courses(store.courses(), current_user)
    progress = progress_service.progress_for(current_user, courses + [course])
    unmet = progress_service.unmet_prerequisites(course, progress)
    prerequisites = [store.course(s) for s in course.prerequisites]
    return render_template("catalog/course.html", course=course, progress=progress[course.slug],
                           unmet=unmet, prerequisites=[p for p in prerequisites if p],
                           quiz=store.quiz(course.quiz) if course.quiz else None,
                           quiz_url=quiz_url(course.quiz),
                           locked=bool(unmet) and not current_user.sees_drafts)


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str):
    course = visible_course(slug)
    lesson = course.lesson(lesson_slug)
    if lesson is None:
        abort(404)
    store = content_store()
    relevant = [course] + [c for c in (store.course(s) for s in course.prerequisites) if c]
    progress = progress_service.progress_for(current_user, relevant)
    unmet = progress_service.unmet_prerequisites(course, progress)
    if unmet and not current_user.sees_drafts:
        flash(_("Complete the prerequisite courses first."), "warning")
        return redirect(url_for("catalog.course", slug=slug))
    previous, following = course.neighbours(lesson_slug)
    done = lesson.slug in progress[course.slug].done
    # The page is kept per lesson object (its course, neighbours and text) and done-state:
    # whatever it is given must follow from those.
    return render_page("catalog/lesson.html", (course, lesson, done), course=course,
                       lesson=lesson, previous=previous, following=following, done=done)


@bp.post("/courses/<slug>/lessons/<lesson_slug>/done")
@login_required
def mark_done(slug: str, lesson_slug: str):
    course = visible_course(slug)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        progress_service.mark_lesson_done(current_user, course, lesson_slug, content_store())
    except NotFound:
        abort(404)
    except Conflict:
        flash(_("Complete the prerequisite courses first."), "warning")
        return redirect(url_for("catalog.course", slug=slug))
    _previous, following = course.neighbours(lesson_slug)  # not `_`: that is gettext here
    flash(_("Lesson marked as done."), "success")
    if following is not None and request.form.get("then") == "next":
        return redirect(url_for("catalog.lesson", slug=slug, lesson_slug=following.slug))
    return redirect(url_for("catalog.lesson", slug=slug, lesson_slug=lesson_slug))


@bp.get("/courses/<slug>/files/<path:relpath>")
@login_required
def course_file(slug: str, relpath: str):
    visible_course(slug)
    path = content_store().asset_path(slug, relpath)
    if path is None:
        abort(404)
    # Trainers write these files: only media is shown in place, sandboxed (lms/security/files.py).
    return send_provided_file(path, request.headers.get("Sec-Fetch-Dest"), max_age=3600)


@bp.get("/my")
@login_required
def my_learning():
    courses = progress_service.visible_courses(content_store().courses(), current_user)
    progress = progress_service.progress_for(current_user, courses)
    started = [progress[c.slug] for c in courses
               if progress[c.slug].lessons_done and not progress[c.slug].complete]
    completed = [progress[c.slug] for c in courses if progress[c.slug].complete]
    todo = [progress[c.slug] for c in courses if not progress[c.slug].lessons_done
            and not progress[c.slug].complete]
    return render_template("catalog/my.html", started=started, completed=completed, todo=todo)
