"""Snapshots, grading and review: pure, no app."""

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.content.quizzes import parse_quiz
from lms.content.severity import is_warning
from lms.rules.answers import clean_answer, is_newer_save, merge_answers, parse_number
from lms.rules.grading import grade, public_questions, review_for, snapshot_questions

EXAM = """\
## Margin {id=margin}
Longer text.
- ( ) 20%
- (x) 30%
- ( ) 40%
> Base 30%.

## Levels {id=levels points=2}
- [x] Bronze
- [x] Silver
- [x] Gold
- [ ] Platinum

## Levels partial {id=partial points=3 partial}
- [x] Bronze
- [x] Silver
- [x] Gold
- [ ] Platinum

## TTFD {id=ttfd}
= Time To First Deal
= /time[- ]?to[- ]?first[- ]?deal/

## Max margin {id=max}
= 40 +- 0.5
= 1,000

## Explain {id=essay essay points=10}
"""


@pytest.fixture(scope="module")
def quiz(make_quiz):
    return make_quiz(EXAM, "title: Exam\nshuffle: false")


@pytest.fixture(scope="module")
def snapshot(quiz):
    return snapshot_questions(quiz, random.Random(1))


def choice_ids(snapshot, question_id, correct=None):
    question = next(q for q in snapshot if q["id"] == question_id)
    return [c["id"] for c in question["choices"] if correct is None or c["correct"] == correct]


def perfect_answers(snapshot):
    answers = {}
    for q in snapshot:
        right = [c["id"] for c in q["choices"] if c["correct"]]
        if q["kind"] == "single":
            answers[q["id"]] = right[0]
        elif q["kind"] == "multiple":
            answers[q["id"]] = right
        elif q["accepted"]:
            key = q["accepted"][0]
            answers[q["id"]] = key.get("text") or str(key.get("value"))
        else:
            answers[q["id"]] = "An essay."
    return answers


def essay_full_marks(snapshot):
    return {q["id"]: q["points"] for q in snapshot if q["kind"] == "essay"}


def earned(snapshot, question_id, answer, **kw):
    return grade(snapshot, {question_id: answer}, **kw).result_for(question_id).earned


# --- snapshot ------------------------------------------------------------------------


def test_snapshot_is_json_and_keeps_everything_needed_to_grade(snapshot):
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert [q["id"] for q in snapshot] == ["margin", "levels", "partial", "ttfd", "max", "essay"]
    first = snapshot[0]
    assert set(first) >= {"id", "kind", "stem_html", "body_html", "points", "partial", "choices",
                          "accepted", "explanation_html"}
    assert [c["correct"] for c in first["choices"]] == [False, True, False]
    assert snapshot[3]["accepted"] == [
        {"kind": "text", "text": "Time To First Deal"},
        {"kind": "regex", "pattern": "time[- ]?to[- ]?first[- ]?deal"},
    ]
    assert snapshot[4]["accepted"][0] == {"kind": "number", "value": 40.0, "tolerance": 0.5}


def test_snapshot_is_deterministic_for_a_seed_and_draws_the_right_number(make_quiz):
    quiz = make_quiz(EXAM, "title: Exam\ndraw: 3")
    one = snapshot_questions(quiz, random.Random(42))
    two = snapshot_questions(quiz, random.Random(42))
    assert one == two
    assert len(one) == 3
    assert len({q["id"] for q in one}) == 3
    seen = {tuple(q["id"] for q in snapshot_questions(quiz, random.Random(seed))) for seed in range(40)}
    assert len(seen) > 5  # different attempts get different draws and orders


def test_a_draw_above_the_question_count_serves_every_question():
    # "draw: 20" over five questions: a warning, not an error.
    quiz, problems = parse_quiz("quizzes/test.md", f"---\ntitle: Exam\ndraw: 20\n---\n{EXAM}")
    assert quiz is not None and all(is_warning(p) for p in problems)
    snapshot = snapshot_questions(quiz, random.Random(1))
    assert sorted(q["id"] for q in snapshot) == sorted(q.id for q in quiz.questions)


