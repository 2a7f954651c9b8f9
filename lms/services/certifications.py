"""Awarding, renewing, expiring and revoking certifications.

The program rules (``lms.rules.certification``) decide; this module gathers a person's
facts from the database, writes what the rules say, audits it and sends the notices.
Awarding is the server's alone and happens at most once per level even
under concurrent requests: ``Certification.current_key`` is unique, so a second writer
collides, rolls back and re-evaluates against what the first one wrote.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Float, String, and_, bindparam, cast, func, literal, null, or_, select, union_all
from sqlalchemy.exc import IntegrityError

from lms.content.program import Program
from lms.database import begin_write
from lms.extensions import db
from lms.models import Attempt, Certification, PersonEvidence, Signoff, User
from lms.models.certifications import new_assertion_id
from lms.models.types import utcnow
from lms.rules.certification import (ExamPass, HeldCertification, LevelStatus, PersonFacts,
                                     evaluate_levels, expiry_for, levels_to_award, renewals,
                                     status_of)
from lms.services import audit, inbox, notifications, points
from lms.services.errors import Conflict, Invalid, NotFound
from lms.services.progress import PROGRESS_LISTENERS, completed_course_slugs
from lms.services.sweep import StepResult, register
from lms.webhooks import events as webhook_events

EXPIRY_NOTICES = ((90, "expiry_90"), (30, "expiry_30"))
_AWARD_RETRIES = 4


@dataclass(frozen=True)
class AwardResult:
    awarded: tuple[Certification, ...] = ()
    renewed: tuple[Certification, ...] = ()

    @property
    def levels(self) -> list[str]:
        return [c.level for c in self.awarded]


def current_key(user_id: int, level: str) -> str:
    return f"{user_id}:{level}"


def recipient_identity(email: str, salt: str) -> str:
    """Open Badges 2.0 hashed recipient: sha256 of the address followed by the salt."""
    import hashlib

    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def program_or_none() -> Program | None:
    from lms.web import content_store

    return content_store().program()


# -- reading ----------------------------------------------------------------------


# The home page and the API read a person's facts on every call: statements built once,
# only the bound values vary.
_CERTIFICATIONS_OF = (select(Certification).where(Certification.user_id == bindparam("uid"))
                      .order_by(Certification.awarded_at.desc()))
_NO_TEXT, _NO_NUMBER = cast(null(), String), cast(null(), Float)
_NO_TIME = cast(null(), Certification.awarded_at.type)
# Everything the rules read about one person in one round trip (the home page, /api/v1/me
# and every certification check ask for it): exam passes, sign-offs, evidence and the
# certifications held, one row each, told apart by the first column.
_FACT_ROWS = union_all(
    select(literal("pass").label("kind"), Attempt.quiz_slug.label("s1"),
           _NO_TEXT.label("s2"), _NO_TEXT.label("s3"), Attempt.percent.label("f1"),
           _NO_NUMBER.label("f2"), Attempt.submitted_at.label("d1"),
           Attempt.graded_at.label("d2"), Attempt.started_at.label("d3"))
    .where(Attempt.user_id == bindparam("uid"), Attempt.passed.is_(True),
           Attempt.quiz_slug.in_(bindparam("quizzes", expanding=True))),
    select(literal("signoff"), Signoff.level, Signoff.requirement, _NO_TEXT, _NO_NUMBER,
           _NO_NUMBER, _NO_TIME, _NO_TIME, _NO_TIME)
    .where(Signoff.user_id == bindparam("uid")),
    select(literal("evidence"), _NO_TEXT, _NO_TEXT, _NO_TEXT,
           cast(PersonEvidence.deals_closed, Float), PersonEvidence.csat,
           _NO_TIME, _NO_TIME, _NO_TIME)
    .where(PersonEvidence.user_id == bindparam("uid")),
    select(literal("cert"), Certification.level, Certification.current_key, Certification.id,
           _NO_NUMBER, _NO_NUMBER, Certification.awarded_at, Certification.expires_at,
           Certification.revoked_at)
    .where(Certification.user_id == bindparam("uid")),
)
_CERTIFICATIONS_OF = (select(Certification).where(Certification.user_id == bindparam("uid"))
                      .order_by(Certification.awarded_at.desc()))


@dataclass(frozen=True)
class HeldRow:
    """What the rules and the home page read of one certification (not an entity)."""

    id: str
    level: str
    awarded_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    current_key: str | None


def certifications_of(user_id: int) -> list[Certification]:
    return list(db.session.scalars(_CERTIFICATIONS_OF, {"uid": user_id}))


def held_of(cert: Certification) -> HeldCertification:
    return HeldCertification(cert.level, cert.awarded_at, cert.expires_at,
                             revoked=cert.revoked_at is not None, revoked_at=cert.revoked_at)


def status(cert: Certification, now: datetime | None = None) -> str:
    return status_of(held_of(cert), now or utcnow())


def best_graded_percent(user_id: int) -> dict[str, float]:
    """Each quiz's best graded score, passed or not: for "now 72%" in the learner's view."""
    rows = db.session.execute(
        select(Attempt.quiz_slug, func.max(Attempt.percent))
        .where(Attempt.user_id == user_id, Attempt.percent.is_not(None))
        .group_by(Attempt.quiz_slug))
    return {quiz: percent for quiz, percent in rows}


def person_facts(user: User, courses, program: Program, *,
                 completed: set[str] | None = None) -> PersonFacts:
    """Everything the rules need about one person (one query, two when the caller does
    not know the completed courses)."""
    return person_facts_and_held(user, courses, program, completed=completed)[0]


def person_facts_and_held(user: User, courses, program: Program, *,
                          completed: set[str] | None = None
                          ) -> tuple[PersonFacts, list[HeldRow]]:
    """The person's facts, and their certifications newest first (HeldRow)."""
    quizzes = sorted({quiz for cert in program.certifications for quiz, _ in cert.exams})
    passes, signoffs, held = [], [], []
    evidence: dict[str, float] = {}
    for kind, s1, s2, s3, f1, f2, d1, d2, d3 in db.session.execute(
            _FACT_ROWS, {"uid": user.id, "quizzes": quizzes}):
        if kind == "pass":
            # The moment the person sat the exam counts (renewal windows), not the grading.
            passes.append(ExamPass(s1, f1 or 0.0, d1 or d2 or d3))
        elif kind == "signoff":
            signoffs.append((s1, s2))
        elif kind == "evidence":
            evidence["deals_closed"] = int(f1 or 0)
            if f2 is not None:
                evidence["csat"] = f2
        else:
            held.append(HeldRow(s3, s1, d1, d2, d3, s2))
    held.sort(key=lambda row: row.awarded_at, reverse=True)
    facts = PersonFacts.of(
        completed_courses=(completed if completed is not None
                           else completed_course_slugs(user, courses)),
        exam_passes=passes, evidence=evidence, signoffs=signoffs,
        held=[held_of(row) for row in held])
    return facts, held


