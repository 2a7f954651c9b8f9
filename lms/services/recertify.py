"""Recertification after an exam revision marked ``recertify:`` (docs/authoring.en.md).

A holder is affected while their active certification of a level records another version
of one of the level's exams than the one served now, and that exam's front matter says
``recertify:``. They keep the certification until the revision's deadline (``since`` +
``within``), hear of it once, and see a "renew" step; a pass of the exam from ``since`` on
records the new version (re-certified); at the deadline the sweep lets the rest lapse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from lms.content.program import Program
from lms.content.quizzes import Recertify
from lms.database import begin_write
from lms.extensions import db
from lms.models import Attempt, Certification, User
from lms.models.types import utcnow
from lms.services import audit, notifications
from lms.services.progress import PROGRESS_LISTENERS
from lms.services.sweep import StepResult, register


@dataclass(frozen=True)
class Revision:
    """An exam a level asks for, revised with ``recertify:``."""
    level: str
    quiz: str
    version: str
    minimum: float
    recertify: Recertify

    @property
    def notice(self) -> str:
        # By date, not version: fixing a typo in the revised file tells nobody twice.
        return f"recertify:{self.quiz}:{self.recertify.since.date().isoformat()}"


def revisions(program: Program | None = None) -> list[Revision]:
    """Every (level, exam) pair whose served exam file is marked ``recertify:``."""
    from lms.web import content_store

    store = content_store()
    program = program if program is not None else store.program()
    if program is None:
        return []
    found = []
    for cert in program.certifications:
        for slug, minimum in cert.exams:
            quiz = store.quiz(slug)
            if quiz is not None and quiz.recertify is not None:
                found.append(Revision(cert.level, slug, quiz.version, minimum, quiz.recertify))
    return found


def _active(now: datetime):
    return and_(Certification.current_key.is_not(None), Certification.revoked_at.is_(None),
                or_(Certification.expires_at.is_(None), Certification.expires_at > now))


def _older(revision: Revision):
    """The certification is of the revision's level, was earned on another version, and its
    holder has not passed the exam since the revision's date (a later edit of the file
    does not flag again those who already passed the revised exam)."""
    return and_(_differs(revision), ~_pass_since(revision, Certification.user_id).exists())


def _differs(revision: Revision):
    """Of the revision's level and recording another version of its exam."""
    recorded = Certification.exam_versions[revision.quiz].as_string()
    return and_(Certification.level == revision.level,
                or_(recorded.is_(None), recorded != revision.version))


def _pass_since(revision: Revision, user_id):
    """Passes of the revised exam at its minimum, sat on or after the revision's date."""
    sat = func.coalesce(Attempt.submitted_at, Attempt.graded_at)
    return select(Attempt.id).where(
        Attempt.user_id == user_id, Attempt.quiz_slug == revision.quiz,
        Attempt.passed.is_(True), Attempt.percent >= revision.minimum,
        sat >= revision.recertify.since)


def stale(cert: Certification, found: list[Revision]) -> list[Revision]:
    versions = cert.exam_versions or {}
    return [r for r in found if r.level == cert.level and versions.get(r.quiz) != r.version]


def affected_counts(now: datetime | None = None,
                    found: list[Revision] | None = None) -> dict[str, int]:
    """{level: holders affected}, in one query."""
    found = revisions() if found is None else found
    if not found:
        return {}
    rows = db.session.execute(
        select(Certification.level, func.count())
        .where(_active(now or utcnow()), or_(*(_older(r) for r in found)))
        .group_by(Certification.level))
    return {level: count for level, count in rows}


def affected_holders(level: str, now: datetime | None = None, limit: int = 200):
    """(certification, deadline) of the affected holders of ``level``, earliest award first."""
    found = [r for r in revisions() if r.level == level]
    if not found:
        return []
    certs = db.session.scalars(
        select(Certification).where(_active(now or utcnow()), or_(*(_older(r) for r in found)))
        .order_by(Certification.awarded_at, Certification.id).limit(limit))
    return [(cert, min(r.recertify.deadline for r in stale(cert, found))) for cert in certs]


