"""Catalog with the caller's progress, and lesson completion."""

from __future__ import annotations

from flask import g, jsonify

from lms.api import bp
from lms.security.urls import absolute_url
from lms.services import progress as progress_service
from lms.services.errors import NotFound
from lms.web import content_store


def _course_json(course, progress) -> dict:
    return {
        "slug": course.slug,
        "title": course.title,
        "level": course.level,
        "track": course.track,
        "url": absolute_url("catalog.course", slug=course.slug),
        "complete": progress.complete,
        "lessons": [
            {
                "slug": lesson.slug,
                "title": lesson.title,
                "url": absolute_url("catalog.lesson", slug=course.slug, lesson_slug=lesson.slug),
                "done": lesson.slug in progress.done,
            }
            for lesson in course.lessons
        ],
    }


@bp.get("/courses")
def courses():
    user = g.api_user
    visible = progress_service.visible_courses(content_store().courses(), user)
    progress = progress_service.progress_for(user, visible)
    return jsonify([_course_json(c, progress[c.slug]) for c in visible])


@bp.post("/courses/<course_slug>/lessons/<lesson_slug>/complete")
def complete_lesson(course_slug: str, lesson_slug: str):
    user = g.api_user
    store = content_store()
    course = store.course(course_slug)
    if course is None or (course.draft and not user.sees_drafts) or course.lesson(lesson_slug) is None:
        raise NotFound("No such course or lesson.")
    created = progress_service.mark_lesson_done(user, course, lesson_slug, store)
    progress = progress_service.progress_for(user, [course])[course.slug]
    return jsonify({"course": course.slug, "lesson": lesson_slug, "done": True,
                    "course_complete": progress.complete, "newly_done": created})
