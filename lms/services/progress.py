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


# Done lessons and passed quizzes in one round trip: this runs on every catalog, course
# and lesson page. Built once; only the parameters vary. A lesson page asks about one
# course, so that variant reads that course's rows only; pages about several courses read
# all of the person's rows (an IN list expanded at each execution cost more than the few
# extra rows). The variant with when each lesson was done ("continue where you left off")
# is for the home page only: reading and converting the timestamps is most of its cost.
def _progress_rows(with_when: bool, one_course: bool):
    when = ([LessonProgress.completed_at.label("at"), LessonProgress.id.label("id")]
            if with_when else [])
    no_when = ([literal(None, LessonProgress.completed_at.type), literal(None, Integer)]
               if with_when else [])
    lessons = [LessonProgress.user_id == bindparam("user_id")]
    quizzes = [Attempt.user_id == bindparam("user_id"), Attempt.passed.is_(True)]
    if one_course:
        lessons.append(LessonProgress.course_slug == bindparam("course"))
        quizzes.append(Attempt.quiz_slug == bindparam("quiz"))
    return union_all(
        select(literal("lesson").label("kind"), LessonProgress.course_slug.label("a"),
               LessonProgress.lesson_slug.label("b"), *when).where(*lessons),
        select(literal("quiz"), Attempt.quiz_slug, literal(None, String), *no_when)
        .where(*quizzes).distinct(),
    )


_PROGRESS_ROWS = {(when, one): _progress_rows(when, one)
                  for when in (False, True) for one in (False, True)}


class ProgressMap(dict):
    """{course slug: CourseProgress}; with ``resume``, also the course of the lesson done last."""

    def __init__(self, items, last_course: str | None = None, resume: bool = False):
        super().__init__(items)
        self._last_course = last_course
        self._resume = resume

    @property
    def last_course(self) -> str | None:
        if not self._resume:
            raise ValueError("progress read without resume=True has no last course")
        return self._last_course


def _done_and_passed(user_id: int, courses, resume: bool
                     ) -> tuple[dict[str, set[str]], set[str], str | None]:
    done: dict[str, set[str]] = defaultdict(set)
    passed: set[str] = set()
    one = len(courses) == 1
    params = {"user_id": user_id}
    if one:
        params.update(course=courses[0].slug, quiz=courses[0].quiz)
    asked = {c.slug for c in courses}
    statement = _PROGRESS_ROWS[resume, one]
    # A Core statement on the session's connection: the ORM's execute path adds nothing
    # here but its autoflush (a grading that just passed an attempt must be seen), done
    # by hand; it returns at once when nothing is pending.
    session = db.session()
    session.flush()
    rows = session.connection().execute(statement, params)
    if not resume:
        for kind, a, b in rows:
            if kind == "lesson":
                done[a].add(b)
            else:
                passed.add(a)
        return done, passed, None
    latest = None
    for kind, a, b, at, row_id in rows:
        if kind == "lesson":
            done[a].add(b)
            if a in asked and (latest is None or (at, row_id) > latest[0]):
                latest = ((at, row_id), a)
        else:
            passed.add(a)
    return done, passed, latest[1] if latest else None


def progress_for(user: User, courses, *, resume: bool = False) -> ProgressMap:
    """Progress in every given course, from one query whatever the number of courses.

    ``resume``: also which of these courses had a lesson done last (the home page's
    "continue where you left off").
    """
    courses = list(courses)
    done, passed, last_course = _done_and_passed(user.id, courses, resume)
    return ProgressMap(
        ((c.slug, CourseProgress(course=c, done=frozenset(done.get(c.slug, ())),
                                 quiz_passed=bool(c.quiz and c.quiz in passed)))
         for c in courses), last_course=last_course, resume=resume)


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