def test_shuffle_keeps_every_choice_and_changes_orders(make_quiz):
    quiz = make_quiz(EXAM, "title: Exam")
    orders = set()
    for seed in range(30):
        snap = snapshot_questions(quiz, random.Random(seed))
        levels = next(q for q in snap if q["id"] == "levels")
        assert sorted(c["html"] for c in levels["choices"]) == ["Bronze", "Gold", "Platinum", "Silver"]
        orders.add(tuple(c["html"] for c in levels["choices"]))
        assert {q["id"] for q in snap} == {q.id for q in quiz.questions}
    assert len(orders) > 1


def test_no_shuffle_keeps_file_order_even_when_drawing(make_quiz):
    quiz = make_quiz(EXAM, "title: Exam\nshuffle: false\ndraw: 4")
    file_order = [q.id for q in quiz.questions]
    for seed in range(10):
        ids = [q["id"] for q in snapshot_questions(quiz, random.Random(seed))]
        assert ids == sorted(ids, key=file_order.index)


def test_public_questions_leak_no_key(snapshot):
    public = public_questions(snapshot)
    assert [q["type"] for q in public] == ["single", "multiple", "multiple", "text", "numeric", "essay"]
    for question in public:
        assert set(question) == {"id", "type", "stem_html", "body_html", "points", "choices"}
        for choice in question["choices"]:
            assert set(choice) == {"id", "html"}
    text = json.dumps(public)
    for secret in ('"correct"', "accepted", "explanation", "Base 30%", "Time To First Deal",
                   "first[- ]", "40.0", "\"partial\":"):
        assert secret not in text


# --- grading by type -----------------------------------------------------------------


def test_single(snapshot):
    right = choice_ids(snapshot, "margin", correct=True)[0]
    wrong = choice_ids(snapshot, "margin", correct=False)[0]
    assert earned(snapshot, "margin", right) == 1
    assert earned(snapshot, "margin", wrong) == 0


def test_multiple_is_all_or_nothing(snapshot):
    right = choice_ids(snapshot, "levels", correct=True)
    wrong = choice_ids(snapshot, "levels", correct=False)
    assert earned(snapshot, "levels", right) == 2
    assert earned(snapshot, "levels", list(reversed(right))) == 2
    assert earned(snapshot, "levels", right[:2]) == 0
    assert earned(snapshot, "levels", right + wrong) == 0


def test_partial_credit_follows_the_spec_formula(snapshot):
    right = choice_ids(snapshot, "partial", correct=True)  # 3 right, 3 points
    wrong = choice_ids(snapshot, "partial", correct=False)
    assert earned(snapshot, "partial", right) == 3
    assert earned(snapshot, "partial", right[:2]) == pytest.approx(2)  # (2 - 0) / 3 × 3
    assert earned(snapshot, "partial", right[:2] + wrong) == pytest.approx(1)  # (2 - 1) / 3 × 3
    assert earned(snapshot, "partial", right[:1] + wrong) == 0  # (1 - 1) / 3
    assert earned(snapshot, "partial", wrong) == 0  # never below 0


@pytest.mark.parametrize("answer, right", [
    ("Time To First Deal", True),
    ("  time   to first DEAL ", True),
    ("ｔｉｍｅ　ｔｏ　ｆｉｒｓｔ　ｄｅａｌ", True),  # full-width letters and space
    ("Time-To-First-Deal", True),  # via the regex, which must match the whole answer
    ("timetofirstdeal", True),
    ("the time to first deal", False),
    ("Time To First", False),
    ("", False),
])
def test_text(snapshot, answer, right):
    assert earned(snapshot, "ttfd", answer) == (1 if right else 0)


def test_text_matching_is_nfkc_both_ways(make_quiz):
    quiz = make_quiz("## Abbr {id=q}\n= ｔｔｆｄ\n", "title: T\nshuffle: false")
    snap = snapshot_questions(quiz, random.Random(0))
    assert earned(snap, "q", "TTFD") == 1
    assert earned(snap, "q", "ＴＴＦＤ") == 1


