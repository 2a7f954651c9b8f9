"""Per-attempt question snapshots, grading and review.

An attempt stores the snapshot made when it starts (``snapshot_questions``): the
questions it served with their keys and points, as plain JSON. Grading and review read
only that snapshot, so editing the quiz file later never changes a finished attempt.
Nothing here reads the clock, the request or the database.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lms.content.quiz_questions import NumericAnswer, Question, RegexAnswer, TextAnswer
from lms.rules.answers import (
    MAX_ANSWER_CHARS,
    MAX_CHOICES_PER_ANSWER,
    number_matches,
    regex_matches,
    text_matches,
)

Snapshot = list[dict[str, Any]]

# Rounding away float noise: 3 × (1/3) must give 100 %, not 99.99999999999999.
_PRECISION = 9


# --- snapshot ------------------------------------------------------------------------


def snapshot_questions(quiz, rng: random.Random) -> Snapshot:
    """The questions one attempt serves: ``draw`` of them, shuffled if the quiz says so.

    Deterministic for a given ``rng`` state. Each entry::

        {"id", "kind", "stem", "stem_html", "body_html", "points", "partial",
         "choices": [{"id", "html", "correct"[, "weight"]}],
         "accepted": [{"kind": "text", "text"} | {"kind": "regex", "pattern"}
                      | {"kind": "number", "value", "tolerance"}],
         "explanation_html", "rubric_html"}

    ``rubric_html`` is for trainers grading the attempt; the learner-facing views below
    build their output from allowlists that leave it out.
    """
    questions = list(quiz.questions)
    if quiz.draw is not None and quiz.draw < len(questions):
        drawn = set(rng.sample(range(len(questions)), quiz.draw))
        questions = [q for i, q in enumerate(questions) if i in drawn]
    if quiz.shuffle:
        rng.shuffle(questions)
    return [_snapshot_question(q, rng if quiz.shuffle else None) for q in questions]


def file_order_questions(quiz) -> Snapshot:
    """Every question of the file, in authored order with choices unshuffled (for preview)."""
    return [_snapshot_question(q, None) for q in quiz.questions]


def _snapshot_question(question: Question, rng: random.Random | None) -> dict[str, Any]:
    choices = [{"id": c.id, "html": c.html, "correct": c.correct}
               | ({"weight": c.weight} if c.weight is not None else {})
               for c in question.choices]
    if rng is not None:
        rng.shuffle(choices)
    return {
        "id": question.id,
        "kind": question.kind,
        "stem": question.stem,
        "stem_html": question.stem_html,
        "body_html": question.body_html,
        "points": question.points,
        "partial": question.partial,
        "choices": choices,
        "accepted": [_snapshot_answer(a) for a in question.accepted],
        "explanation_html": question.explanation_html,
        "rubric_html": question.rubric_html,
    }


def _snapshot_answer(answer) -> dict[str, Any]:
    if isinstance(answer, TextAnswer):
        return {"kind": "text", "text": answer.text}
    if isinstance(answer, RegexAnswer):
        return {"kind": "regex", "pattern": answer.pattern}
    if isinstance(answer, NumericAnswer):
        return {"kind": "number", "value": answer.value, "tolerance": answer.tolerance}
    raise TypeError(f"unknown answer type {type(answer).__name__}")


def public_questions(snapshot: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the learner's browser may see during an attempt (docs/api.md): no key, no explanation.

    Built from an allowlist of keys, so nothing added to the snapshot later can leak:
    ``{id, type, stem_html, body_html, points, choices: [{id, html}]}``.
    ``body_html`` (the optional longer question text) is included too.
    """
    return [
        {
            "id": q["id"],
            "type": q["kind"],
            "stem_html": q["stem_html"],
            "body_html": q.get("body_html", ""),
            "points": q["points"],
            "choices": [{"id": c["id"], "html": c["html"]} for c in q.get("choices", ())],
        }
        for q in snapshot
    ]


# --- grading -------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    id: str
    earned: float
    points: float
    correct: bool | None  # None: an essay not yet scored; True only for full marks
    needs_review: bool  # an essay answer waiting for a trainer's score
    answered: bool


