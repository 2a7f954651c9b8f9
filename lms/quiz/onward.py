"""Where a quiz result leads: the course, the next step, the certification page, and the
certification the attempt has just earned (celebrated on screen)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from lms.certs.overview import linkedin_url
from lms.content.courses import Course
from lms.extensions import db
from lms.models import Attempt, Certification, User
from lms.services import next_steps
from lms.services.badges import verify_url

# An award written by the submit's own after_progress lands within moments of it.
_AWARD_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True)
class Award:
    cert: Certification
    title: str
    verify_url: str
    share_url: str
    certificate_url: str


@dataclass(frozen=True)
class Onward:
    course: Course | None             # the course whose quiz this is
    certification_url: str | None     # the certification page, at the level concerned
    level_title: str | None
    next_step: next_steps.Step | None
    next_course: next_steps.Step | None   # the next course or lesson to study, if another
    awards: tuple[Award, ...]


def onward_for(user: User, attempt: Attempt, store) -> Onward:
    program = store.program()
    course = next((c for c in store.courses() if c.quiz == attempt.quiz_slug), None)
    level = None
    if program is not None:
        level = next((c for c in program.certifications if attempt.quiz_slug in dict(c.exams)),
                     None)
        if level is None and course is not None and course.level:
            level = program.certification(course.level)
    path = next_steps.path_of(user, store)
    here = course.slug if course else None
    following = next((s for s in path.steps
                      if s.kind in ("course", "lesson") and s.course != here), None)
    return Onward(
        course=course,
        certification_url=(url_for("certs.mine", _anchor=f"level-{level.level}")
                           if level else url_for("certs.mine") if program else None),
        level_title=level.title if level else None,
        next_step=path.steps[0] if path.steps else None,
        next_course=following,
        awards=_awards(user, attempt, program))


def _awards(user: User, attempt: Attempt, program) -> tuple[Award, ...]:
    if attempt.submitted_at is None or not attempt.passed:
        return ()
    since = attempt.submitted_at - timedelta(seconds=5)
    certs = db.session.scalars(select(Certification).where(
        Certification.user_id == user.id, Certification.revoked_at.is_(None),
        Certification.awarded_at >= since,
        Certification.awarded_at <= attempt.submitted_at + _AWARD_WINDOW)
        .order_by(Certification.awarded_at)).all()
    found = []
    for cert in certs:
        definition = program.certification(cert.level) if program else None
        title = definition.title if definition else cert.level.capitalize()
        found.append(Award(cert, title, verify_url(cert.id),
                           linkedin_url(cert, title, "Partner Academy"),
                           url_for("certs.certificate", assertion_id=cert.id)))
    return tuple(found)
