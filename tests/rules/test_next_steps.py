"""Next steps toward the next certification: each stage of each level, on the demo program
and on a program with other level names, and never a step that names something done."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from textwrap import dedent

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.content.program import parse_program
from lms.content.store import ContentStore
from lms.rules.certification import (ExamPass, HeldCertification, PersonFacts, evaluate_level,
                                     expiry_for, levels_to_award, renewal_window)
from lms.rules.next_steps import CourseState, NextStep, expiring, next_steps

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
REPO = Path(__file__).resolve().parents[2]
DEMO = ContentStore(REPO)


def demo_courses() -> dict[str, CourseState]:
    return {c.slug: CourseState(c.slug, tuple(lesson.slug for lesson in c.lessons), quiz=c.quiz,
                                prerequisites=c.prerequisites)
            for c in DEMO.courses() if not c.draft}


@dataclass
class Learner:
    """A person's record, changed one step at a time as a learner would."""
    courses: dict[str, CourseState]
    passes: list[ExamPass] = field(default_factory=list)
    signoffs: set[tuple[str, str]] = field(default_factory=set)
    evidence: dict[str, float] = field(default_factory=dict)
    held: dict[str, HeldCertification] = field(default_factory=dict)

    def facts(self) -> PersonFacts:
        return PersonFacts.of(
            completed_courses=[s for s, c in self.courses.items() if c.complete],
            exam_passes=self.passes, evidence=self.evidence, signoffs=self.signoffs,
            held=self.held.values())

    def steps(self, program, now=NOW) -> tuple[NextStep, ...]:
        return next_steps(program, self.facts(), self.courses, now)

    def take(self, step: NextStep, program, now=NOW) -> None:
        """Do what the step says (one lesson, one quiz, one exam, one sign-off)."""
        if step.kind == "lesson" or (step.kind == "course" and step.course is None):
            slug = step.course or step.target
            state = self.courses[slug]
            self.courses[slug] = replace(state, done=state.done | {state.next_lesson})
        elif step.kind == "course":
            state = self.courses[step.course]
            self.courses[step.course] = replace(state, quiz_passed=True)
        elif step.kind in ("exam", "renew") and step.target != step.certification:
            self.passes.append(ExamPass(step.target, 100.0, now))
        elif step.kind in ("practical", "approval"):
            self.signoffs.add((step.certification, step.target))
        elif step.kind == "evidence":
            cert = program.certification(step.certification)
            self.evidence[step.target] = dict(cert.evidence)[step.target]
        for level in levels_to_award(program, self.facts(), now):
            cert = program.certification(level)
            self.held[level] = HeldCertification(level, now, expiry_for(cert, now))


def assert_nothing_done(steps, learner: Learner, program, now=NOW) -> None:
    facts = learner.facts()
    for step in steps:
        if step.kind == "lesson":
            assert step.target not in learner.courses[step.course].done, step
        elif step.kind == "course":
            assert not learner.courses[step.course or step.target].complete, step
            if step.course:
                assert not learner.courses[step.course].quiz_passed, step
        cert = program.certification(step.certification)
        status = evaluate_level(cert, facts, now)
        unmet = {(r.kind, r.target) for r in status.unmet}
        if step.kind in ("exam", "practical", "evidence", "approval"):
            assert (step.kind, step.target) in unmet, step
        if step.kind == "renew" and step.target != step.certification:
            held = learner.held.get(step.certification)
            if held is not None and held.expires_at is not None and held.expires_at > now:
                start, end = renewal_window(cert, held)
                minimum = dict(cert.exams)[step.target]
                assert not any(p.quiz == step.target and p.percent >= minimum
                               and start <= p.passed_at < end for p in learner.passes), step
            else:
                assert ("exam", step.target) in unmet, step


def walk(program, learner: Learner, now=NOW, limit=200) -> list[tuple[NextStep, ...]]:
    stages = []
    for _ in range(limit):
        steps = learner.steps(program, now)
        assert_nothing_done(steps, learner, program, now)
        stages.append(steps)
        if not steps:
            return stages
        learner.take(steps[0], program, now)
    raise AssertionError("the steps never ended")


