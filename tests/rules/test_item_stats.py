"""Item statistics on a small example computed by hand."""

import math
import random

import pytest

from lms.rules.grading import grade, snapshot_questions
from lms.rules.item_stats import AttemptScores, attempt_scores, question_stats, quiz_summary

# Four attempts, two one-point questions and one two-point question.
#            q1  q2  q3 (of 2)  total  percent
# attempt A   1   1   2          4/4    100
# attempt B   1   0   1          2/4     50
# attempt C   0   1   0          1/4     25
# attempt D   0   0   1          1/4     25
ATTEMPTS = [
    AttemptScores({"q1": (1, 1), "q2": (1, 1), "q3": (2, 2)}, 100.0, True),
    AttemptScores({"q1": (1, 1), "q2": (0, 1), "q3": (1, 2)}, 50.0, False),
    AttemptScores({"q1": (0, 1), "q2": (1, 1), "q3": (0, 2)}, 25.0, False),
    AttemptScores({"q1": (0, 1), "q2": (0, 1), "q3": (1, 2)}, 25.0, None),
]


def by_id(stats):
    return {s.id: s for s in stats}


def test_facility_is_the_mean_fraction_earned():
    stats = by_id(question_stats(ATTEMPTS))
    assert stats["q1"].facility == 0.5
    assert stats["q2"].facility == 0.5
    assert stats["q3"].facility == 0.5  # (1 + 0.5 + 0 + 0.5) / 4
    assert stats["q3"].mean_earned == 1.0
    assert stats["q3"].max_points == 2
    assert all(s.count == 4 for s in stats.values())


def test_discrimination_is_the_correlation_with_the_rest_of_the_test():
    # q1: x = (1, 1, 0, 0); rest = (3/3, 1/3, 1/3, 1/3) → mean 0.5, rest mean 0.5.
    # cov = [0.5·0.5 + 0.5·(−1/6) + (−0.5)(−1/6) + (−0.5)(−1/6)] / 3 = (1/3) / 3 = 1/9
    # var x = 1/3, var rest = [0.25 + 3·(1/36)] / 3 = 1/9 → r = (1/9) / sqrt(1/27) = sqrt(3)/3
    q1 = by_id(question_stats(ATTEMPTS))["q1"]
    assert q1.discrimination == pytest.approx(math.sqrt(3) / 3)
    # Sorted pairing gives the same order here, so efficiency is 1.
    assert q1.efficiency == pytest.approx(1.0)
    assert q1.sd == pytest.approx(math.sqrt(1 / 3))


def test_a_question_favouring_weaker_candidates_is_flagged():
    # Only the candidates who miss b and c get a right: a wrong key, typically.
    attempts = [
        AttemptScores({"a": (0, 1), "b": (1, 1), "c": (1, 1)}, 66.7),
        AttemptScores({"a": (0, 1), "b": (1, 1), "c": (1, 1)}, 66.7),
        AttemptScores({"a": (1, 1), "b": (0, 1), "c": (0, 1)}, 33.3),
        AttemptScores({"a": (1, 1), "b": (0, 1), "c": (1, 1)}, 66.7),
        AttemptScores({"a": (0, 1), "b": (1, 1), "c": (0, 1)}, 33.3),
    ]
    stats = by_id(question_stats(attempts))
    assert stats["a"].discrimination < 0
    assert "negative_discrimination" in stats["a"].flags


def test_flags_need_enough_attempts_and_extreme_facility_is_flagged():
    assert all(s.flags == () for s in question_stats(ATTEMPTS))  # 4 < 5 attempts
    easy = [AttemptScores({"e": (1, 1), "h": (0, 1), "m": (i % 2, 1)}, 50.0) for i in range(6)]
    stats = by_id(question_stats(easy))
    assert "very_easy" in stats["e"].flags
    assert "very_hard" in stats["h"].flags
    assert stats["e"].discrimination is None  # no spread: undefined, not 0
    assert by_id(question_stats(ATTEMPTS, min_attempts_for_flags=1))["q1"].flags == ()


def test_questions_drawn_in_only_some_attempts_count_only_there():
    attempts = [
        AttemptScores({"a": (1, 1), "b": (1, 1)}, 100.0),
        AttemptScores({"a": (0, 1), "c": (1, 1)}, 50.0),
    ]
    stats = by_id(question_stats(attempts))
    assert stats["b"].count == 1 and stats["c"].count == 1 and stats["a"].count == 2
    assert stats["b"].discrimination is None


def test_single_question_quiz_has_no_rest_of_test():
    attempts = [AttemptScores({"a": (1, 1)}, 100.0), AttemptScores({"a": (0, 1)}, 0.0)]
    assert question_stats(attempts)[0].discrimination is None


def test_quiz_summary():
    summary = quiz_summary(ATTEMPTS)
    assert summary.attempts == 4
    assert summary.passed == 1
    assert summary.pass_rate == pytest.approx(1 / 3)  # the pending attempt is not decided
    assert summary.average_percent == 50.0
    assert summary.median_percent == 37.5
    empty = quiz_summary([])
    assert empty.attempts == 0 and empty.pass_rate is None and empty.average_percent is None
    assert question_stats([]) == []


def test_attempt_scores_from_a_grade_leave_out_pending_essays(make_quiz):
    quiz = make_quiz("## A {id=a}\n= yes\n## E {id=e essay points=5}\n", "title: T\nshuffle: false")
    snap = snapshot_questions(quiz, random.Random(0))
    scores = attempt_scores(grade(snap, {"a": "yes", "e": "essay"}), None)
    assert scores.items == {"a": (1.0, 1.0)}
    assert scores.passed is None
