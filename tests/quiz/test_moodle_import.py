"""Moodle GIFT and Aiken files converted by `lms import-quiz`, then answered through the API.

tests/fixtures/moodle/gift-docs.txt holds the examples of Moodle's GIFT documentation
(written out again) and a few more; each converted question must score what Moodle's
question types score, and each one that cannot be expressed is reported by its line.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from lms.cli import main
from lms.content.quizzes import parse_quiz
from tests.web.helpers import app_on, copy_fixture_content

MOODLE = Path(__file__).parents[1] / "fixtures" / "moodle"
GIFT = MOODLE / "gift-docs.txt"
AIKEN = MOODLE / "aiken-sample.txt"

# Lines of gift-docs.txt Moodle imports but a quiz file cannot express, or that are broken.
GIFT_REFUSED = {
    15: "matching",  # ::Q4:: Which animal eats which food?
    24: "partial credit (50%)",  # ::Q7:: numeric answers with half credit
    75: "matching",
    81: "description",
    91: "partial credit (50%)",  # short answer with a half-credit answer
    93: "braces",
}


def _import(tmp_path, source: Path, source_format: str, slug: str):
    content = copy_fixture_content(tmp_path / "content")
    result = CliRunner().invoke(main, ["import-quiz", str(source), "--format", source_format,
                                       "--slug", slug, "--content", str(content)])
    return content, result


@pytest.fixture()
def gift_api(app, db, make, tmp_path):
    content, result = _import(tmp_path, GIFT, "gift", "moodle-docs")
    assert result.exit_code == 0, result.output
    with app_on(app, CONTENT_DIR=str(content)) as other:
        client = other.test_client()
        headers = {"Authorization": f"Bearer {make.token(make.user('learner', org=make.org()))}"}

        def call(method, path, body=None):
            kwargs = {"headers": headers}
            if body is not None:
                kwargs.update(data=json.dumps(body), content_type="application/json")
            return client.open(f"/api/v1{path}", method=method, **kwargs)

        yield call


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def _answer_attempt(api, wanted: dict[str, object]) -> dict[str, float]:
    """Start an attempt, answer questions found by the start of their stem, submit;
    {stem start: points earned}. Choices are named by their text."""
    attempt = api("POST", "/quizzes/moodle-docs/attempts").json
    by_stem = {}
    for question in attempt["questions"]:
        by_stem.setdefault(_plain(question["stem_html"]), []).append(question)
    answers, asked = {}, {}
    for stem_start, answer in wanted.items():
        matches = [q for stem, qs in by_stem.items() if stem.startswith(stem_start) for q in qs]
        assert len(matches) == 1, (stem_start, list(by_stem))
        question = matches[0]
        asked[question["id"]] = stem_start
        if question["choices"]:
            ids = {_plain(c["html"]): c["id"] for c in question["choices"]}
            answers[question["id"]] = ([ids[a] for a in answer] if isinstance(answer, list)
                                       else ids[answer])
        else:
            answers[question["id"]] = answer
    saved = api("PUT", f"/attempts/{attempt['id']}/answers", {"answers": answers, "seq": 1})
    assert saved.status_code == 200, saved.json
    assert api("POST", f"/attempts/{attempt['id']}/submit").status_code == 200
    review = api("GET", f"/attempts/{attempt['id']}").json["review"]
    return {asked[item["id"]]: item["earned"] for item in review if item["id"] in asked}


def test_gift_refusals_are_reported_by_line_and_the_rest_is_a_valid_quiz(tmp_path):
    content, result = _import(tmp_path, GIFT, "gift", "moodle-docs")
    assert result.exit_code == 0
    reported = {int(m[1]): m[2] for m in re.finditer(r"gift-docs\.txt:(\d+): (.*)", result.stderr)}
    assert set(reported) == set(GIFT_REFUSED), result.stderr
    for line, word in GIFT_REFUSED.items():
        assert word in reported[line], (line, reported[line])
    assert "20 question(s) written" in result.stderr
    text = (content / "quizzes/moodle-docs.md").read_text(encoding="utf-8")
    quiz, problems = parse_quiz("quizzes/moodle-docs.md", text)
    assert problems == [] and quiz is not None and len(quiz.questions) == 20
    kinds = {q.id: q.kind for q in quiz.questions}
    assert kinds["q1"] == "single" and kinds["q5"] == "numeric" and kinds["q8"] == "essay"
    assert "q4" not in kinds and "q7" not in kinds  # matching; half-credit numeric


# Each case: the answer given, and the points Moodle gives for it (every question is worth 1).
RIGHT = {
    "1+1=2": ("True", 1),
    "What's between orange and green": ("yellow", 1),
    "Two plus _____ equals four.": ("2", 1),
    "Grant is _____ in Grant's tomb.": ("entombed", 1),
    "Grant is buried in Grant's tomb.": ("False", 1),
    "The sun rises in the east.": ("True", 1),
    "Two plus two equals _____.": ("FOUR", 1),  # short answers ignore case
    "When was Ulysses S. Grant born?": ("1823", 1),  # 1822:1
    "What is the value of pi": ("3.142", 1),  # 3.141..3.142, ends included
    "What two people are entombed": (["Grant", "Grant's wife"], 1),
    "Which answer equals 5?": ("= 2 + 3", 1),  # \= escapes
    "Which of these is a primary colour?": ("Red", 1),  # [markdown]
    "Which is a GIFT control character": ("{ \\ }", 1),  # \{ \\ \} escapes
    "Grant was born in _____ in Ohio.": ("1822", 1),
    "Which is the best answer?": ("The best", 1),
}
PARTLY = {
    "1+1=2": ("False", 0),
    "Two plus _____ equals four.": ("2.0", 0),  # a short answer is text: "2.0" is not "2"
    "Two plus two equals _____.": ("four ", 1),
    "When was Ulysses S. Grant born?": ("1820", 0),
    "What is the value of pi": ("3.1405", 0),
    "What two people are entombed": (["Grant"], 0.5),
    "Which answer equals 5?": ("= 2 + 4", 0),
    "Which is the best answer?": ("A good one", 0.5),
    "Grant was born in _____ in Ohio.": ("1822.5", 0),
}
WEIGHTS = [
    (["Grant", "No one"], 0),  # 50% − 100%, never below 0
    (["Grant", "Grant's wife", "Grant's father"], 0),  # 100% − 100%
    (["Grant's wife"], 0.5),
    (["Grant", "Grant's wife", "No one", "Grant's father"], 0),
]


@pytest.mark.parametrize("cases", [RIGHT, PARTLY], ids=["right", "partly"])
def test_each_converted_question_scores_what_moodle_gives(gift_api, cases):
    wanted = {stem: case[0] for stem, case in cases.items() }
    earned = _answer_attempt(gift_api, wanted)
    assert earned == {stem: case[1] for stem, case in cases.items() }


@pytest.mark.parametrize(("ticked", "points"), WEIGHTS)
def test_weighted_answers_sum_and_stay_between_0_and_1(gift_api, ticked, points):
    earned = _answer_attempt(gift_api, {"What two people are entombed": ticked})
    assert earned == {"What two people are entombed": points}


def test_numeric_tolerance_and_range_accept_their_ends_only(gift_api):
    for answer, points in (("1821", 1), ("1823", 1), ("1824", 0), ("3.141", 1), ("3.1425", 0)):
        stem = "When was Ulysses" if answer.startswith("18") else "What is the value of pi"
        assert _answer_attempt(gift_api, {stem: answer}) == {stem: points}, answer


def test_gift_range_question_q6_accepts_1_to_5(gift_api):
    attempt = gift_api("POST", "/quizzes/moodle-docs/attempts").json
    q6 = next(q for q in attempt["questions"] if q["id"] == "q6")
    gift_api("PUT", f"/attempts/{attempt['id']}/answers", {"answers": {q6["id"]: "5"}, "seq": 1})
    gift_api("POST", f"/attempts/{attempt['id']}/submit")
    review = gift_api("GET", f"/attempts/{attempt['id']}").json["review"]
    assert next(item for item in review if item["id"] == "q6")["earned"] == 1


def test_aiken_converts_single_answer_questions_and_reports_the_rest(tmp_path):
    content, result = _import(tmp_path, AIKEN, "aiken", "aiken-sample")
    assert result.exit_code == 0, result.output
    assert "aiken-sample.txt:17: ANSWER: Q is not one of the choices A, B" in result.stderr
    assert "aiken-sample.txt:19: the question has no 'ANSWER: X' line" in result.stderr
    quiz, problems = parse_quiz("quizzes/aiken-sample.md",
                                (content / "quizzes/aiken-sample.md").read_text(encoding="utf-8"))
    assert problems == [] and [q.kind for q in quiz.questions] == ["single", "single"]
    right = [next(c.text for c in q.choices if c.correct) for q in quiz.questions]
    assert right == ["Must be this one\\!", "Moodle"]


def test_nothing_convertible_writes_nothing_and_fails(tmp_path):
    source = tmp_path / "only-matching.gift"
    source.write_text("Match. {=a -> b =c -> d}\n", encoding="utf-8")
    content, result = _import(tmp_path, source, "gift", "nothing")
    assert result.exit_code == 1
    assert "only-matching.gift:1: matching" in result.stderr
    assert not (content / "quizzes/nothing.md").exists()


def test_an_existing_quiz_is_not_replaced_without_force(tmp_path):
    content, first = _import(tmp_path, AIKEN, "aiken", "basics-quiz")
    assert first.exit_code == 1 and "exists" in first.output