@pytest.mark.parametrize("answer, right", [
    ("40", True), ("40.5", True), ("39.5", True), ("40.6", False), ("39", False),
    ("４０", True), ("40%", True), (" 40 % ", True), ("４０．２", True),
    ("1000", True), ("1,000", True), ("１，０００", True), ("1.000", False),
    ("forty", False), ("nan", False), ("inf", False), ("1e400", False), ("", False),
])
def test_numeric(snapshot, answer, right):
    assert earned(snapshot, "max", answer) == (1 if right else 0)


def test_essay_waits_for_a_trainer_then_counts(snapshot):
    answers = {"essay": "My approach..."}
    pending = grade(snapshot, answers)
    result = pending.result_for("essay")
    assert pending.pending_review and result.needs_review and result.correct is None
    assert pending.passed(80) is None
    scored = grade(snapshot, answers, {"essay": 7})
    assert not scored.pending_review
    assert scored.result_for("essay").earned == 7
    assert grade(snapshot, answers, {"essay": 99}).result_for("essay").earned == 10  # clamped
    assert grade(snapshot, answers, {"essay": -5}).result_for("essay").earned == 0


def test_blank_essay_scores_zero_without_review(snapshot):
    result = grade(snapshot, {"essay": "   "})
    assert not result.pending_review
    assert result.result_for("essay").earned == 0


def test_totals_percent_and_pass_mark(snapshot):
    perfect = grade(snapshot, perfect_answers(snapshot), essay_full_marks(snapshot))
    assert perfect.total == 1 + 2 + 3 + 1 + 1 + 10
    assert perfect.score == perfect.total
    assert perfect.percent == 100
    assert perfect.passed(100) is True
    nothing = grade(snapshot, {}, {})
    assert nothing.score == 0 and nothing.percent == 0 and nothing.passed(80) is False
    assert all(r.earned == 0 and not r.answered for r in nothing.results)
    # 16 of 18 points is 88.9 %: passes 80, fails 90.
    answers = perfect_answers(snapshot)
    answers["levels"] = []
    almost = grade(snapshot, answers, essay_full_marks(snapshot))
    assert almost.score == 16 and almost.passed(80) and not almost.passed(90)


@pytest.mark.parametrize("garbage", [
    None, 1, 1.5, True, [], {}, ["x"], [["nested"]], {"a": 1}, "x" * 1_000_000, [None],
    ["c-doesnotexist"], float("nan"), object(),
])
def test_garbage_answers_score_zero_and_never_raise(snapshot, garbage):
    answers = {q["id"]: garbage for q in snapshot}
    result = grade(snapshot, answers, {"essay": "ten"})
    assert result.score == 0


def test_garbage_containers_never_raise(snapshot):
    for answers in (None, [], "text", 3, {1: 2, None: "x"}):
        assert grade(snapshot, answers).score == 0
    assert grade(snapshot, {}, essay_scores=None).score == 0
    assert grade(snapshot, {"essay": "x"}, {"essay": 10 ** 400}).pending_review


# --- properties ----------------------------------------------------------------------

_ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_score_is_between_zero_and_total_for_any_answers(snapshot, data):
    ids = [q["id"] for q in snapshot]
    choice_pool = [c["id"] for q in snapshot for c in q["choices"]]
    value = _ANY_VALUE | st.sampled_from(choice_pool) | st.lists(st.sampled_from(choice_pool), max_size=6)
    answers = data.draw(st.dictionaries(st.sampled_from(ids) | st.text(max_size=5), value))
    essay = data.draw(st.dictionaries(st.just("essay"), st.floats() | st.integers()))
    result = grade(snapshot, answers, essay)
    assert 0 <= result.score <= result.total
    assert 0 <= result.percent <= 100
    for r in result.results:
        assert 0 <= r.earned <= r.points


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_partial_credit_is_never_negative(snapshot, data):
    ids = choice_ids(snapshot, "partial")
    ticked = data.draw(st.lists(st.sampled_from(ids), unique=True))
    assert 0 <= earned(snapshot, "partial", ticked) <= 3


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(), draw=st.integers(min_value=1, max_value=6), shuffle=st.booleans())
def test_a_perfect_answer_set_always_scores_100(make_quiz, seed, draw, shuffle):
    quiz = make_quiz(EXAM, f"title: Exam\ndraw: {draw}\nshuffle: {str(shuffle).lower()}")
    snap = snapshot_questions(quiz, random.Random(seed))
    result = grade(snap, perfect_answers(snap), essay_full_marks(snap))
    assert result.percent == 100
    assert all(r.correct for r in result.results)


