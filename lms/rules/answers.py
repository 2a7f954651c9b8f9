"""What a learner's answer means: text normalisation, numbers, and safe saving.

Shared by the quiz parser (to tell numeric keys from text keys the same way the
grader reads answers) and by grading. Everything here is total: any input, however
odd, gives a value or ``None``, never an exception.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

# Longer answers are refused rather than matched: a regex key must never be run
# against megabytes of text, and nobody's short answer is this long.
MAX_ANSWER_CHARS = 10_000
# A saved multiple-choice answer never needs more ids than this.
MAX_CHOICES_PER_ANSWER = 100
# Save sequence numbers are stored in a 64-bit column (clients send ms timestamps).
MAX_SEQ = 2**63 - 1

# Why an answer is refused (docs/api.md "Saving answers").
UNKNOWN_QUESTION = "unknown_question"
# In English for API clients; the exam page puts the codes into the learner's words.
PROBLEM_TEXT = {
    "unknown_question": "No such question in this attempt.",
    "answer_too_long": f"An answer can be at most {MAX_ANSWER_CHARS:,} characters.",
    "not_a_choice": "Not one of this question's choices.",
    "invalid_answer": "Not a valid answer for this type of question.",
}
ANSWER_TOO_LONG = "answer_too_long"
NOT_A_CHOICE = "not_a_choice"
INVALID_ANSWER = "invalid_answer"

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
# NFKC leaves these minus signs alone; learners on Japanese keyboards type them.
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\u30fc": "-"})


def normalise_text(value: str) -> str:
    """Fold the differences text answers ignore: width (NFKC), case, spacing."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(folded.split())


def parse_number(value: object) -> float | None:
    """Read a number as a learner or author writes it, or None.

    Accepts full-width digits, thousands separators ("1,000", "１，０００"),
    a trailing percent sign and surrounding spaces. Infinity and NaN are not numbers.
    """
    if not isinstance(value, str) or len(value) > 100:
        return None
    text = unicodedata.normalize("NFKC", value).translate(_MINUS_SIGNS)
    text = "".join(text.split()).lower()
    if text.endswith("%"):
        text = text[:-1]
    if _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def text_matches(answer: str, text: str) -> bool:
    return normalise_text(answer) == normalise_text(text)


def regex_matches(answer: str, pattern: str) -> bool:
    """``pattern`` must match the whole normalised answer, ignoring case."""
    compiled = compile_answer_pattern(pattern)
    return compiled is not None and compiled.fullmatch(normalise_text(answer)) is not None


def compile_answer_pattern(pattern: str) -> re.Pattern[str] | None:
    # The pattern is normalised like the answers, so a full-width character in a
    # key matches its half-width form in an answer.
    try:
        return re.compile(unicodedata.normalize("NFKC", pattern), re.IGNORECASE)
    except (re.error, RecursionError, OverflowError):
        return None


def number_matches(answer: str, value: float, tolerance: float) -> bool:
    number = parse_number(answer)
    if number is None:
        return False
    # A hair of slack so "0.3" matches a key of 0.1 + 0.2 written as 0.3 +- 0.
    slack = 1e-9 * max(1.0, abs(value))
    return abs(number - value) <= tolerance + slack


def normalise_newlines(value: str) -> str:
    """Browsers post line breaks as CRLF; a text answer is kept with LF only, so a
    ``maxlength`` the browser counted in LF characters holds on the server too."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def clean_answer(question: Mapping[str, Any], value: object) -> str | list[str] | None:
    """The storable form of one answer to a snapshot question, or None if unusable.

    single → a choice id; multiple → a list of distinct choice ids (in choice order);
    text, numeric and essay → a string of at most MAX_ANSWER_CHARS characters.
    """
    kind = question.get("kind")
    choice_ids = [c.get("id") for c in question.get("choices", ())]
    if kind == "single":
        return value if isinstance(value, str) and value in choice_ids else None
    if kind == "multiple":
        if not isinstance(value, (list, tuple)) or len(value) > MAX_CHOICES_PER_ANSWER:
            return None
        if not all(isinstance(v, str) and v in choice_ids for v in value):
            return None
        return [cid for cid in choice_ids if cid in value]
    if kind in {"text", "numeric", "essay"}:
        # A JSON number (40, 40.3) is what API clients naturally send for a numeric
        # question; it is kept as the string it reads as, not silently dropped.
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10 ** 100:
            value = str(value)
        elif isinstance(value, float) and math.isfinite(value):
            value = str(value)
        if isinstance(value, str):
            value = normalise_newlines(value)
            if len(value) <= MAX_ANSWER_CHARS:
                return value
    return None


def answer_problem(question: Mapping[str, Any] | None, value: object) -> str | None:
    """Why ``value`` cannot be saved as the answer to ``question``, or None if it can."""
    if question is None:
        return UNKNOWN_QUESTION
    if value is None or value == [] or value == "" or clean_answer(question, value) is not None:
        return None
    kind = question.get("kind")
    if kind in {"text", "numeric", "essay"} and isinstance(value, str):
        return ANSWER_TOO_LONG
    if kind in {"single", "multiple"} and (isinstance(value, str) or (
            isinstance(value, list) and len(value) <= MAX_CHOICES_PER_ANSWER
            and all(isinstance(v, str) for v in value))):
        return NOT_A_CHOICE
    return INVALID_ANSWER


def answer_problems(incoming: Mapping[str, Any],
                    snapshot: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Question id → why its answer is refused, for every answer in ``incoming`` that
    would not be stored as sent (an answer is stored or refused, never dropped)."""
    questions = {q.get("id"): q for q in snapshot}
    problems = {}
    for question_id, value in incoming.items():
        question = questions.get(question_id) if isinstance(question_id, str) else None
        problem = answer_problem(question, value)
        if problem:
            problems[str(question_id)[:100]] = problem
    return problems


def merge_answers(saved: Mapping[str, Any], incoming: object,
                  snapshot: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Saved answers with ``incoming`` merged in (autosave merges: docs/api.md).

    Unknown question ids and unusable values are dropped; ``None`` or an empty
    list clears an answer.
    """
    merged = dict(saved)
    if not isinstance(incoming, Mapping):
        return merged
    questions = {q.get("id"): q for q in snapshot}
    for question_id, value in incoming.items():
        question = questions.get(question_id) if isinstance(question_id, str) else None
        if question is None:
            continue
        if value is None or value == [] or value == "":
            merged.pop(question_id, None)
            continue
        cleaned = clean_answer(question, value)
        if cleaned is not None:
            merged[question_id] = cleaned
    return merged


def seq_out_of_range(seq: object) -> bool:
    """An integer seq too large to store (a 422, not a stale 409 or a 500)."""
    return isinstance(seq, int) and not isinstance(seq, bool) and abs(seq) > MAX_SEQ


def is_newer_save(last_seq: int | None, seq: object) -> bool:
    """A save must carry a sequence number greater than the last one kept (409 otherwise)."""
    if isinstance(seq, bool) or not isinstance(seq, int):
        return False
    return last_seq is None or seq > last_seq
