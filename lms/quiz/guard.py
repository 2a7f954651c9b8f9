"""Before an exam starts: the certification courses the person has not completed.

A quiz that is an exam of one or more certification levels lists those levels' courses not
complete yet; ``courses_before_exam: block`` on any of those levels (program.yml) refuses the
start until they are, ``warn`` (the default) only tells. Trainers and admins (who see drafts
and preview everything) are never blocked.
"""

from __future__ import annotations

from dataclasses import dataclass

from lms.content.courses import Course
from lms.models import User
from lms.services import progress as progress_service

COURSES_UNFINISHED = "courses_unfinished"


@dataclass(frozen=True)
class ExamGuard:
    unfinished: tuple[Course, ...]    # in the program's order, each once
    blocking: bool                    # a level says block, and the person can be blocked

    @property
    def blocks(self) -> bool:
        return self.blocking and bool(self.unfinished)


def guard_for(user: User, quiz_slug: str, store) -> ExamGuard:
    program = store.program()
    if program is None:
        return ExamGuard((), False)
    levels = [c for c in program.certifications if quiz_slug in dict(c.exams)]
    slugs = list(dict.fromkeys(slug for cert in levels for slug in cert.courses))
    if not slugs:
        return ExamGuard((), False)
    courses = [c for c in (store.course(s) for s in slugs) if c is not None]
    visible = progress_service.visible_courses(courses, user)
    progress = progress_service.progress_for(user, visible)
    unfinished = tuple(c for c in visible if not progress[c.slug].complete)
    blocking = (any(cert.courses_before_exam == "block" for cert in levels)
                and not user.sees_drafts)
    return ExamGuard(unfinished, blocking)


def limited(quiz) -> bool:
    """Starting it costs something: a limited number of attempts or a waiting time."""
    return bool(quiz.max_attempts) or quiz.cooldown.total_seconds() > 0