# --- review --------------------------------------------------------------------------


def test_review_modes(snapshot):
    answers = perfect_answers(snapshot)
    result = grade(snapshot, answers, essay_full_marks(snapshot))
    assert review_for(snapshot, result, answers, "never", True) is None
    assert review_for(snapshot, result, answers, "after_pass", False) is None
    assert review_for(snapshot, result, answers, "after_pass", None) is None
    assert review_for(snapshot, result, answers, "after_pass", True) is not None
    shown = review_for(snapshot, result, answers, "after_submit", False)
    margin = shown[0]
    assert margin["correct"] is True
    assert "Base 30%" in margin["explanation_html"]
    assert [c["correct"] for c in margin["choices"]] == [False, True, False]
    assert [c["selected"] for c in margin["choices"]] == [False, True, False]
    assert shown[3]["accepted"] == ["Time To First Deal"]  # regex keys are not shown
    assert shown[4]["accepted"] == ["40 ± 0.5", "1000"]
    assert json.loads(json.dumps(shown)) == shown


def test_review_survives_garbage_saved_answers(snapshot):
    answers = {"margin": {"x": 1}, "levels": [1, "a"], "ttfd": 5}
    result = grade(snapshot, answers)
    shown = review_for(snapshot, result, answers, "after_submit", False)
    assert shown[0]["answer"] is None and shown[1]["answer"] == ["a"] and shown[3]["answer"] is None


# --- saving answers ------------------------------------------------------------------


def test_merge_answers_keeps_only_usable_values(snapshot):
    right = choice_ids(snapshot, "levels", correct=True)
    saved = {"ttfd": "old"}
    merged = merge_answers(saved, {
        "margin": choice_ids(snapshot, "margin")[0],
        "levels": list(reversed(right)),
        "ttfd": None,  # clears
        "max": "40",
        "unknown": "x",
        "essay": "x" * 20_000,  # too long: dropped
    }, snapshot)
    assert saved == {"ttfd": "old"}  # not mutated
    assert merged == {"margin": choice_ids(snapshot, "margin")[0], "levels": right, "max": "40"}
    assert merge_answers({}, "not a mapping", snapshot) == {}
    question = snapshot[0]
    assert clean_answer(question, "c-unknown") is None
    assert clean_answer(snapshot[1], [right[0], 3]) is None


def test_a_json_number_answers_a_numeric_or_text_question(snapshot):
    numeric = next(q for q in snapshot if q["kind"] == "numeric")
    assert clean_answer(numeric, 40) == "40"
    assert clean_answer(numeric, 39.6) == "39.6"
    results = grade(snapshot, merge_answers({}, {numeric["id"]: 40}, snapshot)).results
    assert next(r for r in results if r.id == numeric["id"]).correct is True  # key: 40 +- 0.5
    assert clean_answer(numeric, True) is None
    assert clean_answer(numeric, float("nan")) is None
    assert clean_answer(numeric, 10 ** 400) is None


def test_save_sequence_numbers():
    assert is_newer_save(None, 1)
    assert is_newer_save(3, 4)
    assert not is_newer_save(3, 3)
    assert not is_newer_save(3, 2)
    assert not is_newer_save(3, "4")
    assert not is_newer_save(3, True)


def test_parse_number():
    assert parse_number("１，２３４．５") == 1234.5
    assert parse_number("−3") == -3
    assert parse_number("1,23") is None
    assert parse_number("12%") == 12
    assert parse_number(None) is None
