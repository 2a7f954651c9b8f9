"""Why an answer is refused, and CRLF folding: pure functions, no app."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.rules.answers import (MAX_ANSWER_CHARS, MAX_SEQ, answer_problems, clean_answer,
                               normalise_newlines, seq_out_of_range)

SNAPSHOT = [
    {"id": "one", "kind": "single", "choices": [{"id": "c-a"}, {"id": "c-b"}]},
    {"id": "many", "kind": "multiple", "choices": [{"id": "c-x"}, {"id": "c-y"}]},
    {"id": "essay", "kind": "essay", "choices": []},
    {"id": "num", "kind": "numeric", "choices": []},
]


def test_line_breaks_are_counted_as_lf():
    assert normalise_newlines("a\r\nb\rc\nd") == "a\nb\nc\nd"
    text = "\n".join(["x" * 999] * 10)  # 9,999 characters; 10,008 as CRLF
    assert clean_answer(SNAPSHOT[2], text.replace("\n", "\r\n")) == text
    assert clean_answer(SNAPSHOT[2], "x" * (MAX_ANSWER_CHARS + 1)) is None


def test_every_refused_answer_has_a_reason():
    assert answer_problems({"one": "c-a", "many": ["c-y"], "essay": "ok", "num": 40,
                            "one ": None, "essay2": ""}, SNAPSHOT) == {
        "one ": "unknown_question", "essay2": "unknown_question"}
    assert answer_problems({"one": "c-x", "many": ["c-a"], "essay": "x" * 10_001,
                            "num": {"v": 1}, 7: "x"}, SNAPSHOT) == {
        "one": "not_a_choice", "many": "not_a_choice", "essay": "answer_too_long",
        "num": "invalid_answer", "7": "unknown_question"}
    assert answer_problems({"one": None, "many": [], "essay": ""}, SNAPSHOT) == {}  # clears


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["one", "many", "essay", "num", "zzz"]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                                 st.text(max_size=20), st.lists(st.text(max_size=5), max_size=3),
                                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))))
def test_an_answer_is_either_cleanly_storable_or_has_a_reason(incoming):
    problems = answer_problems(incoming, SNAPSHOT)
    questions = {q["id"]: q for q in SNAPSHOT}
    for question_id, value in incoming.items():
        if question_id in problems:
            continue
        assert value in (None, "", []) or clean_answer(questions[question_id], value) is not None


def test_seq_range():
    assert not seq_out_of_range(MAX_SEQ) and not seq_out_of_range(-MAX_SEQ)
    assert seq_out_of_range(MAX_SEQ + 1) and seq_out_of_range(-(MAX_SEQ + 2))
    assert not seq_out_of_range("99999999999999999999999") and not seq_out_of_range(True)
