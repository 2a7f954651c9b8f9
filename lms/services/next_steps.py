"""A person's path: where they left off, their next steps, their expiring certifications.

Loads everything in a fixed handful of queries whatever the size of the program (lesson
progress and passed quizzes, exam passes, evidence, sign-offs, certifications, the last
lesson done), asks ``lms.rules.next_steps`` and gives each step a title and a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import request, url_for

from lms.content.courses import Course
from lms.i18n import lazy_gettext as _l
from lms.models import User
from lms.models.types import utcnow
from lms.rules import next_steps as rules
from lms.rules.certification import PersonFacts
from lms.services import certifications as certs
from lms.services import points
from lms.services import progress as progress_service
from lms.services import recertify
from lms.wording import requirement_name

_KIND_LABEL = {
    "course": _l("Course"),
    "lesson": _l("Lesson"),
    "exam": _l("Exam"),
    "practical": _l("Practical assessment"),
    "evidence": _l("Evidence"),
    "approval": _l("Sign-off"),
    "renew": _l("Renewal"),
}


@dataclass(frozen=True)
class Step:
    kind: str
    title: str
    url: str
    certification: str
    certification_title: str
    course: str | None = None      # the course a course or lesson step is about
    reason: str = ""               # a "renew" step: "expiry" or "revised" (rules.NextStep)

    @property
    def label(self) -> str:
        return str(_KIND_LABEL[self.kind])

    def as_json(self) -> dict:
        data = {"kind": self.kind, "title": self.title, "url": self.url,
                "certification": self.certification}
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass(frozen=True)
class Continue:
    course: Course
    lesson_title: str
    url: str
    percent: int


@dataclass(frozen=True)
class Expiring:
    certificate: certs.HeldRow
    title: str
    renew_url: str


@dataclass(frozen=True)
class Path:
    steps: tuple[Step, ...]
    resume: Continue | None
    expiring: tuple[Expiring, ...]


def course_states(progress: dict[str, progress_service.CourseProgress]
                  ) -> dict[str, rules.CourseState]:
    return {slug: rules.CourseState(slug, tuple(lesson.slug for lesson in p.course.lessons),
                                    p.done, p.course.quiz, p.quiz_passed,
                                    p.course.prerequisites)
            for slug, p in progress.items()}


def path_of(user: User, store, *, now: datetime | None = None, external: bool = False,
            courses: list | None = None,
            progress: progress_service.ProgressMap | None = None) -> Path:
    """Everything the home page and ``GET /api/v1/me`` say about what to do next.

    ``courses`` and ``progress``: the user's visible courses and their progress, when the
    caller has them already (the home page), so they are not read twice.
    """
    now = now or utcnow()
    program = store.program()
    if courses is None or progress is None:
        courses = progress_service.visible_courses(store.courses(), user)
        progress = progress_service.progress_for(user, courses, resume=True)
    resume = _resume(progress, external)
    if program is None:
        return Path((), resume, ())
    completed = {slug for slug, p in progress.items() if p.complete}
    facts, certificates = certs.person_facts_and_held(user, courses, program,
                                                      completed=completed)
    revised = {level: quiz for level, (quiz, _deadline) in recertify.deadlines_of(user.id, now).items()}
    found = rules.next_steps(program, facts, course_states(progress), now, revised)
    titles = _titles(store)
    steps = tuple(_step(s, store, program, titles, external) for s in found)
    return Path(steps, resume, _expiring(certificates, program, facts, steps, now, external))


def _titles(store) -> dict[str, str]:
    titles = {q.slug: q.title for q in store.quizzes()}
    titles.update({c.slug: c.title for c in store.courses()})
    return titles


# Links to steps on the site, built once: a handful of routes × the catalogue's slugs,
# asked for on every home page. Keyed by the application root too (it prefixes them).
_URLS: dict[tuple, str] = {}


def _url(endpoint: str, external: bool, **values) -> str:
    if external:
        return url_for(endpoint, _external=True, **values)
    key = (endpoint, request.script_root, tuple(sorted(values.items())))
    url = _URLS.get(key)
    if url is None:
        if len(_URLS) >= 10_000:
            _URLS.clear()
        url = _URLS[key] = url_for(endpoint, **values)
    return url


def _step(step: rules.NextStep, store, program, titles: dict[str, str], external: bool) -> Step:
    cert = program.certification(step.certification)
    cert_title = cert.title if cert else step.certification
    kind = step.kind
    if kind == "lesson":
        course = store.course(step.course)
        lesson = course.lesson(step.target)
        title = f"{course.title} — {lesson.title}"
        url = _url("catalog.lesson", external, slug=course.slug, lesson_slug=lesson.slug)
    elif kind == "course" and step.course is not None:       # the course's quiz
        title = titles.get(step.target, step.target)
        url = _url("quiz.start", external, slug=step.target)
    elif kind == "course":
        title = titles.get(step.target, step.target)
        url = _url("catalog.course", external, slug=step.target)
    elif kind in ("exam", "renew") and step.target != step.certification:
        title = titles.get(step.target, step.target)
        url = _url("quiz.start", external, slug=step.target)
    else:
        title = (str(_l("Practical assessment")) if kind == "practical"
                 else cert_title if kind == "renew" else requirement_name(step.target))
        url = _url("certs.mine", external, _anchor=f"level-{step.certification}")
    course_slug = (step.course or step.target) if kind in ("course", "lesson") else None
    return Step(kind, title, url, step.certification, cert_title, course_slug, step.reason)


def _resume(progress: progress_service.ProgressMap, external: bool) -> Continue | None:
    """The course of the last lesson done, when it is not complete: its next lesson."""
    last_course = progress.last_course  # read with the progress (progress_service.ProgressMap)
    if last_course is None:
        return None
    p = progress.get(last_course)
    if p is None or p.complete:
        return None
    lesson = next((lesson for lesson in p.course.lessons if lesson.slug not in p.done), None)
    if lesson is None:   # lessons done, the quiz is left
        if not p.course.quiz:
            return None
        return Continue(p.course, str(_l("Course quiz")),
                        _url("quiz.start", external, slug=p.course.quiz), p.percent)
    return Continue(p.course, lesson.title,
                    _url("catalog.lesson", external, slug=p.course.slug,
                         lesson_slug=lesson.slug), p.percent)


def _expiring(certificates: list, program, facts: PersonFacts,
              steps: tuple[Step, ...], now: datetime, external: bool) -> tuple[Expiring, ...]:
    levels = rules.expiring(program, facts, now)
    if not levels:
        return ()
    current = {c.level: c for c in certificates if c.current_key}
    found = []
    for level in levels:
        cert = current.get(level)
        if cert is None:
            continue
        renew = next((s.url for s in steps if s.kind == "renew" and s.certification == level),
                     _url("certs.mine", external, _anchor=f"level-{level}"))
        definition = program.certification(level)
        found.append(Expiring(cert, definition.title if definition else level, renew))
    return tuple(found)


def points_of(user: User) -> int:
    return points.total_of(user.id)