@dataclass(frozen=True)
class Grade:
    score: float  # points earned so far (essays awaiting review count 0)
    total: float  # points served by the attempt
    percent: float
    results: tuple[QuestionResult, ...]
    pending_review: bool  # some essay awaits a trainer: the result is not final

    def passed(self, pass_mark: float) -> bool | None:
        """Whether ``percent`` reaches ``pass_mark``; None while an essay awaits review."""
        if self.pending_review:
            return None
        return self.percent >= pass_mark

    def result_for(self, question_id: str) -> QuestionResult | None:
        return next((r for r in self.results if r.id == question_id), None)


def grade(snapshot: Sequence[Mapping[str, Any]], answers: object,
          essay_scores: Mapping[str, float] | None = None) -> Grade:
    """Score saved ``answers`` against the attempt's snapshot.

    ``answers`` maps question id → a choice id (single), a list of choice ids
    (multiple) or a string (text, numeric, essay). Any other value, unknown id or
    oversized string scores 0; nothing raises. ``essay_scores`` holds trainers'
    points for essays (clamped to the question's points). A blank essay scores 0
    without review.
    """
    answers = answers if isinstance(answers, Mapping) else {}
    essay_scores = essay_scores if isinstance(essay_scores, Mapping) else {}
    results = tuple(_grade_question(q, answers.get(q["id"]), essay_scores.get(q["id"]))
                    for q in snapshot)
    score = round(sum(r.earned for r in results), _PRECISION)
    total = round(sum(r.points for r in results), _PRECISION)
    percent = round(score * 100 / total, _PRECISION) if total > 0 else 0.0
    return Grade(score=score, total=total, percent=percent, results=results,
                 pending_review=any(r.needs_review for r in results))


def _grade_question(question: Mapping[str, Any], answer: object,
                    essay_score: object) -> QuestionResult:
    points = question["points"]
    kind = question["kind"]
    answered = _is_answered(answer)
    if kind == "essay":
        if not answered:
            return QuestionResult(question["id"], 0, points, False, False, False)
        if not _is_number(essay_score):
            return QuestionResult(question["id"], 0, points, None, True, True)
        earned = min(max(float(essay_score), 0.0), float(points))  # type: ignore[arg-type]
        return QuestionResult(question["id"], earned, points, earned >= points, False, True)
    fraction = _fraction_right(question, answer) if answered else 0.0
    earned = round(fraction * points, _PRECISION)
    return QuestionResult(question["id"], earned, points, fraction == 1.0, False, answered)


def _fraction_right(question: Mapping[str, Any], answer: object) -> float:
    kind = question["kind"]
    choices = question.get("choices", ())
    if kind == "single":
        chosen = next((c for c in choices if c["id"] == answer), None)
        if chosen is not None and _is_number(chosen.get("weight")):
            return min(max(chosen["weight"] / 100, 0.0), 1.0)
        return float(chosen is not None and chosen["correct"])
    if kind == "multiple":
        return _multiple_fraction(choices, answer, bool(question.get("partial")))
    if not isinstance(answer, str) or len(answer) > MAX_ANSWER_CHARS:
        return 0.0
    accepted = question.get("accepted", ())
    if kind == "text":
        return float(any(_text_key_matches(answer, key) for key in accepted))
    if kind == "numeric":
        return float(any(key.get("kind") == "number"
                         and number_matches(answer, key["value"], key["tolerance"])
                         for key in accepted))
    return 0.0


def _text_key_matches(answer: str, key: Mapping[str, Any]) -> bool:
    if key.get("kind") == "regex":
        return regex_matches(answer, key["pattern"])
    if key.get("kind") == "text":
        return text_matches(answer, key["text"])
    return False


