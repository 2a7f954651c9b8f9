"""Quiz files: every rule of docs/authoring.en.md, each broken case with its exact file line."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.content.quiz_questions import NumericAnswer, RegexAnswer, TextAnswer, derived_question_id
from lms.content.quizzes import parse_quiz

PATH = "quizzes/bronze-exam.md"

SPEC_EXAMPLE = """\
---
title: Bronze 認定試験
time_limit: 30m
pass_mark: 80
attempts: 3
cooldown: 24h
draw: 4
shuffle: true
review: after_submit
---
Optional introduction in **Markdown**, shown before the attempt starts.

## Koemoji の基本販売マージンは？
Optional longer question text in Markdown.

- ( ) 20%
- (x) 30%
- ( ) 40%

> Explanation shown on review: 基本30% + 目標達成5% + 認定レベル5%、最大40%。

## 認定レベルをすべて選んでください {points=2}
- [x] Bronze
- [x] Silver
- [x] Gold
- [ ] Platinum

## TTFD は何の略ですか？
= Time To First Deal
= Time-To-First-Deal

## 最大マージンは何％ですか？
= 40 +- 0.5

## 医療機関の情報システム担当者への初回提案の進め方を説明してください。 {essay points=10}
"""


def parse(text, path=PATH):
    return parse_quiz(path, text)


def problems_of(text):
    quiz, problems = parse(text)
    assert quiz is None
    return [(p.line, p.message) for p in problems]


def only_problem(text):
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


def quiz_with(body, front="title: T"):
    return f"---\n{front}\n---\n{body}"


# --- good files ----------------------------------------------------------------------


def test_spec_example_parses_every_setting():
    quiz, problems = parse(SPEC_EXAMPLE)
    assert problems == []
    assert quiz.slug == "bronze-exam"
    assert quiz.path == PATH
    assert quiz.title == "Bronze 認定試験"
    assert quiz.time_limit == timedelta(minutes=30)
    assert quiz.pass_mark == 80
    assert quiz.max_attempts == 3
    assert quiz.cooldown == timedelta(hours=24)
    assert quiz.draw == 4
    assert quiz.shuffle is True
    assert quiz.review == "after_submit"
    assert "<strong>Markdown</strong>" in quiz.intro_html
    assert [q.kind for q in quiz.questions] == ["single", "multiple", "text", "numeric", "essay"]
    assert [q.line for q in quiz.questions] == [13, 22, 28, 32, 35]
    assert quiz.total_points == 1 + 2 + 1 + 1 + 10


def test_spec_example_questions_in_detail():
    quiz, _ = parse(SPEC_EXAMPLE)
    single, multiple, text, numeric, essay = quiz.questions
    assert single.stem == "Koemoji の基本販売マージンは？"
    assert "Optional longer question text" in single.body_html
    assert [c.correct for c in single.choices] == [False, True, False]
    assert [c.html for c in single.choices] == ["20%", "30%", "40%"]
    assert "基本30%" in single.explanation_html
    assert multiple.points == 2 and not multiple.partial
    assert [c.correct for c in multiple.choices] == [True, True, True, False]
    assert text.accepted == (TextAnswer("Time To First Deal"), TextAnswer("Time-To-First-Deal"))
    assert numeric.accepted == (NumericAnswer(40.0, 0.5),)
    assert essay.points == 10 and essay.choices == () and essay.accepted == ()


def test_defaults():
    quiz, problems = parse(quiz_with("## Q\n= a\n"))
    assert problems == []
    assert quiz.time_limit is None
    assert quiz.pass_mark == 80
    assert quiz.max_attempts == 0
    assert quiz.cooldown == timedelta(0)
    assert quiz.draw is None
    assert quiz.shuffle is True
    assert quiz.review == "after_submit"
    assert quiz.intro_html == ""
    assert quiz.questions[0].points == 1


def test_ids_are_stable_and_explicit_ids_win():
    first, _ = parse(SPEC_EXAMPLE)
    again, _ = parse(SPEC_EXAMPLE.replace("Optional introduction", "Changed introduction"))
    assert [q.id for q in first.questions] == [q.id for q in again.questions]
    assert [c.id for c in first.questions[0].choices] == [c.id for c in again.questions[0].choices]
    assert first.questions[0].id == derived_question_id("Koemoji の基本販売マージンは？")
    # Width and spacing differences in the stem do not change the derived id.
    assert derived_question_id("ＴＴＦＤ  は何の略ですか？") == derived_question_id("TTFD は何の略ですか？")
    quiz, _ = parse(quiz_with("## Q {id=margin-basic}\n= a\n"))
    assert quiz.questions[0].id == "margin-basic"


def test_choice_ids_are_distinct_and_do_not_reveal_position():
    quiz, _ = parse(SPEC_EXAMPLE)
    ids = [c.id for c in quiz.questions[1].choices]
    assert len(set(ids)) == len(ids)
    assert ids != ["a", "b", "c", "d"]


def test_attributes_points_partial_and_commas():
    quiz, problems = parse(quiz_with("## Pick {points=2.5, partial}\n- [x] a\n- [ ] b\n"))
    assert problems == []
    q = quiz.questions[0]
    assert q.points == 2.5 and q.partial and q.kind == "multiple"


def test_numeric_text_and_regex_detection():
    quiz, problems = parse(quiz_with(
        "## N\n= 1,000\n= ２０ +- 1\n= 3.5 ± 0.25\n"
        "## T\n= 40\n= forty\n"
        "## R\n= /koe-?moji/\n"
    ))
    assert problems == []
    numeric, text, regex = quiz.questions
    assert numeric.kind == "numeric"
    assert numeric.accepted == (NumericAnswer(1000.0, 0.0), NumericAnswer(20.0, 1.0),
                                NumericAnswer(3.5, 0.25))
    assert text.kind == "text" and text.accepted == (TextAnswer("40"), TextAnswer("forty"))
    assert regex.kind == "text" and regex.accepted == (RegexAnswer("koe-?moji"),)


def test_intro_markdown_and_code_fences_do_not_start_questions():
    body = ("# Welcome\n\n```\n## not a question\n- (x) nor a choice\n```\n\n"
            "## Real question\n```md\n## still body\n= not an answer\n```\n= yes\n")
    quiz, problems = parse(quiz_with(body))
    assert problems == []
    assert len(quiz.questions) == 1
    assert "not a question" in quiz.intro_html
    q = quiz.questions[0]
    assert "still body" in q.body_html
    assert q.accepted == (TextAnswer("yes"),)


def test_explanation_spans_lines_and_indented_lines_continue_a_choice():
    quiz, problems = parse(quiz_with(
        "## Q\n- (x) first line\n  second line\n- ( ) other\n\n> line one\n>\n> line two\n"
    ))
    assert problems == []
    q = quiz.questions[0]
    assert "second line" in q.choices[0].html
    assert "line one" in q.explanation_html and "line two" in q.explanation_html


def test_essay_may_have_an_explanation():
    quiz, problems = parse(quiz_with("## Explain {essay}\n> A model answer.\n"))
    assert problems == []
    assert quiz.questions[0].kind == "essay"
    assert "model answer" in quiz.questions[0].explanation_html


def test_html_in_content_is_sanitized():
    quiz, _ = parse(quiz_with(
        "<script>alert(1)</script>\n## Q <img src=x onerror=alert(1)>\n"
        "- (x) <a href='javascript:alert(1)'>a</a>\n- ( ) b\n"))
    everything = quiz.intro_html + quiz.questions[0].stem_html + quiz.questions[0].choices[0].html
    assert "<script" not in everything
    assert "onerror" not in everything
    assert "javascript:" not in everything


def test_closing_hashes_are_not_part_of_the_stem():
    quiz, _ = parse(quiz_with("## What is C# ##\n= a language\n"))
    assert quiz.questions[0].stem == "What is C#"


def test_all_shipped_quizzes_parse():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for file in sorted((root / "quizzes").glob("*.md")):
        relative = f"quizzes/{file.name}"
        quiz, problems = parse_quiz(relative, file.read_text(encoding="utf-8"))
        assert problems == [], [str(p) for p in problems]
        assert quiz.questions


# --- broken files: each with its exact line ------------------------------------------


@pytest.mark.parametrize("front, line, words", [
    ("pass_mark: 80", 2, "title"),
    ("title: T\ntime_limit: soon", 3, "time_limit"),
    ("title: T\ntime_limit: 0", 3, "time_limit"),
    ("title: T\npass_mark: 120", 3, "pass_mark"),
    ("title: T\npass_mark: lots", 3, "pass_mark"),
    ("title: T\nattempts: -1", 3, "attempts"),
    ("title: T\nattempts: 2.5", 3, "attempts"),
    ("title: T\ncooldown: a while", 3, "cooldown"),
    ("title: T\ndraw: 0", 3, "draw"),
    ("title: T\nshuffle: maybe", 3, "shuffle"),
    ("title: T\nreview: always", 3, "review"),
    ("title: T\npass-mark: 70", 3, "unknown setting"),
])
def test_bad_settings(front, line, words):
    text = quiz_with("## Q\n= a\n", front)
    if "title" not in front.split("\n")[0]:
        line = 1  # no title line at all: the problem points at the file start
    assert only_problem(text)[0] == line
    assert words in only_problem(text)[1]


def test_draw_larger_than_the_question_count_is_a_warning():
    # A quiz drawing more questions than it has ("draw: 20" over five) must still load.
    quiz, problems = parse(quiz_with("## Q\n= a\n## R\n= b\n", "title: T\ndraw: 3"))
    assert quiz is not None and len(quiz.questions) == 2
    assert quiz.questions_per_attempt == 2  # what the quiz page and API say it serves
    assert [(p.line, p.message) for p in problems] == [
        (3, "warning: draw: 3 is more than the 2 questions in the file; "
            "every attempt serves all of them")]


def test_unclosed_front_matter_and_bad_yaml():
    assert problems_of("---\ntitle: T\n## Q\n= a\n")[0][0] == 1
    assert problems_of("---\ntitle: [T\n---\n## Q\n= a\n")[0][0] == 2  # where "[" is


def test_no_questions():
    assert only_problem(quiz_with("Just an intro.\n")) == (
        4, "the quiz has no questions: start each one with '## '")


@pytest.mark.parametrize("body, line, words", [
    ("## Q\n- ( ) a\n- ( ) b\n", 4, "exactly one (x)"),
    ("## Q\n- (x) a\n- (x) b\n", 6, "exactly one (x)"),
    ("## Q\n- [ ] a\n- [ ] b\n", 4, "at least one [x]"),
    ("## Q\n- (x) a\n- [ ] b\n", 6, "mixes"),
    ("## Q\nJust text, no answers.\n", 4, "no answers"),
    ("## Q\n- (x) a\n= a\n", 6, "not both"),
    ("## Q\n= a\n- (x) a\n", 6, "not both"),
    ("## Q\n= /[unclosed/\n", 5, "invalid regular expression"),
    ("## Q\n= 40 +- lots\n", 5, "bad tolerance"),
    ("## Q\n= 40 +- -1\n", 5, "bad tolerance"),
    ("## Q\n= 40 +- 1\n= forty\n", 5, "tolerance only works"),
    ("## Q {essay}\n= a\n", 5, "essay question takes no"),
    ("## Q {essay}\n- (x) a\n", 5, "essay question takes no"),
    ("## Q\n- (x) a\n> why\n- ( ) b\n", 7, "before the '>' explanation"),
    ("## Q\n= a\n> why\nmore text\n", 7, "after the explanation"),
    ("## Q\n- (x) a\nstray text\n", 6, "among the answers"),
    ("## Q {points=0}\n= a\n", 4, "points=0"),
    ("## Q {points=many}\n= a\n", 4, "points=many"),
    ("## Q {colour=red}\n= a\n", 4, "unknown attribute"),
    ("## Q {id=has space}\n= a\n", 4, "unknown attribute"),
    ("## Q {id=bad/id}\n= a\n", 4, "not a valid id"),
    ("## Q {essay essay}\n", 4, "twice"),
    ("## Q {partial}\n- (x) a\n- ( ) b\n", 4, "'partial' only applies"),
    ("## {points=2}\n= a\n", 4, "no text"),
    ("## Q\n- (x)\n- ( ) b\n", 5, "no text"),
    ("## Q\n- (x) a\n- ( ) A\n", 6, "same choice appears twice"),
    ("## Q\n=\n", 5, "needs an accepted answer"),
])
def test_broken_questions(body, line, words):
    found_line, message = only_problem(quiz_with(body))
    assert found_line == line, message
    assert words in message


def test_duplicate_question_ids():
    assert only_problem(quiz_with("## Same\n= a\n## same \n= b\n"))[0] == 6
    found = only_problem(quiz_with("## A {id=x}\n= a\n## B {id=x}\n= b\n"))
    assert found == (6, "duplicate question id 'x' (also line 4); give one of them an {id=...} attribute")


def test_every_broken_question_is_reported_and_problems_carry_the_path():
    quiz, problems = parse(quiz_with("## A\n- ( ) a\n## B\n= ok\n## C\n= /(/\n"))
    assert quiz is None
    assert [p.line for p in problems] == [4, 9]
    assert str(problems[0]).startswith(f"{PATH}:4: ")


def test_bad_slug_in_file_name():
    quiz, problems = parse(quiz_with("## Q\n= a\n"), path="quizzes/Bad_Name.md")
    assert quiz is None and problems[0].line == 0


# --- never raises --------------------------------------------------------------------

_LINE_PIECES = st.sampled_from([
    "---", "title: T", "draw: 2", "shuffle: nope", "## Q", "## Q {points=2 partial}", "## {essay}",
    "- ( ) a", "- (x) b", "- [x] c", "- [ ] d", "= 4 +- 1", "= /a+/", "= /(/", "= text",
    "> why", "```", "", "  indented", "{", "## Q {id=x}",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_LINE_PIECES, st.text(max_size=30)), max_size=25))
def test_parser_never_raises_on_arbitrary_lines(lines):
    quiz, problems = parse_quiz(PATH, "\n".join(lines))
    assert (quiz is None) == bool(problems)
    assert all(p.line >= 0 and p.message for p in problems)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_parser_never_raises_on_arbitrary_text(text):
    quiz, problems = parse_quiz(PATH, text)
    assert (quiz is None) == bool(problems)
