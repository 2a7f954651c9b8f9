"""The learner's next steps toward the next certification level, in order.

A plain function of the program, the person's facts, their course progress and ``now``:
the service (``lms.services.next_steps``) loads those and turns each step into a title and
a link. A step never names something already done: a complete course, a done lesson, a
passed exam, a signed-off practical or approval, evidence that already reaches its minimum,
an exam already passed again for a renewal.

Order: the levels the next level requires (when they are not held), then the next level
itself; inside a level courses (prerequisites first; a started course as its next lesson,
a course whose lessons are done as its quiz), exams, the practical, evidence, approvals;
then the renewal of held certifications inside their renewal window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from lms.content.program import Certification, Program
from lms.rules.certification import (LevelStatus, PersonFacts, evaluate_level, renewal_window,
                                     status_of)

StepKind = Literal["course", "lesson", "exam", "practical", "evidence", "approval", "renew"]
KINDS: tuple[StepKind, ...] = ("course", "lesson", "exam", "practical", "evidence", "approval",
                               "renew")


@dataclass(frozen=True)
class CourseState:
    """What the rules need of one course the person may see."""
    slug: str
    lessons: tuple[str, ...]                 # lesson slugs in course order
    done: frozenset[str] = frozenset()       # lesson slugs done
    quiz: str | None = None
    quiz_passed: bool = False
    prerequisites: tuple[str, ...] = ()

    @property
    def lessons_complete(self) -> bool:
        return all(slug in self.done for slug in self.lessons)

    @property
    def complete(self) -> bool:
        return self.lessons_complete and (self.quiz is None or self.quiz_passed)

    @property
    def next_lesson(self) -> str | None:
        return next((slug for slug in self.lessons if slug not in self.done), None)


@dataclass(frozen=True)
class NextStep:
    kind: StepKind
    certification: str           # the level this step leads to
    target: str                  # course, quiz, evidence or approval name; lesson slug
    course: str | None = None    # for a lesson or a course quiz: the course slug
    # Why a "renew" step: "expiry" (the renewal window before expiry) or "revised" (an
    # exam of the level was revised with recertify: and must be passed again).
    reason: str = field(default="", compare=False)


def next_steps(program: Program | None, facts: PersonFacts,
               courses: Mapping[str, CourseState], now: datetime,
               revised: Mapping[str, str] | None = None) -> tuple[NextStep, ...]:
    """Every step still to take toward the next level, then the renewals due.

    ``revised``: {level: exam slug} of held levels whose exam was revised with
    ``recertify:`` and not passed again yet (lms.services.recertify)."""
    if program is None:
        return ()
    steps: list[NextStep] = []
    target = next_level(program, facts, now)
    if target is not None:
        for cert in _chain(program, target, facts, now):
            steps.extend(_level_steps(cert, evaluate_level(cert, facts, now), facts, courses,
                                      now))
    steps.extend(NextStep("renew", level, quiz, reason="revised")
                 for level, quiz in (revised or {}).items())
    steps.extend(renewal_steps(program, facts, now))
    return tuple(_unique(steps))


def next_level(program: Program, facts: PersonFacts, now: datetime) -> Certification | None:
    """The lowest level (file order) the person does not hold as an active certification."""
    for cert in program.certifications:
        held = facts.held.get(cert.level)
        if held is None or status_of(held, now) != "active":
            return cert
    return None


def _chain(program: Program, cert: Certification, facts: PersonFacts,
           now: datetime) -> list[Certification]:
    """``cert`` preceded by the levels it requires that are not held, deepest first."""
    chain: list[Certification] = []

    def visit(level: Certification, trail: frozenset[str]) -> None:
        for name in level.requires:
            required = program.certification(name)
            held = facts.held.get(name)
            if (required is None or name in trail
                    or (held is not None and status_of(held, now) == "active")):
                continue
            visit(required, trail | {name})
        if level not in chain:
            chain.append(level)

    visit(cert, frozenset({cert.level}))
    return chain


def _level_steps(cert: Certification, status: LevelStatus, facts: PersonFacts,
                 courses: Mapping[str, CourseState], now: datetime) -> list[NextStep]:
    level = cert.level
    held = facts.held.get(level)
    lapsed = held is not None and status_of(held, now) == "expired"
    steps: list[NextStep] = []
    for slug in _with_prerequisites(cert.courses, courses):
        state = courses[slug]
        if state.complete or slug in facts.completed_courses:
            continue
        lesson = state.next_lesson
        if lesson is not None and state.done:
            steps.append(NextStep("lesson", level, lesson, course=slug))
        elif lesson is None and state.quiz:
            steps.append(NextStep("course", level, state.quiz, course=slug))
        else:
            steps.append(NextStep("course", level, slug))
    for requirement in status.unmet:
        if requirement.kind == "exam":
            steps.append(NextStep("renew" if lapsed else "exam", level, requirement.target))
    for kind in ("practical", "evidence", "approval"):
        steps.extend(NextStep(kind, level, r.target) for r in status.unmet if r.kind == kind)
    return steps


def _with_prerequisites(slugs: Iterable[str], courses: Mapping[str, CourseState]) -> list[str]:
    """Course slugs the person can see, each preceded by its prerequisites (once each)."""
    ordered: list[str] = []

    def visit(slug: str, trail: frozenset[str]) -> None:
        state = courses.get(slug)
        if state is None or slug in ordered or slug in trail:
            return
        for before in state.prerequisites:
            visit(before, trail | {slug})
        ordered.append(slug)

    for slug in slugs:
        visit(slug, frozenset())
    return ordered


def renewal_steps(program: Program, facts: PersonFacts, now: datetime) -> list[NextStep]:
    """Held, active certifications inside their renewal window: the exams to pass again
    (those not already passed again in the window), or the level itself when it has none."""
    steps: list[NextStep] = []
    for cert in program.certifications:
        held = facts.held.get(cert.level)
        if (held is None or held.expires_at is None or status_of(held, now) != "active"
                or cert.valid_for is None):
            continue
        start, end = renewal_window(cert, held)
        if now < start:
            continue
        if not cert.exams:
            steps.append(NextStep("renew", cert.level, cert.level, reason="expiry"))
            continue
        for quiz, minimum in cert.exams:
            again = any(p.quiz == quiz and p.percent >= minimum and start <= p.passed_at < end
                        for p in facts.exam_passes)
            if not again:
                steps.append(NextStep("renew", cert.level, quiz, reason="expiry"))
    return steps


def expiring(program: Program | None, facts: PersonFacts, now: datetime) -> tuple[str, ...]:
    """Levels held, active, and inside their renewal window (expiring soon), in file order."""
    if program is None:
        return ()
    found = []
    for cert in program.certifications:
        held = facts.held.get(cert.level)
        if (held is not None and held.expires_at is not None and cert.valid_for is not None
                and status_of(held, now) == "active" and now >= renewal_window(cert, held)[0]):
            found.append(cert.level)
    return tuple(found)


def _unique(steps: Iterable[NextStep]) -> list[NextStep]:
    """Each step once; a course (a prerequisite of two levels' courses) under its first level."""
    seen: set[tuple] = set()
    out = []
    for step in steps:
        key = ((step.kind, step.target, step.course) if step.kind in ("course", "lesson")
               else (step.kind, step.target, step.certification))
        if key not in seen:
            seen.add(key)
            out.append(step)
    return out