def _multiple_fraction(choices, answer: object, partial: bool) -> float:
    if not isinstance(answer, (list, tuple)) or len(answer) > MAX_CHOICES_PER_ANSWER:
        return 0.0
    ids = {c["id"] for c in choices}
    if not all(isinstance(a, str) and a in ids for a in answer):
        return 0.0  # an unknown id means the answer is not ours to interpret
    ticked = set(answer)
    if any(_is_number(c.get("weight")) for c in choices):
        # Weighted choices (as Moodle grades several answers): the ticked weights summed,
        # kept between 0 and the question's points. Rounded to 1/10000 of a percent so
        # three 33.33333% weights make a whole (Moodle counts 0.9999999 as right too).
        total = sum(c.get("weight") or 0 for c in choices if c["id"] in ticked)
        return min(max(round(total, 4) / 100, 0.0), 1.0)
    right = {c["id"] for c in choices if c["correct"]}
    if not partial:
        return float(ticked == right)
    # docs/authoring.en.md: (right ticks − wrong ticks) / right answers, never below 0.
    score = (len(ticked & right) - len(ticked - right)) / len(right) if right else 0.0
    return max(0.0, score)


def _is_answered(answer: object) -> bool:
    if isinstance(answer, str):
        return bool(answer.strip())
    if isinstance(answer, (list, tuple)):
        return len(answer) > 0
    return False


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


# --- review --------------------------------------------------------------------------


def review_allowed(review_mode: str, passed: bool | None) -> bool:
    """Review modes (docs/authoring.en.md): never, after_submit, after_pass (not while a
    result is pending)."""
    if review_mode == "after_submit":
        return True
    if review_mode == "after_pass":
        return passed is True
    return False


def review_for(snapshot: Sequence[Mapping[str, Any]], result: Grade, answers: object,
               review_mode: str, passed: bool | None) -> list[dict[str, Any]] | None:
    """What a closed attempt may show, or None when ``review_mode`` forbids it.

    Call only for a closed attempt. Per question: ``{id, type, stem_html, body_html,
    points, earned, correct, needs_review, answer, choices: [{id, html, correct,
    selected}], accepted: [display text], explanation_html}``. Regex keys are not
    shown: they are matching rules, not answers a learner can read.
    """
    if not review_allowed(review_mode, passed):
        return None
    answers = answers if isinstance(answers, Mapping) else {}
    items = []
    for question in snapshot:
        outcome = result.result_for(question["id"])
        answer = answers.get(question["id"])
        if isinstance(answer, (list, tuple)):
            answer = [a for a in answer if isinstance(a, str)]
        elif not isinstance(answer, str):
            answer = None
        selected = set(answer) if isinstance(answer, list) else {answer}
        items.append({
            "id": question["id"],
            "type": question["kind"],
            "stem_html": question["stem_html"],
            "body_html": question.get("body_html", ""),
            "points": question["points"],
            "earned": outcome.earned if outcome else 0,
            "correct": outcome.correct if outcome else False,
            "needs_review": outcome.needs_review if outcome else False,
            "answer": answer,
            "choices": [{"id": c["id"], "html": c["html"], "correct": c["correct"],
                         "selected": c["id"] in selected}
                        for c in question.get("choices", ())],
            "accepted": [_display_key(k) for k in question.get("accepted", ())
                         if k.get("kind") != "regex"],
            "explanation_html": question.get("explanation_html", ""),
        })
    return items


def keys_for(snapshot: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The answer key of each question, for trainers only (preview with keys shown).

    ``{question id: {correct: {choice ids}, weights: {choice id: percent},
    accepted: [display text], regex: [patterns],
    explanation_html, rubric_html}}``.
    """
    return {
        q["id"]: {
            "correct": {c["id"] for c in q.get("choices", ()) if c["correct"]},
            "weights": {c["id"]: c["weight"]
                        for c in q.get("choices", ()) if "weight" in c},
            "accepted": [_display_key(k) for k in q.get("accepted", ()) if k.get("kind") != "regex"],
            "regex": [k["pattern"] for k in q.get("accepted", ()) if k.get("kind") == "regex"],
            "explanation_html": q.get("explanation_html", ""),
            "rubric_html": q.get("rubric_html", ""),
        }
        for q in snapshot
    }


def _display_key(key: Mapping[str, Any]) -> str:
    if key.get("kind") == "number":
        value = _plain_number(key["value"])
        return f"{value} ± {_plain_number(key['tolerance'])}" if key["tolerance"] else value
    return str(key.get("text", ""))


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
