"""courses/program.yml: the shape, the references, and the line of every problem."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from textwrap import dedent

import pytest

from lms.content.program import parse_program
from lms.content.program_checks import validate_program

PATH = "courses/program.yml"
REPO_PROGRAM = Path(__file__).resolve().parents[2] / "courses" / "program.yml"

GOOD = dedent("""\
    certifications:
      bronze:
        title: Bronze Certification
        courses: [koemoji-overview, sales-basics]
        exams: {bronze-exam: 80}
        practical: true
        valid_for: 2y
      silver:
        title: Silver Certification
        requires: [bronze]
        courses:
          - technical-deep-dive
        exams: {silver-exam: 80}
        evidence: {deals_closed: 3, csat: 4.0}
        valid_for: 730d
      gold:
        title: Gold Certification
        requires: [silver]
        exams: {gold-exam: 85}
        approvals: [recommendation, paper, interview]
    tiers:
      registered: {title: Registered Partner}
      bronze: {title: Bronze Partner, certified: {bronze: 1}}
      silver: {title: Silver Partner, certified: {silver: 2}, deals_closed: 5}
      gold:   {title: Gold Partner, certified: {gold: 1, silver: 3}, annual_revenue: 1000000000,
               target_met: true}
    margin:
      base: 30
      target_bonus: 5
      certification_bonus: {silver: 2.5, gold: 5}
      max: 40
    """)

COURSES = {"koemoji-overview": object(), "sales-basics": object(),
           "technical-deep-dive": object()}
QUIZZES = {"bronze-exam": object(), "silver-exam": object(), "gold-exam": object()}


def parse(text: str):
    return parse_program(PATH, dedent(text))


def problems_of(text: str) -> list[tuple[int, str]]:
    program, problems = parse(text)
    assert program is None
    return [(p.line, p.message) for p in problems]


def only_problem(text: str) -> tuple[int, str]:
    found = problems_of(text)
    assert len(found) == 1, found
    return found[0]


def test_good_program_parses_into_frozen_objects():
    program, problems = parse_program(PATH, GOOD)
    assert problems == []
    assert program.path == PATH
    assert program.levels == ("bronze", "silver", "gold")
    bronze, silver, gold = program.certifications
    assert (bronze.title, bronze.courses, bronze.exams, bronze.practical, bronze.rank) == (
        "Bronze Certification", ("koemoji-overview", "sales-basics"), (("bronze-exam", 80),),
        True, 0)
    assert bronze.valid_for == timedelta(days=730)
    assert silver.requires == ("bronze",)
    assert silver.courses == ("technical-deep-dive",)
    assert silver.evidence == (("deals_closed", 3), ("csat", 4.0))
    assert silver.practical is False
    assert gold.approvals == ("recommendation", "paper", "interview")
    assert gold.valid_for is None and gold.rank == 2
    assert [t.key for t in program.tiers] == ["registered", "bronze", "silver", "gold"]
    assert [t.rank for t in program.tiers] == [0, 1, 2, 3]
    top = program.tier("gold")
    assert top.certified == (("gold", 1), ("silver", 3))
    assert (top.annual_revenue, top.target_met, top.deals_closed) == (1_000_000_000, True, None)
    assert program.tier("silver").deals_closed == 5
    assert program.lowest_tier.key == "registered"
    assert not program.lowest_tier.has_requirements
    assert program.margin.base == 30 and program.margin.max == 40
    assert program.margin.bonus_for("gold") == 5 and program.margin.bonus_for("bronze") == 0
    with pytest.raises(AttributeError):
        bronze.title = "changed"  # type: ignore[misc]


def test_lookups_and_lines():
    program, _ = parse_program(PATH, GOOD)
    assert program.certification("silver").level == "silver"
    assert program.certification("platinum") is None
    assert program.rank_of("gold") == 2 and program.rank_of("nope") is None
    assert program.tier("nope") is None
    assert program.line_of("certifications", "silver") == 8
    assert program.line_of("certifications", "silver", "courses", "technical-deep-dive") == 12
    # An unrecorded key falls back to its closest recorded parent.
    assert program.line_of("certifications", "gold", "nothing-here") == 16


def test_the_repository_program_is_valid():
    program, problems = parse_program(PATH, REPO_PROGRAM.read_text(encoding="utf-8"))
    assert problems == []
    assert program.levels == ("bronze", "silver", "gold")


def test_margin_is_optional():
    program, problems = parse("""\
        certifications:
          bronze: {title: B}
        tiers:
          registered: {title: R}
        """)
    assert problems == []
    assert program.margin.base == 0 and program.margin.max is None


@pytest.mark.parametrize("text, line, fragment", [
    ("certifications: [a\n", 1, "invalid YAML"),
    ("certifications:\n  bronze:\n    title: B\n\tcourses: []\n", 4, "invalid YAML"),
    ("- a\n- b\n", 1, "must be a mapping"),
    ("certifications:\n  bronze: {title: B}\n", 1, "needs 'tiers'"),
    ("tiers:\n  r: {title: R}\n", 1, "needs 'certifications'"),
    ("certifications:\n  bronze: {title: B}\ntiers:\n  r: {title: R}\nmargins: {}\n", 5,
     "unknown key 'margins' (did you mean 'margin'?)"),
    ("certifications: []\ntiers:\n  r: {title: R}\n", 1, "'certifications' must be a mapping"),
    ("certifications: {}\ntiers:\n  r: {title: R}\n", 1, "at least one level"),
    ("certifications:\n  bronze: {title: B}\ntiers: {}\n", 3, "at least one tier"),
])
def test_file_level_problems(text, line, fragment):
    got_line, message = only_problem(text)
    assert got_line == line and fragment in message, (got_line, message)


def test_empty_file():
    assert problems_of("") == [(0, "the program is empty; it needs 'certifications'")]


def cert(body: str) -> str:
    """A program whose bronze entry's body starts on line 3."""
    indented = "".join(f"    {line}\n" for line in dedent(body).splitlines())
    return "certifications:\n  bronze:\n" + indented + "tiers:\n  registered: {title: R}\n"