def level_statuses(user: User, courses, program: Program,
                   now: datetime | None = None) -> tuple[LevelStatus, ...]:
    return evaluate_levels(program, person_facts(user, courses, program), now or utcnow())


# -- awarding and renewing ----------------------------------------------------------


def award_due(user: User, courses, program: Program, *, now: datetime | None = None,
              actor_id: int | None = None) -> AwardResult:
    """Award every level whose requirements hold now and apply due renewals; once only."""
    now = now or utcnow()
    user_id = user.id
    for _ in range(_AWARD_RETRIES):
        begin_write()
        person = db.session.get(User, user_id)
        if person is None:
            db.session.commit()
            raise NotFound("No such user.", code="unknown_user")
        facts = person_facts(person, courses, program)
        levels = levels_to_award(program, facts, now)
        due = renewals(program, facts, now)
        if not levels and not due:
            db.session.commit()
            return AwardResult()
        try:
            awarded = [_insert_award(person, program, level, now, actor_id) for level in levels]
            renewed = [c for r in due if (c := _apply_renewal(user_id, r, now, actor_id))]
            for cert in awarded:
                _tell(cert, "certification_awarded", program)
                points.earn(cert.user_id, "certification", f"cert:{cert.id}", level=cert.level,
                            now=now)
                notifications.certification_awarded(person, cert, program.certification(cert.level))
                webhook_events.certification("certification.awarded", cert, now=now)
            db.session.commit()
        except IntegrityError:
            # A concurrent request awarded the same level first: re-evaluate against it.
            db.session.rollback()
            continue
        return AwardResult(tuple(awarded), tuple(renewed))
    raise Conflict("The certification is being awarded by another request; retry.",
                   code="award_busy")


