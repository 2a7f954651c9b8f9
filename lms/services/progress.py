"""Lesson progress and course completion, read in one query per kind."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Integer, String, bindparam, literal, select, union_all

from lms.content.courses import Course
from lms.database import begin_write, upsert_ignore
from lms.extensions import db
from lms.models import Attempt, LessonProgress, User
from lms.models.types import utcnow
from lms.services import points
from lms.services.errors import Conflict, NotFound


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    done: frozenset[str]
    quiz_passed: bool

    @property
    def lessons_done(self) -> int:
        return sum(1 for lesson in self.course.lessons if lesson.slug in self.done)

    @property
    def lessons_total(self) -> int:
        return len(self.course.lessons)

    @property
    def complete(self) -> bool:
        lessons_ok = self.lessons_done == self.lessons_total
        return lessons_ok and (self.course.quiz is None or self.quiz_passed)

    @property
    def percent(self) -> int:
        steps = self.lessons_total + (1 if self.course.quiz else 0)
        if steps == 0:
            return 100
        finished = self.lessons_done + (1 if self.course.quiz and self.quiz_passed else 0)
        return round(100 * finished / steps)


def visible_courses(courses, user: User) -> list[Course]:
    return [c for c in courses if not c.draft or user.sees_drafts]


# Done lessons (with when, for "continue where you left off") and passed quizzes in one
# round trip: this runs on every catalog, course and lesson page. Built once; only the
# user id varies.
_PROGRESS_ROWS = union_all(
    select(literal("lesson").label("kind"), LessonProgress.course_slug.label("a"),
           LessonProgress.lesson_slug.label("b"), LessonProgress.completed_at.label("at"),
           LessonProgress.id.label("id"))
    .where(LessonProgress.user_id == bindparam("user_id")),
    select(literal("quiz"), Attempt.quiz_slug, literal(None, String),
           literal(None, LessonProgress.completed_at.type), literal(None, Integer))
    .where(Attempt.user_id == bindparam("user_id"), Attempt.passed.is_(True))
    .distinct(),
)


class ProgressMap(dict):
    """{course slug: CourseProgress}, and the course of the lesson done last (or None)."""

    last_course: str | None = None


def _done_and_passed(user_id: int) -> tuple[dict[str, set[str]], set[str], str | None]:
    done: dict[str, set[str]] = defaultdict(set)
    passed: set[str] = set()
    latest = None
    for kind, a, b, at, row_id in db.session.execute(_PROGRESS_ROWS, {"user_id": user_id}):
        if kind == "lesson":
            done[a].add(b)
            if latest is None or (at, row_id) > latest[0]:
                latest = ((at, row_id), a)
        else:
            passed.add(a)
    return done, passed, latest[1] if latest else None


def progress_for(user: User, courses) -> ProgressMap:
    """Progress in every given course, from one query whatever the number of courses."""
    done, passed, last_course = _done_and_passed(user.id)
    found = ProgressMap(
        (c.slug, CourseProgress(course=c, done=frozenset(done.get(c.slug, ())),
                                quiz_passed=bool(c.quiz and c.quiz in passed)))
        for c in courses)
    found.last_course = last_course
    return found


def unmet_prerequisites(course: Course, progress: dict[str, CourseProgress]) -> list[str]:
    return [slug for slug in course.prerequisites
            if slug not in progress or not progress[slug].complete]


def completed_course_slugs(user: User, courses) -> set[str]:
    return {slug for slug, p in progress_for(user, courses).items() if p.complete}


def mark_lesson_done(user: User, course: Course, lesson_slug: str, store) -> bool:
    """Record a lesson as done; idempotent. Returns True when it was newly recorded."""
    if course.lesson(lesson_slug) is None:
        raise NotFound("No such lesson.")
    if not user.sees_drafts:
        progress = progress_for(user, [c for c in store.courses() if c.slug in course.prerequisites])
        if unmet_prerequisites(course, progress):
            raise Conflict("Complete the prerequisite courses first.", code="prerequisites_unmet")
    begin_write()
    # The database decides between racing requests (PostgreSQL takes no lock above).
    added = upsert_ignore(LessonProgress, {
        "user_id": user.id, "course_slug": course.slug, "lesson_slug": lesson_slug,
        "completed_at": utcnow()}, ("user_id", "course_slug", "lesson_slug"))
    if added:
        points.earn(user.id, "lesson", f"lesson:{user.id}:{course.slug}/{lesson_slug}")
    db.session.commit()
    if not added:
        return False
    after_progress(user)
    return True


# Called after anything that may complete a requirement (certification awarding
# hooks in here); a list so later features register without circular imports.
PROGRESS_LISTENERS: list = []


def after_progress(user: User) -> None:
    for listener in PROGRESS_LISTENERS:
        listener(user)