def deadlines_of(user_id: int, now: datetime | None = None) -> dict[str, tuple[str, datetime]]:
    """{level: (exam slug, deadline)} for ``user_id``'s affected certifications, not yet
    passed again (for the home page's "renew" step)."""
    found = revisions()
    if not found:
        return {}
    now = now or utcnow()
    out: dict[str, tuple[str, datetime]] = {}
    certs = db.session.scalars(select(Certification).where(
        Certification.user_id == user_id, _active(now), or_(*(_older(r) for r in found))))
    for cert in certs:
        for revision in stale(cert, found):
            if not _passed_since(user_id, revision):
                out.setdefault(cert.level, (revision.quiz, revision.recertify.deadline))
    return out


def _passed_since(user_id: int, revision: Revision) -> bool:
    return db.session.scalar(_pass_since(revision, user_id).limit(1)) is not None


def settle(cert_id: str, found: list[Revision], now: datetime) -> str | None:
    """Bring one certification up to date: re-certified, lapsed, notified, or nothing."""
    from lms.services.certifications import _send_expiry_notice, _tell, program_or_none

    begin_write()
    cert = db.session.scalar(select(Certification).where(Certification.id == cert_id)
                             .with_for_update(of=Certification))
    if cert is None or cert.current_key is None or cert.revoked_at is not None or (
            cert.expires_at is not None and cert.expires_at <= now):
        db.session.commit()
        return None
    outcome = None
    waiting = []
    for revision in stale(cert, found):
        if _passed_since(cert.user_id, revision):
            cert.exam_versions = {**(cert.exam_versions or {}), revision.quiz: revision.version}
            audit.record("certification.recertified", actor_id=None, target=cert.id,
                         user_id=cert.user_id, level=cert.level, quiz=revision.quiz,
                         version=revision.version)
            outcome = "recertified"
        else:
            waiting.append(revision)
    program = program_or_none()
    due = [r for r in waiting if now >= r.recertify.deadline]
    if due:
        deadline = min(r.recertify.deadline for r in due)
        old = cert.expires_at
        cert.expires_at = deadline
        audit.record("certification.recertify_lapsed", actor_id=None, target=cert.id,
                     user_id=cert.user_id, level=cert.level, quiz=due[0].quiz,
                     old_expires_at=old.isoformat() if old else None,
                     expires_at=deadline.isoformat())
        db.session.commit()
        _send_expiry_notice(cert_id, program, now)
        return "lapsed"
    for revision in waiting:
        if revision.notice in (cert.notices or []):
            continue
        cert.notices = [*(cert.notices or []), revision.notice]
        _tell(cert, "certification_recertify", program, notice=revision.notice,
              date=revision.recertify.deadline.isoformat())
        definition = program.certification(cert.level) if program else None
        notifications.recertify_notice(cert.user, cert, definition, revision.recertify.deadline)
        outcome = outcome or "notified"
    db.session.commit()
    return outcome


def sweep_recertify(now: datetime) -> StepResult:
    found = revisions()
    if not found:
        return StepResult("recertify", 0, "no exam revision asks for recertification")
    ids = list(db.session.scalars(select(Certification.id).where(
        _active(now), or_(*(_differs(r) for r in found)))))
    db.session.commit()
    changed = sum(1 for cert_id in ids if settle(cert_id, found, now))
    return StepResult("recertify", changed, f"{len(ids)} holders on an older exam version")


def recertify_after_progress(user: User) -> None:
    """PROGRESS_LISTENERS hook: passing the revised exam re-certifies at once."""
    found = revisions()
    if not found:
        return
    now = utcnow()
    ids = list(db.session.scalars(select(Certification.id).where(
        Certification.user_id == user.id, _active(now), or_(*(_differs(r) for r in found)))))
    db.session.commit()
    for cert_id in ids:
        settle(cert_id, found, now)


PROGRESS_LISTENERS.append(recertify_after_progress)
register(sweep_recertify)
