"""Item analysis for trainers, in the spirit of Moodle's quiz statistics report.

Per question, over the attempts that served it:

- facility index: the mean fraction of the question's points earned (0 = nobody,
  1 = everybody);
- discrimination index: Pearson correlation between the question's score and the
  rest of the test (the attempt's score without this question, as a fraction of the
  rest's points, so attempts that drew different questions compare fairly);
- discriminative efficiency: that covariance divided by the largest covariance the
  same scores could have (Moodle highlights a question below 15 %).

Flags (constants below; shown only from MIN_ATTEMPTS_FOR_FLAGS attempts, since a
handful of attempts says little): facility under 0.10 or over 0.95 (Moodle's
"very difficult" / "extremely easy" bands), negative discrimination (the question
favours weaker candidates: often a wrong key), discrimination under 0.20 (Moodle's
"very weak" band) and efficiency under 0.15 (Moodle's dubious-question highlight).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

VERY_HARD_BELOW = 0.10
VERY_EASY_ABOVE = 0.95
WEAK_DISCRIMINATION_BELOW = 0.20
LOW_EFFICIENCY_BELOW = 0.15
MIN_ATTEMPTS_FOR_FLAGS = 5


@dataclass(frozen=True)
class AttemptScores:
    """One graded attempt: question id → (earned, max points), and its outcome."""

    items: Mapping[str, tuple[float, float]]
    percent: float
    passed: bool | None = None  # None: not final (an essay awaits review)


@dataclass(frozen=True)
class QuestionStats:
    id: str
    count: int  # attempts that served and scored this question
    max_points: float  # the largest points value seen (a file edit may change it)
    mean_earned: float
    facility: float  # 0..1
    sd: float | None  # sample standard deviation of the fraction earned
    discrimination: float | None  # -1..1; None when undefined (no spread, < 2 attempts)
    efficiency: float | None  # discriminative efficiency, -1..1
    flags: tuple[str, ...]


@dataclass(frozen=True)
class QuizSummary:
    attempts: int
    passed: int
    pass_rate: float | None  # among attempts with a final result; None when none
    average_percent: float | None
    median_percent: float | None


def attempt_scores(grade, passed: bool | None) -> AttemptScores:
    """AttemptScores from a grading.Grade; essays awaiting review are left out."""
    items = {r.id: (float(r.earned), float(r.points))
             for r in grade.results if not r.needs_review and r.points > 0}
    return AttemptScores(items=items, percent=grade.percent, passed=passed)


def quiz_summary(attempts: Sequence[AttemptScores]) -> QuizSummary:
    decided = [a for a in attempts if a.passed is not None]
    passed = sum(1 for a in decided if a.passed)
    percents = [a.percent for a in attempts]
    return QuizSummary(
        attempts=len(attempts),
        passed=passed,
        pass_rate=passed / len(decided) if decided else None,
        average_percent=statistics.fmean(percents) if percents else None,
        median_percent=statistics.median(percents) if percents else None,
    )


def question_stats(attempts: Sequence[AttemptScores],
                   min_attempts_for_flags: int = MIN_ATTEMPTS_FOR_FLAGS) -> list[QuestionStats]:
    """Statistics per question id, in order of first appearance."""
    order: dict[str, None] = {}
    for attempt in attempts:
        order.update(dict.fromkeys(attempt.items))
    return [_one_question(qid, attempts, min_attempts_for_flags) for qid in order]


def _one_question(question_id: str, attempts: Sequence[AttemptScores],
                  min_attempts_for_flags: int) -> QuestionStats:
    fractions: list[float] = []
    rests: list[float] = []
    earned_points: list[float] = []
    max_points = 0.0
    for attempt in attempts:
        if question_id not in attempt.items:
            continue
        earned, points = attempt.items[question_id]
        if points <= 0:
            continue
        fractions.append(earned / points)
        earned_points.append(earned)
        max_points = max(max_points, points)
        rest_points = sum(p for qid, (_, p) in attempt.items.items() if qid != question_id and p > 0)
        rest_earned = sum(e for qid, (e, p) in attempt.items.items() if qid != question_id and p > 0)
        rests.append(rest_earned / rest_points if rest_points > 0 else math.nan)

    count = len(fractions)
    if count == 0:
        return QuestionStats(question_id, 0, max_points, 0.0, 0.0, None, None, None, ())
    facility = statistics.fmean(fractions)
    sd = statistics.stdev(fractions) if count >= 2 else None
    usable = all(not math.isnan(r) for r in rests)
    discrimination = _correlation(fractions, rests) if usable else None
    efficiency = _efficiency(fractions, rests) if usable else None
    flags = _flags(facility, discrimination, efficiency) if count >= min_attempts_for_flags else ()
    return QuestionStats(
        id=question_id, count=count, max_points=max_points,
        mean_earned=statistics.fmean(earned_points), facility=facility, sd=sd,
        discrimination=discrimination, efficiency=efficiency, flags=flags,
    )


def _covariance(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) - 1)


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    if len(xs) < 2:
        return None
    spread = math.sqrt(_covariance(xs, xs) * _covariance(ys, ys))
    return _covariance(xs, ys) / spread if spread > 1e-12 else None


def _efficiency(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    # The largest covariance two score lists with these values can have pairs them
    # in the same order (rearrangement inequality); Moodle divides by it.
    if len(xs) < 2:
        return None
    best = _covariance(sorted(xs), sorted(ys))
    return _covariance(xs, ys) / best if best > 1e-12 else None


def _flags(facility: float, discrimination: float | None,
           efficiency: float | None) -> tuple[str, ...]:
    flags = []
    if facility < VERY_HARD_BELOW:
        flags.append("very_hard")
    if facility > VERY_EASY_ABOVE:
        flags.append("very_easy")
    if discrimination is not None and discrimination < 0:
        flags.append("negative_discrimination")
    elif discrimination is not None and discrimination < WEAK_DISCRIMINATION_BELOW:
        flags.append("weak_discrimination")
    if efficiency is not None and efficiency < LOW_EFFICIENCY_BELOW:
        flags.append("low_efficiency")
    return tuple(flags)
