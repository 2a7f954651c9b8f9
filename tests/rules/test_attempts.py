"""Attempt timing and start eligibility with an injected clock."""

from datetime import datetime, timedelta, timezone

import pytest

from lms.rules.attempts import (
    Limits,
    accepts_answers,
    closed_status,
    deadline_for,
    is_overdue,
    seconds_left,
    start_decision,
)

T0 = datetime(2025, 4, 1, 9, 0, tzinfo=timezone.utc)
GRACE = timedelta(seconds=5)


def at(**delta):
    return T0 + timedelta(**delta)


def test_deadline_is_start_plus_limit_and_none_when_untimed():
    assert deadline_for(T0, timedelta(minutes=30)) == at(minutes=30)
    assert deadline_for(T0, None) is None


def test_naive_datetimes_are_read_as_utc():
    naive = T0.replace(tzinfo=None)
    assert deadline_for(naive, timedelta(minutes=1)) == at(minutes=1)
    assert accepts_answers(at(minutes=1), naive, GRACE)
    assert accepts_answers(naive, T0, GRACE)


@pytest.mark.parametrize("offset, accepted", [
    (timedelta(seconds=-1), True),
    (timedelta(0), True),
    (GRACE - timedelta(seconds=1), True),
    (GRACE, True),
    (GRACE + timedelta(microseconds=1), False),
    (GRACE + timedelta(seconds=1), False),
    (timedelta(days=3), False),
])
def test_answers_are_taken_until_deadline_plus_grace(offset, accepted):
    deadline = deadline_for(T0, timedelta(minutes=30))
    now = deadline + offset
    assert accepts_answers(deadline, now, GRACE) is accepted
    assert is_overdue(deadline, now, GRACE) is (not accepted)


def test_untimed_attempts_are_never_overdue():
    assert accepts_answers(None, at(days=400), GRACE)
    assert not is_overdue(None, at(days=400), GRACE)


def test_seconds_left_for_the_timer():
    deadline = at(minutes=30)
    assert seconds_left(deadline, T0) == 1800
    assert seconds_left(deadline, at(minutes=31)) == 0
    assert seconds_left(None, T0) is None


def test_first_attempt_is_allowed():
    decision = start_decision(Limits(max_attempts=3), [], False, T0)
    assert decision.allowed and decision.reason == "allowed"
    assert decision.attempts_used == 0 and decision.attempts_left == 3
    assert decision.next_attempt_at is None


def test_an_open_attempt_is_resumed_not_doubled():
    decision = start_decision(Limits(max_attempts=3), [(T0, at(minutes=10))], True, at(hours=1))
    assert not decision.allowed and decision.reason == "open_attempt"
    assert decision.attempts_used == 2 and decision.attempts_left == 1


def test_attempt_limit():
    finished = [(T0, at(minutes=10)), (at(hours=1), at(hours=1, minutes=10))]
    decision = start_decision(Limits(max_attempts=2), finished, False, at(days=9))
    assert not decision.allowed and decision.reason == "no_attempts_left"
    assert decision.attempts_used == 2 and decision.attempts_left == 0
    assert decision.next_attempt_at is None


def test_unlimited_attempts():
    finished = [(at(hours=i), at(hours=i, minutes=5)) for i in range(50)]
    decision = start_decision(Limits(max_attempts=0), finished, False, at(days=9))
    assert decision.allowed and decision.attempts_left is None and decision.attempts_used == 50


def test_cooldown_runs_from_the_latest_end():
    limits = Limits(max_attempts=3, cooldown=timedelta(hours=24))
    finished = [(T0, at(minutes=20)), (at(hours=30), at(hours=30, minutes=10))]
    ready = at(hours=54, minutes=10)
    waiting = start_decision(limits, finished, False, ready - timedelta(seconds=1))
    assert not waiting.allowed and waiting.reason == "cooldown"
    assert waiting.next_attempt_at == ready
    assert waiting.attempts_left == 1
    assert start_decision(limits, finished, False, ready).allowed


def test_cooldown_uses_start_when_an_end_is_missing():
    limits = Limits(cooldown=timedelta(hours=1))
    decision = start_decision(limits, [(T0, None)], False, at(minutes=59))
    assert decision.reason == "cooldown" and decision.next_attempt_at == at(hours=1)


def test_attempt_limit_wins_over_cooldown():
    limits = Limits(max_attempts=1, cooldown=timedelta(hours=1))
    decision = start_decision(limits, [(T0, at(minutes=5))], False, at(minutes=10))
    assert decision.reason == "no_attempts_left" and decision.next_attempt_at is None


def test_a_quiz_is_its_own_limits(make_quiz):
    quiz = make_quiz("## Q\n= a\n", "title: T\nattempts: 1\ncooldown: 1h")
    assert start_decision(quiz, [(T0, at(minutes=1))], False, at(hours=5)).reason == "no_attempts_left"


def test_closed_status():
    assert closed_status(pending_review=True) == "pending_review"
    assert closed_status(pending_review=False) == "graded"