def _insert_award(user: User, program: Program, level: str, now: datetime,
                  actor_id: int | None) -> Certification:
    key = current_key(user.id, level)
    # The previous certificate of this level stops being current, but only a lapsed or
    # revoked one: a certificate another request has just awarded is active, stays
    # current, and makes our insert collide (and re-evaluate) instead of doubling it.
    db.session.execute(
        Certification.__table__.update()
        .where(Certification.current_key == key,
               or_(Certification.revoked_at.is_not(None),
                   and_(Certification.expires_at.is_not(None), Certification.expires_at <= now)))
        .values(current_key=None))
    salt = secrets.token_hex(16)
    cert = Certification(id=new_assertion_id(), user_id=user.id, level=level, awarded_at=now,
                         expires_at=expiry_for(program.certification(level), now),
                         current_key=key, notices=["awarded"], renewals=0,
                         recipient_salt=salt, recipient_identity=recipient_identity(user.email, salt),
                         exam_versions=_exam_versions(program, level))
    db.session.add(cert)
    db.session.flush()  # the unique key collides here, inside the retry loop
    audit.record("certification.awarded", actor_id=actor_id, target=cert.id, user_id=user.id,
                 level=level, expires_at=cert.expires_at.isoformat() if cert.expires_at else None)
    return cert


def _exam_versions(program: Program, level: str) -> dict[str, str]:
    """The content hash of each exam the level asks for, as served when it is awarded."""
    from lms.web import content_store

    store = content_store()
    versions = {}
    for slug, _minimum in program.certification(level).exams:
        quiz = store.quiz(slug)
        if quiz is not None:
            versions[slug] = quiz.version
    return versions


def _apply_renewal(user_id: int, renewal, now: datetime, actor_id: int | None):
    cert = db.session.scalar(select(Certification).where(
        Certification.current_key == current_key(user_id, renewal.level)))
    if cert is None or cert.revoked_at is not None:
        return None
    old = cert.expires_at
    # Conditional on the old expiry: two concurrent renewals extend only once.
    result = db.session.execute(
        Certification.__table__.update()
        .where(Certification.id == cert.id, Certification.expires_at == old)
        .values(expires_at=renewal.expires_at, renewals=Certification.renewals + 1,
                notices=[n for n in (cert.notices or []) if n == "awarded"]))
    if result.rowcount != 1:
        return None
    audit.record("certification.renewed", actor_id=actor_id, target=cert.id, user_id=user_id,
                 level=renewal.level, old_expires_at=old.isoformat() if old else None,
                 expires_at=renewal.expires_at.isoformat())
    db.session.refresh(cert)
    return cert


def award_after_progress(user: User) -> None:
    """PROGRESS_LISTENERS hook: a lesson, exam, evidence or sign-off may complete a level."""
    program = program_or_none()
    if program is None:
        return
    from lms.web import content_store

    award_due(user, content_store().courses(), program)


PROGRESS_LISTENERS.append(award_after_progress)


# -- revoking ------------------------------------------------------------------------


