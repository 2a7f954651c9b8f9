"""GIFT details read as Moodle reads them (titles, wildcards, formats, refusals)."""

from __future__ import annotations

from lms.content.importers import convert
from lms.content.quizzes import parse_quiz
from lms.rules.answers import regex_matches

SOURCE = """::No closing title {T}

// a block of comments only

::Blank::Who? {=  ~b ~c}

::Dup:: Pick {=a ~a ~b}

::Wild:: Name a colour starting with b {=bl*}

::Num text:: Type the number {=42}

[html]<p>Which is <b>bold</b>?</p>{=<b>this</b> ~that}

::Multi::What
spans lines\\nwith an escape? {=yes ~no}
"""


def _converted():
    result = convert(SOURCE, "gift", "Edge cases")
    quiz, problems = parse_quiz("quizzes/edge.md", result.markdown)
    assert problems == []
    return result, {q.id: q for q in quiz.questions}


def test_refusals_name_the_source_line_and_no_line_of_the_written_file():
    result, _ = _converted()
    assert [(r.line, r.message) for r in result.refusals] == [
        (5, "the choice has no text"), (7, "the same choice appears twice")]


def test_title_without_closing_colons_is_no_title_as_in_moodle():
    _, questions = _converted()
    assert questions["q-line-1"].stem == "No closing title"


def test_short_answers_keep_moodle_matching():
    _, questions = _converted()
    wild = questions["wild"].accepted[0].pattern
    assert regex_matches("Blue", wild) and regex_matches("bl", wild) and not regex_matches("abl", wild)
    number = questions["num-text"]
    assert number.kind == "text"  # "42.0" is not the text "42" in Moodle's short answer
    assert regex_matches("42", number.accepted[0].pattern)
    assert not regex_matches("42.0", number.accepted[0].pattern)


def test_html_paragraph_and_multi_line_text():
    _, questions = _converted()
    assert questions["q-line-13"].stem_html == "Which is <b>bold</b>?"
    multi = questions["multi"]
    assert multi.stem == "What" and "spans lines" in multi.body_html and "with an escape?" in multi.body_html