@pytest.mark.parametrize("body, line, fragment", [
    ("title: B\ntitel: C\n", 4, "unknown key 'titel' (did you mean 'title'?)"),
    ("courses: [a]\n", 2, "certification 'bronze' needs a 'title'"),
    ("title: ''\n", 3, "'title' must be a non-empty text"),
    ("title: B\ncourses: a-course\n", 4, "courses must be a list of names"),
    ("title: B\ncourses:\n  - ok\n  - Not A Slug\n", 6, "'Not A Slug' is not a name"),
    ("title: B\ncourses: [a, a]\n", 4, "'a' is listed twice"),
    ("title: B\nrequires: silver\n", 4, "requires must be a list"),
    ("title: B\nexams: [bronze-exam]\n", 4, "exams must be a mapping"),
    ("title: B\nexams:\n  bronze-exam: 101\n", 5, "between 0 and 100 percent, not 101"),
    ("title: B\nexams: {bronze-exam: -1}\n", 4, "between 0 and 100 percent"),
    ("title: B\nexams: {bronze-exam: eighty}\n", 4, "must be a number, not 'eighty'"),
    ("title: B\nexams: {bronze-exam: true}\n", 4, "must be a number"),
    ("title: B\nexams: {bronze-exam: }\n", 4, "must be a number, not nothing"),
    ("title: B\npractical: yes please\n", 4, "practical must be true or false"),
    ("title: B\nevidence: {deals: 3}\n", 4, "unknown key 'deals'"),
    ("title: B\nevidence:\n  deals_closed: 3\n  nps: 9\n", 6, "unknown key 'nps'"),
    ("title: B\nevidence: {deals_closed: -1}\n", 4, "at least 0"),
    ("title: B\nevidence: {csat: 80}\n", 4, "between 1 and 5"),   # CSAT is a 1–5 average
    ("title: B\nevidence: {csat: 0.5}\n", 4, "between 1 and 5"),
    ("title: B\napprovals: interview\n", 4, "approvals must be a list of names"),
    ("title: B\napprovals: {interview: true}\n", 4, "approvals must be a list of names"),
    ("title: B\napprovals: [interview, [paper]]\n", 4, "is not a name"),
    ("title: B\napprovals: [practical]\n", 4, "write 'practical: true' instead"),
    ("title: B\nvalid_for: 2\n", 4, "duration with a unit"),
    ("title: B\nvalid_for: two years\n", 4, "not a duration"),
    ("title: B\nvalid_for: 0d\n", 4, "longer than zero"),
    ("title: B\ntitle: C\n", 4, "'title' is given twice"),
    ("title: B\ncourses_before_exam: stop\n", 4, "courses_before_exam must be 'warn' or 'block'"),
    ("title: B\ncourses_before_exam: true\n", 4, "courses_before_exam must be 'warn' or 'block'"),
])
def test_certification_problems(body, line, fragment):
    got_line, message = only_problem(cert(body))
    assert got_line == line and fragment in message, (got_line, message)


def test_courses_before_exam_is_warn_unless_block_is_written():
    program, problems = parse_program(PATH, cert("title: B\n"))
    assert problems == [] and program.certifications[0].courses_before_exam == "warn"
    program, problems = parse_program(PATH, cert("title: B\ncourses_before_exam: block\n"))
    assert problems == [] and program.certifications[0].courses_before_exam == "block"


def test_valid_for_null_means_never_expires():
    program, problems = parse_program(PATH, cert("title: B\nvalid_for: ~\n"))
    assert problems == [] and program.certifications[0].valid_for is None


def test_level_key_must_be_a_slug_and_entry_a_mapping():
    assert only_problem("""\
        certifications:
          Bronze Level: {title: B}
        tiers:
          r: {title: R}
        """) == (2, "certification level 'Bronze Level' must be lowercase letters, digits and '-'")
    line, message = only_problem("""\
        certifications:
          bronze: just a title
        tiers:
          r: {title: R}
        """)
    assert (line, "certification 'bronze' must be a mapping" in message) == (2, True)


def tiers(body: str) -> str:
    return "certifications:\n  bronze: {title: B}\ntiers:\n" + body


