"""Certification rules: which levels a person meets, holds, should be awarded or renewed.

Everything here is a plain function of the program, the person's facts and ``now``.
Human wording for the requirements lives in ``lms.wording`` (through Flask-Babel).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from lms.content.program import Certification, Program

RENEWAL_WINDOW = timedelta(days=90)

HeldStatus = Literal["active", "expired", "revoked"]
RequirementKind = Literal["requires", "course", "exam", "practical", "evidence", "approval"]


@dataclass(frozen=True)
class ExamPass:
    """A passed attempt: the service gives every one (or just the best) per quiz."""
    quiz: str
    percent: float
    passed_at: datetime


@dataclass(frozen=True)
class HeldCertification:
    level: str
    awarded_at: datetime
    expires_at: datetime | None       # None: never expires
    revoked: bool = False
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class PersonFacts:
    completed_courses: frozenset[str] = frozenset()
    exam_passes: tuple[ExamPass, ...] = ()
    evidence: Mapping[str, float] = field(default_factory=dict)   # deals_closed, csat
    signoffs: frozenset[tuple[str, str]] = frozenset()            # (level, practical|approval)
    held: Mapping[str, HeldCertification] = field(default_factory=dict)  # latest per level

    @classmethod
    def of(cls, *, completed_courses: Iterable[str] = (), exam_passes: Iterable[ExamPass] = (),
           evidence: Mapping[str, float] | None = None,
           signoffs: Iterable[tuple[str, str]] = (),
           held: Iterable[HeldCertification] = ()) -> PersonFacts:
        """Build from any iterables; ``held`` keeps the latest award per level."""
        latest: dict[str, HeldCertification] = {}
        for cert in held:
            if cert.level not in latest or cert.awarded_at >= latest[cert.level].awarded_at:
                latest[cert.level] = cert
        return cls(frozenset(completed_courses), tuple(exam_passes), dict(evidence or {}),
                   frozenset(signoffs), latest)


@dataclass(frozen=True)
class Requirement:
    kind: RequirementKind
    target: str            # level, course slug, quiz slug, "practical", evidence or approval name
    required: Any          # True, a minimum percent or figure, or "active" for requires
    current: Any           # what the person has now: bool, number, held status, or None
    met: bool


@dataclass(frozen=True)
class LevelStatus:
    level: str
    met: bool                        # every requirement holds now
    held: HeldStatus | None          # the person's latest certification at this level
    requirements: tuple[Requirement, ...]

    @property
    def unmet(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.met)


def status_of(held: HeldCertification, now: datetime) -> HeldStatus:
    if held.revoked:
        return "revoked"
    if held.expires_at is not None and now >= held.expires_at:
        return "expired"
    return "active"


def expiry_for(cert: Certification, awarded_at: datetime) -> datetime | None:
    return awarded_at + cert.valid_for if cert.valid_for is not None else None


def evaluate_level(cert: Certification, facts: PersonFacts, now: datetime) -> LevelStatus:
    held = facts.held.get(cert.level)
    since = _exam_passes_count_since(cert, held, now)
    requirements = (
        *(_requires(level, facts, now) for level in cert.requires),
        *(Requirement("course", slug, True, slug in facts.completed_courses,
                      slug in facts.completed_courses) for slug in cert.courses),
        *(_exam(quiz, minimum, facts.exam_passes, since) for quiz, minimum in cert.exams),
        *((_signoff("practical", cert.level, "practical", facts),) if cert.practical else ()),
        *(_evidence(name, minimum, facts) for name, minimum in cert.evidence),
        *(_signoff("approval", cert.level, name, facts) for name in cert.approvals),
    )
    return LevelStatus(cert.level, all(r.met for r in requirements),
                       status_of(held, now) if held else None, tuple(requirements))


def evaluate_levels(program: Program, facts: PersonFacts, now: datetime) -> tuple[LevelStatus, ...]:
    """Every level in program order, as things stand (nothing awarded in between)."""
    return tuple(evaluate_level(cert, facts, now) for cert in program.certifications)


def levels_to_award(program: Program, facts: PersonFacts, now: datetime) -> tuple[str, ...]:
    """Levels to award now, in award order.

    A level awarded in this pass counts as held for the next, so bronze and silver can be
    awarded together; levels are re-checked until nothing changes, whatever their file order.
    """
    held = dict(facts.held)
    awarded: list[str] = []
    changed = True
    while changed:
        changed = False
        current = replace(facts, held=held)
        for cert in program.certifications:
            if cert.level in awarded or _is_active(held.get(cert.level), now):
                continue
            if _revoked_without_exams(cert, held.get(cert.level), now):
                continue
            if evaluate_level(cert, current, now).met:
                awarded.append(cert.level)
                held[cert.level] = HeldCertification(cert.level, now, expiry_for(cert, now))
                changed = True
    return tuple(awarded)


def _revoked_without_exams(cert: Certification, held: HeldCertification | None,
                           now: datetime) -> bool:
    """A revoked level is re-earned only by exams passed after the revocation; a level
    without exams has nothing fresh to show, so it is never re-awarded by itself (its
    old sign-offs and evidence are what the revocation set aside)."""
    return held is not None and not cert.exams and status_of(held, now) == "revoked"


def renewal_for(cert: Certification, held: HeldCertification, exam_passed_at: datetime | None,
                now: datetime) -> datetime | None:
    """The new expiry when the exams were passed again in the renewal window, else None.

    The window is the 90 days before expiry, clipped to the current validity period so one
    pass renews once even when ``valid_for`` is shorter than 90 days. A pass in time renews
    even if the sweep only sees it after the old expiry.
    """
    if (held.revoked or held.expires_at is None or cert.valid_for is None
            or exam_passed_at is None or exam_passed_at > now):
        return None
    start, end = renewal_window(cert, held)
    if start <= exam_passed_at < end:
        return held.expires_at + cert.valid_for
    return None


def renewal_window(cert: Certification, held: HeldCertification) -> tuple[datetime, datetime]:
    """[start, end) in which passing the level's exams again renews ``held``."""
    assert held.expires_at is not None
    period = cert.valid_for or RENEWAL_WINDOW
    return held.expires_at - min(RENEWAL_WINDOW, period), held.expires_at


