"""Choice weights ([50%], [-100%], (50%)): Moodle's partial credit in a quiz file."""

from __future__ import annotations

import random

import pytest

from lms.content.quizzes import parse_quiz
from lms.rules.grading import grade, public_questions, snapshot_questions

HEAD = "---\ntitle: Weights\nshuffle: false\n---\n"


def _quiz(body: str):
    return parse_quiz("quizzes/weights.md", HEAD + body)


def _score(body: str, answer_texts) -> float:
    quiz, problems = _quiz(body)
    assert problems == [] and quiz is not None, problems
    snapshot = snapshot_questions(quiz, random.Random(1))
    question = snapshot[0]
    ids = {c["html"]: c["id"] for c in question["choices"]}
    answer = [ids[t] for t in answer_texts] if isinstance(answer_texts, list) else ids[answer_texts]
    return grade(snapshot, {question["id"]: answer}).score


TOMB = """## Who is entombed in Grant's tomb? {points=2}
- [-100%] No one
- [50%] Grant
- [50%] Grant's wife
- [-100%] Grant's father
"""


@pytest.mark.parametrize(("ticked", "score"), [
    (["Grant", "Grant's wife"], 2), (["Grant"], 1), (["Grant", "No one"], 0),
    (["Grant", "Grant's wife", "No one"], 0), (["No one"], 0),
])
def test_ticked_weights_are_summed_and_kept_between_0_and_the_points(ticked, score):
    assert _score(TOMB, ticked) == score


def test_a_zero_weight_tick_takes_nothing_away():
    body = "## Pick {id=p}\n- [100%] Right\n- [ ] Harmless\n"
    assert _score(body, ["Right", "Harmless"]) == 1


def test_thirds_make_a_whole():
    body = "## Pick three\n- [33.33333%] A\n- [33.33333%] B\n- [33.33333%] C\n- [ ] D\n"
    assert _score(body, ["A", "B", "C"]) == 1


def test_a_weighted_single_choice_gives_its_share():
    body = "## Best?\n- (x) Best\n- (50%) Good\n- ( ) Bad\n"
    assert (_score(body, "Best"), _score(body, "Good"), _score(body, "Bad")) == (1, 0.5, 0)


def test_weights_never_reach_the_learner():
    quiz, _ = _quiz(TOMB)
    public = public_questions(snapshot_questions(quiz, random.Random(1)))
    assert "weight" not in repr(public) and "100" not in repr(public)


@pytest.mark.parametrize(("body", "line", "message"), [
    ("## Q\n- (x) A\n- (-50%) B\n", 7, "must be from 0% to 100%"),
    ("## Q\n- [150%] A\n- [ ] B\n", 6, "must be from -100% to 100%"),
    ("## Q {partial}\n- [50%] A\n- [50%] B\n", 5, "'partial' and choice weights do not mix"),
    ("## Q\n- [-50%] A\n- [ ] B\n", 5, "at least one [x] or a weight above 0%"),
])
def test_bad_weights_are_errors_on_their_line(body, line, message):
    quiz, problems = _quiz(body)
    assert quiz is None
    assert [(p.line, message in p.message) for p in problems] == [(line, True)], problems