def test_new_learner_on_the_demo_program_starts_with_the_first_bronze_course():
    program = DEMO.program()
    steps = Learner(demo_courses()).steps(program)
    assert steps[0] == NextStep("course", "bronze", "koemoji-overview")
    assert [s.kind for s in steps] == ["course", "course", "course", "exam", "practical"]
    assert [s.target for s in steps[:3]] == ["koemoji-overview", "partner-program",
                                            "sales-basics"]
    assert {s.certification for s in steps} == {"bronze"}


def test_every_stage_of_every_demo_level_in_order():
    program = DEMO.program()
    learner = Learner(demo_courses())
    stages = walk(program, learner)
    firsts = [s[0] for s in stages if s]
    kinds_by_level: dict[str, list[str]] = {}
    for step in firsts:
        kinds = kinds_by_level.setdefault(step.certification, [])
        if not kinds or kinds[-1] != step.kind:
            kinds.append(step.kind)
    assert list(kinds_by_level) == ["bronze", "silver", "gold"]
    assert kinds_by_level["bronze"] == ["course", "lesson", "course", "lesson", "course",
                                        "lesson", "course", "exam", "practical"]
    assert kinds_by_level["silver"][-2:] == ["exam", "evidence"]
    assert kinds_by_level["gold"][-2:] == ["exam", "approval"]
    # A started course is a lesson step naming the next lesson, not the course again.
    lesson_steps = [s for s in firsts if s.kind == "lesson"]
    assert lesson_steps and all(s.course for s in lesson_steps)
    # Everything held: nothing left to do until the renewal window opens.
    assert set(learner.held) == {"bronze", "silver", "gold"}
    assert stages[-1] == ()


def test_course_quiz_is_the_step_once_the_lessons_are_done():
    program = DEMO.program()
    courses = demo_courses()
    overview = courses["koemoji-overview"]
    courses["koemoji-overview"] = replace(overview, done=frozenset(overview.lessons))
    step = Learner(courses).steps(program)[0]
    assert step == NextStep("course", "bronze", overview.quiz, course="koemoji-overview")


def test_prerequisites_come_before_the_course_that_needs_them():
    program = DEMO.program()
    learner = Learner(demo_courses())
    learner.take(NextStep("practical", "bronze", "practical"), program)
    for slug in ("koemoji-overview", "partner-program", "sales-basics"):
        state = learner.courses[slug]
        learner.courses[slug] = replace(state, done=frozenset(state.lessons), quiz_passed=True)
    learner.take(NextStep("exam", "bronze", "bronze-exam"), program)
    assert "bronze" in learner.held
    steps = learner.steps(program)
    # technical-deep-dive, then proposal-skills (needs sales-basics, done), industry-solutions
    assert [s.target for s in steps if s.kind == "course"] == [
        "technical-deep-dive", "proposal-skills", "industry-solutions"]
    assert {s.certification for s in steps} == {"silver"}


def test_expiring_certification_is_renewed_by_its_exam_and_then_disappears():
    program = DEMO.program()
    learner = Learner(demo_courses())
    walk(program, learner)
    bronze = learner.held["bronze"]
    soon = bronze.expires_at - timedelta(days=30)
    steps = learner.steps(program, soon)
    renew = [s for s in steps if s.kind == "renew"]
    assert NextStep("renew", "bronze", "bronze-exam") in renew
    assert expiring(program, learner.facts(), soon) == ("bronze", "silver", "gold")
    learner.passes.append(ExamPass("bronze-exam", 95.0, soon))
    assert NextStep("renew", "bronze", "bronze-exam") not in learner.steps(program, soon)
    # Well before the window: no renewal step.
    assert learner.steps(program, bronze.expires_at - timedelta(days=200)) == ()


def test_lapsed_certification_needs_its_exam_again_as_a_renewal():
    program = DEMO.program()
    learner = Learner(demo_courses())
    walk(program, learner)
    later = learner.held["bronze"].expires_at + timedelta(days=1)
    steps = learner.steps(program, later)
    assert steps[0] == NextStep("renew", "bronze", "bronze-exam")
    assert all(s.certification == "bronze" for s in steps if s.kind != "renew")