def revoke(assertion_id: str, reason: str, *, actor_id: int | None,
           address: str | None = None, now: datetime | None = None) -> Certification:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason_required", field="reason")
    if len(reason) > 2000:
        raise Invalid("reason_too_long", field="reason")
    now = now or utcnow()
    begin_write()
    cert = db.session.scalar(select(Certification).where(Certification.id == assertion_id)
                             .with_for_update(of=Certification))
    if cert is None:
        db.session.commit()
        raise NotFound("No such certification.", code="unknown_certification")
    if cert.revoked_at is not None:
        db.session.commit()
        raise Conflict("This certification is already revoked.", code="already_revoked")
    cert.revoked_at, cert.revoke_reason, cert.revoked_by_id = now, reason, actor_id
    cert.current_key = None
    cert.notices = [*(cert.notices or []), "revoked"]
    audit.record("certification.revoked", actor_id=actor_id, target=cert.id, address=address,
                 user_id=cert.user_id, level=cert.level, reason=reason)
    program = program_or_none()
    _tell(cert, "certification_revoked", program, reason=reason)
    points.reverse(f"cert:{cert.id}", "certification_revoked", now)
    notifications.certification_revoked(cert.user, cert,
                                        program.certification(cert.level) if program else None)
    webhook_events.certification("certification.revoked", cert, now=now, reason=reason)
    db.session.commit()
    return cert


def _tell(cert: Certification, kind: str, program: Program | None, notice: str = "",
          **params) -> None:
    """The certificate's holder hears of it in the notification centre (same transaction)."""
    definition = program.certification(cert.level) if program else None
    title = definition.title if definition is not None else cert.level.capitalize()
    inbox.notify(cert.user_id, kind, f"cert:{cert.id}:{notice or kind}",
                 url=inbox.path_for("certs.mine"), title=title, **params)


# -- the sweep: renewals seen late, expiry notices, expiries ------------------------------


def _notice_due(cert: Certification, now: datetime) -> str | None:
    if cert.expires_at is None or cert.revoked_at is not None:
        return None
    notices = cert.notices or []
    if cert.expires_at <= now:
        return None if "expired" in notices else "expired"
    # Only the nearest notice: a sweep that first runs 20 days before expiry sends
    # the 30-day notice, not both.
    for days, name in sorted(EXPIRY_NOTICES):
        if cert.expires_at - now <= timedelta(days=days):
            return None if name in notices else name
    return None


def sweep_certifications(now: datetime) -> StepResult:
    program = program_or_none()
    horizon = now + timedelta(days=max(days for days, _ in EXPIRY_NOTICES))
    candidates = db.session.execute(
        select(Certification.id, Certification.user_id)
        .where(Certification.current_key.is_not(None), Certification.expires_at.is_not(None),
               Certification.expires_at <= horizon)).all()
    db.session.commit()
    changed = 0
    if program is not None:
        from lms.web import content_store

        courses = content_store().courses()
        for user_id in sorted({uid for _, uid in candidates}):
            user = db.session.get(User, user_id)
            if user is not None:
                result = award_due(user, courses, program, now=now)
                changed += len(result.renewed) + len(result.awarded)
    for cert_id, _ in candidates:
        changed += _send_expiry_notice(cert_id, program, now)
    return StepResult("certifications", changed, f"{len(candidates)} near or past expiry")


def _send_expiry_notice(cert_id: str, program: Program | None, now: datetime) -> int:
    begin_write()
    cert = db.session.scalar(select(Certification).where(Certification.id == cert_id)
                             .with_for_update(of=Certification))
    notice = _notice_due(cert, now) if cert is not None else None
    if notice is None:
        db.session.commit()
        return 0
    cert.notices = [*(cert.notices or []), notice]
    audit.record("certification.expired" if notice == "expired" else "certification.notice",
                 actor_id=None, target=cert.id, user_id=cert.user_id, level=cert.level,
                 notice=notice)
    if notice == "expired":
        _tell(cert, "certification_expired", program)
    else:
        # A renewal moves the expiry: the next period's notices are new events.
        _tell(cert, "certification_expiring", program,
              notice=f"{notice}:{cert.expires_at.date().isoformat()}", date=cert.expires_at.isoformat())
    definition = program.certification(cert.level) if program else None
    if notice == "expired":
        notifications.certification_expired(cert.user, cert, definition)
        webhook_events.certification("certification.expired", cert, now=now)
    else:
        notifications.expiry_notice(cert.user, cert, definition, now)
    db.session.commit()
    return 1


register(sweep_certifications)