def renewal_exam_passed_at(cert: Certification, held: HeldCertification,
                           exam_passes: Iterable[ExamPass]) -> datetime | None:
    """When the person had passed every exam of the level again inside the renewal window
    (the latest of each exam's first qualifying pass), or None. A level with no exams
    cannot be renewed this way."""
    if not cert.exams or held.expires_at is None:
        return None
    start, end = renewal_window(cert, held)
    passes = tuple(exam_passes)
    moments = []
    for quiz, minimum in cert.exams:
        in_window = [p.passed_at for p in passes
                     if p.quiz == quiz and p.percent >= minimum and start <= p.passed_at < end]
        if not in_window:
            return None
        moments.append(min(in_window))
    return max(moments)


@dataclass(frozen=True)
class Renewal:
    level: str
    expires_at: datetime     # the new expiry


def renewals(program: Program, facts: PersonFacts, now: datetime) -> tuple[Renewal, ...]:
    """Held, unrevoked certifications whose exams were passed again in their window."""
    found = []
    for cert in program.certifications:
        held = facts.held.get(cert.level)
        if held is None:
            continue
        passed_at = renewal_exam_passed_at(cert, held, facts.exam_passes)
        new_expiry = renewal_for(cert, held, passed_at, now)
        if new_expiry is not None:
            found.append(Renewal(cert.level, new_expiry))
    return tuple(found)


# -- one requirement each ----------------------------------------------------------


def _is_active(held: HeldCertification | None, now: datetime) -> bool:
    return held is not None and status_of(held, now) == "active"


def _exam_passes_count_since(cert: Certification, held: HeldCertification | None,
                             now: datetime) -> datetime | None:
    """The earliest pass time that may (re)earn a level; None = any pass counts.

    Without this, a lapsed or revoked level would be re-awarded at once from the very
    passes that earned it first. A lapsed level needs passes from its renewal window on;
    a revoked one needs passes after the revocation (never, when that time is unknown).
    """
    if held is None:
        return None
    status = status_of(held, now)
    if status == "revoked":
        return held.revoked_at or datetime.max.replace(tzinfo=held.awarded_at.tzinfo)
    if status == "expired" and held.expires_at is not None:
        return renewal_window(cert, held)[0]
    return None


def _requires(level: str, facts: PersonFacts, now: datetime) -> Requirement:
    held = facts.held.get(level)
    current = status_of(held, now) if held else None
    return Requirement("requires", level, "active", current, current == "active")


def _exam(quiz: str, minimum: float, passes: tuple[ExamPass, ...],
          since: datetime | None) -> Requirement:
    scores = [p.percent for p in passes
              if p.quiz == quiz and (since is None or p.passed_at >= since)]
    best = max(scores, default=None)
    return Requirement("exam", quiz, minimum, best, best is not None and best >= minimum)


def _evidence(name: str, minimum: float, facts: PersonFacts) -> Requirement:
    current = facts.evidence.get(name)
    return Requirement("evidence", name, minimum, current,
                       current is not None and current >= minimum)


def _signoff(kind: RequirementKind, level: str, name: str, facts: PersonFacts) -> Requirement:
    signed = (level, name) in facts.signoffs
    return Requirement(kind, name, True, signed, signed)