OTHER_YML = dedent("""\
    certifications:
      advanced:
        title: Advanced
        requires: [foundation]
        courses: [c2]
        exams: {adv-exam: 70, adv-essay: 60}
        approvals: [mentor]
        valid_for: 1y
      foundation:
        title: Foundation
        courses: [c1]
        evidence: {deals_closed: 1}
        valid_for: 180d
    tiers:
      registered: {title: Registered}
""")


def other_program():
    program, problems = parse_program("courses/program.yml", OTHER_YML)
    assert program is not None and not problems, problems
    return program


def other_courses() -> dict[str, CourseState]:
    return {"c1": CourseState("c1", ("l1", "l2")),
            "c2": CourseState("c2", ("a",), quiz="c2-check", prerequisites=("c1",))}


def test_other_level_names_in_any_file_order_lead_through_the_required_level_first():
    program = other_program()
    learner = Learner(other_courses())
    steps = learner.steps(program)
    assert steps == (
        NextStep("course", "foundation", "c1"),
        NextStep("evidence", "foundation", "deals_closed"),
        NextStep("course", "advanced", "c2"),
        NextStep("exam", "advanced", "adv-exam"),
        NextStep("exam", "advanced", "adv-essay"),
        NextStep("approval", "advanced", "mentor"),
    )
    stages = walk(program, learner)
    assert set(learner.held) == {"foundation", "advanced"}
    seen = [s[0].certification for s in stages if s]
    assert seen.index("advanced") > max(i for i, level in enumerate(seen)
                                        if level == "foundation")
    # A level without exams is renewed on its certification page.
    soon = learner.held["foundation"].expires_at - timedelta(days=10)
    assert NextStep("renew", "foundation", "foundation") in learner.steps(program, soon)


def test_no_program_means_no_steps():
    assert next_steps(None, PersonFacts(), {}, NOW) == ()


# -- property: a step never names something already done -----------------------------

DEMO_PROGRAM = DEMO.program()
OTHER_PROGRAM = other_program()


@st.composite
def learners(draw):
    program = draw(st.sampled_from([DEMO_PROGRAM, OTHER_PROGRAM]))
    base = demo_courses() if program is DEMO_PROGRAM else other_courses()
    courses = {}
    for slug, state in base.items():
        done = draw(st.sets(st.sampled_from(state.lessons))) if state.lessons else set()
        courses[slug] = replace(state, done=frozenset(done),
                                quiz_passed=bool(state.quiz) and draw(st.booleans()))
    quizzes = sorted({q for c in program.certifications for q, _ in c.exams})
    passes = draw(st.lists(st.builds(
        ExamPass, st.sampled_from(quizzes), st.floats(0, 100),
        st.integers(-900, 0).map(lambda d: NOW + timedelta(days=d))), max_size=6))
    names = sorted({(c.level, "practical") for c in program.certifications if c.practical}
                   | {(c.level, a) for c in program.certifications for a in c.approvals})
    signoffs = draw(st.sets(st.sampled_from(names))) if names else set()
    evidence = draw(st.dictionaries(st.sampled_from(["deals_closed", "csat"]),
                                    st.floats(0, 10), max_size=2))
    held = {}
    for cert in program.certifications:
        if draw(st.booleans()):
            awarded = NOW - timedelta(days=draw(st.integers(0, 900)))
            revoked = draw(st.booleans()) and draw(st.booleans())
            held[cert.level] = HeldCertification(
                cert.level, awarded, expiry_for(cert, awarded), revoked=revoked,
                revoked_at=awarded + timedelta(days=1) if revoked else None)
    return program, Learner(courses, passes, signoffs, evidence, held)


@settings(max_examples=300, deadline=None)
@given(learners())
def test_a_step_never_names_something_already_done(case):
    program, learner = case
    steps = learner.steps(program)
    assert_nothing_done(steps, learner, program)
    assert len(set(steps)) == len(steps)
    for step in steps:
        held = learner.held.get(step.certification)
        if step.kind != "renew" and held is not None and not held.revoked:
            assert held.expires_at is None or held.expires_at <= NOW, step
