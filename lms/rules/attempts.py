"""Attempt timing and who may start an attempt: pure functions of their inputs and ``now``.

The deadline is the server's, fixed at start; a short grace absorbs
network delay. Datetimes should be timezone-aware UTC; naive ones (as SQLite hands
them back) are read as UTC so the two never fail to compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

DEFAULT_GRACE = timedelta(seconds=5)  # LMS_QUIZ_GRACE_SECONDS default (docs/operations.md)

# StartDecision.reason codes
ALLOWED = "allowed"
OPEN_ATTEMPT = "open_attempt"
NO_ATTEMPTS_LEFT = "no_attempts_left"
COOLDOWN = "cooldown"


class AttemptLimits(Protocol):
    """A Quiz satisfies this; so does any object with these two attributes."""

    max_attempts: int  # 0: unlimited
    cooldown: timedelta


@dataclass(frozen=True)
class Limits:
    max_attempts: int = 0
    cooldown: timedelta = timedelta(0)


@dataclass(frozen=True)
class StartDecision:
    allowed: bool
    reason: str  # ALLOWED, OPEN_ATTEMPT, NO_ATTEMPTS_LEFT or COOLDOWN
    attempts_used: int  # finished attempts, plus the open one if any
    attempts_left: int | None  # None: unlimited
    next_attempt_at: datetime | None  # set only while a cooldown is running


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def deadline_for(started_at: datetime, time_limit: timedelta | None) -> datetime | None:
    """When an attempt's time is up; None for an untimed quiz."""
    if time_limit is None:
        return None
    return as_utc(started_at) + time_limit


def accepts_answers(deadline: datetime | None, now: datetime,
                    grace: timedelta = DEFAULT_GRACE) -> bool:
    """Whether a save arriving at ``now`` is still in time (the grace included)."""
    return deadline is None or as_utc(now) <= as_utc(deadline) + grace


def is_overdue(deadline: datetime | None, now: datetime,
               grace: timedelta = DEFAULT_GRACE) -> bool:
    """Past deadline and grace: the attempt must be graded on what was saved."""
    return not accepts_answers(deadline, now, grace)


def seconds_left(deadline: datetime | None, now: datetime) -> int | None:
    """Whole seconds to show on the timer (display only), never negative."""
    if deadline is None:
        return None
    return max(0, int((as_utc(deadline) - as_utc(now)).total_seconds()))


def start_decision(limits: AttemptLimits,
                   finished_attempts: Sequence[tuple[datetime, datetime | None]],
                   has_open_attempt: bool, now: datetime) -> StartDecision:
    """May this person start a new attempt now?

    ``finished_attempts`` are ``(started_at, ended_at)`` pairs of the person's closed
    attempts at this quiz. An open attempt is resumed, never doubled;
    the cooldown runs from the latest end.
    """
    used = len(finished_attempts) + (1 if has_open_attempt else 0)
    maximum = limits.max_attempts or 0
    left = None if maximum == 0 else max(0, maximum - used)

    def decide(allowed: bool, reason: str, next_at: datetime | None = None) -> StartDecision:
        return StartDecision(allowed, reason, used, left, next_at)

    if has_open_attempt:
        return decide(False, OPEN_ATTEMPT)
    if left == 0:
        return decide(False, NO_ATTEMPTS_LEFT)
    if finished_attempts and limits.cooldown > timedelta(0):
        last_end = max(as_utc(ended or started) for started, ended in finished_attempts)
        next_at = last_end + limits.cooldown
        if as_utc(now) < next_at:
            return decide(False, COOLDOWN, next_at)
    return decide(True, ALLOWED)


def closed_status(pending_review: bool) -> str:
    """Status of a submitted attempt once graded: essays may still await a trainer."""
    return "pending_review" if pending_review else "graded"
