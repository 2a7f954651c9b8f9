"""Certification rules: requirements, awards (with chains), expiry and renewal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.content.program import parse_program
from lms.rules.certification import (
    ExamPass, HeldCertification, PersonFacts, Requirement, evaluate_level, evaluate_levels,
    expiry_for, levels_to_award, renewal_exam_passed_at, renewal_for, renewals, status_of,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)
TWO_YEARS = timedelta(days=730)

PROGRAM_YML = dedent("""\
    certifications:
      bronze:
        title: Bronze
        courses: [overview, sales-basics]
        exams: {bronze-exam: 80}
        practical: true
        valid_for: 2y
      silver:
        title: Silver
        requires: [bronze]
        courses: [deep-dive]
        exams: {silver-exam: 80}
        evidence: {deals_closed: 3, csat: 4.0}
        valid_for: 2y
      gold:
        title: Gold
        requires: [silver]
        exams: {gold-exam: 85, gold-essay: 70}
        approvals: [recommendation, paper, interview]
        valid_for: 2y
    tiers:
      registered: {title: Registered}
    """)
PROGRAM, _problems = parse_program("courses/program.yml", PROGRAM_YML)
assert not _problems
BRONZE, SILVER, GOLD = PROGRAM.certifications


def passed(quiz: str, percent: float, at: datetime = NOW - 10 * DAY) -> ExamPass:
    return ExamPass(quiz, percent, at)


def held(level: str, awarded_at: datetime = NOW - 100 * DAY, *, expires_at: datetime | None = None,
         revoked: bool = False, revoked_at: datetime | None = None) -> HeldCertification:
    expiry = expires_at if expires_at is not None else awarded_at + TWO_YEARS
    return HeldCertification(level, awarded_at, expiry, revoked, revoked_at)


BRONZE_DONE = dict(completed_courses={"overview", "sales-basics"},
                   exam_passes=[passed("bronze-exam", 85)], signoffs={("bronze", "practical")})
SILVER_DONE = dict(completed_courses={"overview", "sales-basics", "deep-dive"},
                   exam_passes=[passed("bronze-exam", 85), passed("silver-exam", 80)],
                   signoffs={("bronze", "practical")}, evidence={"deals_closed": 3, "csat": 4.2})


def facts(**kwargs) -> PersonFacts:
    return PersonFacts.of(**kwargs)


def by_kind(status, kind: str) -> list[Requirement]:
    return [r for r in status.requirements if r.kind == kind]


# -- status and expiry ----------------------------------------------------------------


def test_status_of():
    cert = held("bronze", NOW - DAY, expires_at=NOW + DAY)
    assert status_of(cert, NOW) == "active"
    assert status_of(cert, NOW + DAY) == "expired"          # expiry instant is already expired
    assert status_of(cert, NOW + DAY - timedelta(seconds=1)) == "active"
    assert status_of(held("bronze", revoked=True), NOW) == "revoked"
    never = HeldCertification("bronze", NOW - 1000 * DAY, None)
    assert status_of(never, NOW + 10_000 * DAY) == "active"


def test_expiry_for():
    assert expiry_for(BRONZE, NOW) == NOW + TWO_YEARS
    program, _ = parse_program("p", "certifications:\n  x: {title: X}\ntiers:\n  r: {title: R}\n")
    assert expiry_for(program.certifications[0], NOW) is None


# -- each requirement kind -------------------------------------------------------------


def test_nothing_done_lists_every_requirement_unmet():
    status = evaluate_level(BRONZE, facts(), NOW)
    assert status.level == "bronze" and status.met is False and status.held is None
    assert status.requirements == (
        Requirement("course", "overview", True, False, False),
        Requirement("course", "sales-basics", True, False, False),
        Requirement("exam", "bronze-exam", 80, None, False),
        Requirement("practical", "practical", True, False, False),
    )
    assert status.unmet == status.requirements


def test_bronze_met_when_everything_holds():
    status = evaluate_level(BRONZE, facts(**BRONZE_DONE), NOW)
    assert status.met and status.unmet == ()


@pytest.mark.parametrize("percent, met", [(79.9, False), (80, True), (100, True)])
def test_exam_minimum_is_inclusive(percent, met):
    status = evaluate_level(BRONZE, facts(exam_passes=[passed("bronze-exam", percent)]), NOW)
    (exam,) = by_kind(status, "exam")
    assert (exam.current, exam.met) == (percent, met)


def test_exam_uses_the_best_pass_of_that_quiz_only():
    status = evaluate_level(BRONZE, facts(exam_passes=[
        passed("bronze-exam", 72), passed("bronze-exam", 81), passed("silver-exam", 99)]), NOW)
    assert by_kind(status, "exam")[0].current == 81


def test_every_exam_of_a_level_is_needed():
    status = evaluate_level(GOLD, facts(exam_passes=[passed("gold-exam", 90)]), NOW)
    assert [(r.target, r.met) for r in by_kind(status, "exam")] == [
        ("gold-exam", True), ("gold-essay", False)]


def test_practical_needs_a_signoff_for_that_level():
    wrong_level = evaluate_level(BRONZE, facts(signoffs={("silver", "practical")}), NOW)
    assert by_kind(wrong_level, "practical")[0].met is False
    right = evaluate_level(BRONZE, facts(signoffs={("bronze", "practical")}), NOW)
    assert by_kind(right, "practical")[0] == Requirement("practical", "practical", True, True, True)


@pytest.mark.parametrize("evidence, expected", [
    ({}, [("deals_closed", None, False), ("csat", None, False)]),
    ({"deals_closed": 2, "csat": 4.0}, [("deals_closed", 2, False), ("csat", 4.0, True)]),
    ({"deals_closed": 3, "csat": 3.9}, [("deals_closed", 3, True), ("csat", 3.9, False)]),
    ({"deals_closed": 7, "csat": 5}, [("deals_closed", 7, True), ("csat", 5, True)]),
])
def test_evidence(evidence, expected):
    status = evaluate_level(SILVER, facts(evidence=evidence), NOW)
    assert [(r.target, r.current, r.met) for r in by_kind(status, "evidence")] == expected


def test_approvals_each_need_their_own_signoff():
    status = evaluate_level(GOLD, facts(signoffs={("gold", "interview"), ("gold", "paper"),
                                                  ("silver", "recommendation")}), NOW)
    assert [(r.target, r.met) for r in by_kind(status, "approval")] == [
        ("recommendation", False), ("paper", True), ("interview", True)]


@pytest.mark.parametrize("bronze, current, met", [
    (None, None, False),
    (held("bronze"), "active", True),
    (held("bronze", NOW - 800 * DAY), "expired", False),
    (held("bronze", revoked=True), "revoked", False),
])
def test_requires_needs_the_level_held_active(bronze, current, met):
    status = evaluate_level(SILVER, facts(held=[bronze] if bronze else []), NOW)
    assert by_kind(status, "requires") == [Requirement("requires", "bronze", "active", current, met)]


def test_evaluate_levels_reports_every_level_in_order_with_held_status():
    statuses = evaluate_levels(PROGRAM, facts(**SILVER_DONE, held=[held("bronze")]), NOW)
    assert [(s.level, s.met, s.held) for s in statuses] == [
        ("bronze", True, "active"), ("silver", True, None), ("gold", False, None)]


def test_latest_award_per_level_is_kept():
    old = held("bronze", NOW - 900 * DAY)
    new = held("bronze", NOW - 10 * DAY)
    assert PersonFacts.of(held=[new, old]).held["bronze"] == new


# -- awarding ---------------------------------------------------------------------------


def test_nothing_to_award_for_a_newcomer():
    assert levels_to_award(PROGRAM, facts(), NOW) == ()


def test_bronze_then_silver_in_the_same_pass():
    assert levels_to_award(PROGRAM, facts(**SILVER_DONE), NOW) == ("bronze", "silver")


def test_chain_awards_regardless_of_file_order():
    program, _ = parse_program("p", dedent("""\
        certifications:
          silver: {title: S, requires: [bronze], courses: [b]}
          bronze: {title: B, courses: [a]}
        tiers:
          r: {title: R}
        """))
    assert levels_to_award(program, facts(completed_courses={"a", "b"}), NOW) == (
        "bronze", "silver")


def test_active_levels_are_not_awarded_again():
    person = facts(**SILVER_DONE, held=[held("bronze")])
    assert levels_to_award(PROGRAM, person, NOW) == ("silver",)


def test_gold_needs_everything_including_approvals():
    gold_work = dict(SILVER_DONE)
    gold_work["exam_passes"] = [*SILVER_DONE["exam_passes"], passed("gold-exam", 85),
                                passed("gold-essay", 70)]
    gold_work["signoffs"] = {("bronze", "practical"), ("gold", "recommendation"), ("gold", "paper")}
    assert levels_to_award(PROGRAM, facts(**gold_work), NOW) == ("bronze", "silver")
    gold_work["signoffs"] = gold_work["signoffs"] | {("gold", "interview")}
    assert levels_to_award(PROGRAM, facts(**gold_work), NOW) == ("bronze", "silver", "gold")


def test_unmet_lower_level_blocks_the_chain():
    no_practical = dict(SILVER_DONE, signoffs=set())
    assert levels_to_award(PROGRAM, facts(**no_practical), NOW) == ()


def test_an_expired_level_is_not_re_awarded_from_the_old_passes():
    lapsed = held("bronze", NOW - 800 * DAY)  # expired 70 days ago
    person = facts(**dict(BRONZE_DONE, exam_passes=[passed("bronze-exam", 90, NOW - 790 * DAY)]),
                   held=[lapsed])
    status = evaluate_level(BRONZE, person, NOW)
    assert status.held == "expired" and by_kind(status, "exam")[0].current is None
    assert levels_to_award(PROGRAM, person, NOW) == ()


def test_an_expired_level_is_re_awarded_after_passing_again():
    lapsed = held("bronze", NOW - 800 * DAY)
    person = facts(**dict(BRONZE_DONE, exam_passes=[passed("bronze-exam", 90, NOW - DAY)]),
                   held=[lapsed])
    assert levels_to_award(PROGRAM, person, NOW) == ("bronze",)


def test_a_revoked_level_is_not_re_awarded_automatically():
    person = facts(**BRONZE_DONE, held=[held("bronze", revoked=True)])
    assert levels_to_award(PROGRAM, person, NOW) == ()


def test_a_revoked_level_can_be_earned_again_with_passes_after_the_revocation():
    revoked = held("bronze", NOW - 100 * DAY, revoked=True, revoked_at=NOW - 20 * DAY)
    before = facts(**dict(BRONZE_DONE, exam_passes=[passed("bronze-exam", 90, NOW - 30 * DAY)]),
                   held=[revoked])
    after = facts(**dict(BRONZE_DONE, exam_passes=[passed("bronze-exam", 90, NOW - 5 * DAY)]),
                  held=[revoked])
    assert levels_to_award(PROGRAM, before, NOW) == ()
    assert levels_to_award(PROGRAM, after, NOW) == ("bronze",)


def test_a_revoked_level_without_exams_is_not_re_awarded_from_its_old_signoffs():
    program, problems = parse_program("courses/program.yml", dedent("""\
        certifications:
          partner:
            title: Partner
            approvals: [interview]
            valid_for: 1y
        tiers:
          registered: {title: Registered}
        """))
    assert not problems
    signed = dict(signoffs={("partner", "interview")})
    assert levels_to_award(program, facts(**signed), NOW) == ("partner",)
    revoked = held("partner", NOW - 10 * DAY, revoked=True, revoked_at=NOW - DAY)
    assert levels_to_award(program, facts(**signed, held=[revoked]), NOW) == ()


def test_silver_is_not_awarded_on_an_expired_bronze_that_cannot_be_renewed():
    lapsed = held("bronze", NOW - 800 * DAY)
    person = facts(**dict(SILVER_DONE, exam_passes=[passed("bronze-exam", 85, NOW - 790 * DAY),
                                                     passed("silver-exam", 90)]), held=[lapsed])
    assert levels_to_award(PROGRAM, person, NOW) == ()


# -- renewal ------------------------------------------------------------------------------


EXPIRY = NOW + 30 * DAY
CURRENT = held("bronze", EXPIRY - TWO_YEARS)


@pytest.mark.parametrize("passed_at, renewed", [
    (EXPIRY - 90 * DAY, True),                          # first moment of the window
    (EXPIRY - 90 * DAY - timedelta(seconds=1), False),  # just before it
    (EXPIRY - timedelta(seconds=1), True),              # last moment
    (EXPIRY, False),                                    # the certification has expired
    (None, False),
])
def test_renewal_window(passed_at, renewed):
    now = EXPIRY + DAY  # a late sweep still renews a pass made in time
    expected = EXPIRY + TWO_YEARS if renewed else None
    assert renewal_for(BRONZE, CURRENT, passed_at, now) == expected


def test_renewal_counts_from_the_old_expiry_not_from_the_pass():
    assert renewal_for(BRONZE, CURRENT, NOW, NOW) == EXPIRY + TWO_YEARS


def test_no_renewal_for_revoked_never_expiring_or_future_passes():
    revoked = held("bronze", EXPIRY - TWO_YEARS, revoked=True)
    assert renewal_for(BRONZE, revoked, NOW, NOW) is None
    forever = HeldCertification("bronze", NOW - DAY, None)
    assert renewal_for(BRONZE, forever, NOW, NOW) is None
    assert renewal_for(BRONZE, CURRENT, NOW + DAY, NOW) is None


def test_a_pass_renews_once_even_with_a_short_validity():
    program, _ = parse_program("p", dedent("""\
        certifications:
          bronze: {title: B, exams: {q: 50}, valid_for: 30d}
        tiers:
          r: {title: R}
        """))
    short = program.certifications[0]
    first = HeldCertification("bronze", NOW - 25 * DAY, NOW + 5 * DAY)
    new_expiry = renewal_for(short, first, NOW, NOW)
    assert new_expiry == NOW + 35 * DAY
    renewed = HeldCertification("bronze", first.awarded_at, new_expiry)
    assert renewal_for(short, renewed, NOW, NOW) is None


def test_renewal_needs_every_exam_again_at_the_mark_inside_the_window():
    gold = held("gold", EXPIRY - TWO_YEARS)
    start = EXPIRY - 90 * DAY
    passes = [passed("gold-exam", 90, start + DAY), passed("gold-exam", 84, start + 2 * DAY),
              passed("gold-essay", 60, start + 3 * DAY)]
    assert renewal_exam_passed_at(GOLD, gold, passes) is None
    passes.append(passed("gold-essay", 75, start + 4 * DAY))
    passes.append(passed("gold-essay", 80, start + 6 * DAY))
    assert renewal_exam_passed_at(GOLD, gold, passes) == start + 4 * DAY
    old = [passed("gold-exam", 99, start - DAY), passed("gold-essay", 99, start - DAY)]
    assert renewal_exam_passed_at(GOLD, gold, old) is None


def test_renewals_for_a_person():
    person = facts(held=[CURRENT, held("silver", NOW - 10 * DAY)],
                   exam_passes=[passed("bronze-exam", 90, NOW - DAY),
                                passed("silver-exam", 95, NOW - DAY)])
    (renewal,) = renewals(PROGRAM, person, NOW)
    assert (renewal.level, renewal.expires_at) == ("bronze", EXPIRY + TWO_YEARS)


# -- properties -------------------------------------------------------------------------------


ALL_SIGNOFFS = [("bronze", "practical"), ("gold", "recommendation"), ("gold", "paper"),
                ("gold", "interview")]
ALL_COURSES = ["overview", "sales-basics", "deep-dive"]
ALL_QUIZZES = ["bronze-exam", "silver-exam", "gold-exam", "gold-essay"]

people = st.builds(
    lambda courses, scores, signoffs, deals, csat, bronze_age: PersonFacts.of(
        completed_courses=courses,
        exam_passes=[passed(q, s) for q, s in scores.items()],
        signoffs=signoffs, evidence={"deals_closed": deals, "csat": csat},
        held=[held("bronze", NOW - bronze_age * DAY)] if bronze_age is not None else []),
    st.sets(st.sampled_from(ALL_COURSES)),
    st.dictionaries(st.sampled_from(ALL_QUIZZES), st.integers(0, 100)),
    st.sets(st.sampled_from(ALL_SIGNOFFS)),
    st.integers(0, 6), st.floats(0, 5, allow_nan=False),
    st.none() | st.integers(1, 1000),
)


@settings(max_examples=200, deadline=None)
@given(people)
def test_awarding_is_idempotent_and_every_award_meets_its_requirements(person):
    awarded = levels_to_award(PROGRAM, person, NOW)
    now_held = dict(person.held)
    for level in awarded:
        cert = PROGRAM.certification(level)
        assert evaluate_level(cert, PersonFacts.of(
            completed_courses=person.completed_courses, exam_passes=person.exam_passes,
            evidence=person.evidence, signoffs=person.signoffs,
            held=now_held.values()), NOW).met
        now_held[level] = HeldCertification(level, NOW, expiry_for(cert, NOW))
    after = PersonFacts.of(completed_courses=person.completed_courses,
                           exam_passes=person.exam_passes, evidence=person.evidence,
                           signoffs=person.signoffs, held=now_held.values())
    assert levels_to_award(PROGRAM, after, NOW) == ()