@pytest.mark.parametrize("body, line, fragment", [
    ("  r: {title: R}\n  b: {title: B, certifed: {bronze: 1}}\n", 5,
     "tier 'b': unknown key 'certifed' (did you mean 'certified'?)"),
    ("  r: {title: R}\n  b: {title: B, margin: 3}\n", 5, "unknown key 'margin'"),
    ("  r: {title: R}\n  b: {certified: {bronze: 1}}\n", 5, "tier 'b' needs a 'title'"),
    ("  r: {title: R}\n  b: {title: B, certified: [bronze]}\n", 5, "certified must be a mapping"),
    ("  r: {title: R}\n  b: {title: B, certified: {bronze: 0}}\n", 5, "at least 1 people"),
    ("  r: {title: R}\n  b: {title: B, certified: {bronze: 1.5}}\n", 5, "a whole number"),
    ("  r: {title: R}\n  b:\n    title: B\n    deals_closed: many\n", 7, "deals_closed must be"),
    ("  r: {title: R}\n  b: {title: B, annual_revenue: -5}\n", 5, "at least 0"),
    ("  r: {title: R}\n  b: {title: B, target_met: 1}\n", 5, "target_met must be true or false"),
    ("  r: {title: R, certified: {bronze: 1}}\n", 4, "lowest tier and must have no requirements"),
    ("  r: [R]\n", 4, "tier 'r' must be a mapping"),
    ("  r: {title: R}\n  r: {title: again}\n", 5, "'r' is given twice"),
])
def test_tier_problems(body, line, fragment):
    got_line, message = only_problem(tiers(body))
    assert got_line == line and fragment in message, (got_line, message)


@pytest.mark.parametrize("body, line, fragment", [
    ("  base: 30\n  max: 140\n", 7, "margin max must be between 0 and 100"),
    ("  base: thirty\n", 6, "margin base must be a number"),
    ("  target_bonus: 5\n  bonus: 5\n", 7, "unknown key 'bonus'"),
    ("  certification_bonus: [gold]\n", 6, "certification_bonus must be a mapping"),
    ("  certification_bonus: {gold: 500}\n", 6, "between 0 and 100"),
])
def test_margin_problems(body, line, fragment):
    text = tiers("  r: {title: R}\n") + "margin:\n" + body
    got_line, message = only_problem(text)
    assert got_line == line and fragment in message, (got_line, message)


def test_several_problems_are_all_reported_in_line_order():
    found = problems_of("""\
        certifications:
          bronze:
            title: B
            exams: {x: 200}
            valid_for: soon
        tiers:
          r: {title: R, deals_closed: 1}
        """)
    assert [line for line, _ in found] == [4, 5, 7]


def test_validate_accepts_known_references():
    program, _ = parse_program(PATH, GOOD)
    assert validate_program(program, COURSES, QUIZZES) == []


def test_validate_reports_unknown_courses_and_quizzes_at_their_lines():
    program, _ = parse_program(PATH, GOOD)
    found = validate_program(program, {"koemoji-overview": 1},
                             {"bronze-exam": 1, "silver-exam": 1})
    assert [str(p) for p in found] == [
        f"{PATH}:4: certification 'bronze': unknown course 'sales-basics'",
        f"{PATH}:12: certification 'silver': unknown course 'technical-deep-dive'",
        f"{PATH}:19: certification 'gold': unknown quiz 'gold-exam'",
    ]


def test_validate_suggests_a_close_slug():
    program, _ = parse_program(PATH, GOOD)
    courses = dict(COURSES)
    courses["koemoji-overveiw"] = courses.pop("koemoji-overview")
    (problem,) = validate_program(program, courses, QUIZZES)
    assert problem.line == 4 and "did you mean 'koemoji-overveiw'?" in problem.message


def test_validate_requires_unknown_self_and_cycles():
    program, problems = parse("""\
        certifications:
          bronze:
            title: B
            requires: [gold]
          silver:
            title: S
            requires: [bronze, silver, platinum]
          gold:
            title: G
            requires:
              - silver
        tiers:
          r: {title: R}
          b: {title: B, certified: {bronze: 1, diamond: 2}}
        margin:
          certification_bonus: {b: 1, platnum: 2}
        """)
    assert problems == []
    found = [(p.line, p.message) for p in validate_program(program, {}, {})]
    assert found == [
        (4, "requires form a cycle: bronze -> gold -> silver -> bronze"),
        (7, "certification 'silver' requires itself"),
        (7, "certification 'silver' requires unknown level 'platinum'"),
        (14, "tier 'b': unknown certification level 'diamond'"),
        (16, "margin certification_bonus: unknown tier 'platnum'"),
    ]


def test_validate_two_level_cycle_reported_once():
    program, _ = parse("""\
        certifications:
          bronze: {title: B, requires: [silver]}
          silver: {title: S, requires: [bronze]}
        tiers:
          r: {title: R}
        """)
    found = validate_program(program, {}, {})
    assert [(p.line, p.message) for p in found] == [
        (2, "requires form a cycle: bronze -> silver -> bronze")]
