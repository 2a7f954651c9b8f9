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
        if isinstance(value, str) and len(value) <= MAX_ANSWER_CHARS:
            return value
    return None


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


def is_newer_save(last_seq: int | None, seq: object) -> bool:
    """A save must carry a sequence number greater than the last one kept (409 otherwise)."""
    if isinstance(seq, bool) or not isinstance(seq, int):
        return False
    return last_seq is None or seq > last_seq
