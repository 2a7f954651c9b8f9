"""Health score and "at risk" on the edge cases managers meet: a company with nobody in it,
people who never took an exam, certifications that all expired."""

from __future__ import annotations

import pytest

from lms.rules.health import HEALTH_GOOD, HEALTH_LOW, health_band, needs_attention
from lms.services.company_stats import Health


def test_a_company_with_nobody_has_no_score_and_is_not_called_healthy_or_at_risk():
    empty = Health(people=0, active_people=0, attempts_graded=0, attempts_passed=0, certified=0)
    assert empty.score is None
    assert health_band(empty.score) == "none"
    assert not needs_attention(False, empty.score)


def test_people_who_never_took_an_exam_count_as_untrained():
    # All active, none certified, no graded attempts: (1 + 0 + 0) / 3.
    idle = Health(people=4, active_people=4, attempts_graded=0, attempts_passed=0, certified=0)
    assert idle.pass_rate is None
    assert idle.score == 33
    assert health_band(idle.score) == "low" and needs_attention(False, idle.score)


def test_all_certifications_expired_and_nobody_active_is_zero_and_at_risk():
    lapsed = Health(people=3, active_people=0, attempts_graded=6, attempts_passed=0, certified=0)
    assert lapsed.score == 0
    assert needs_attention(False, lapsed.score)


@pytest.mark.parametrize(("score", "band"), [
    (0, "low"), (HEALTH_LOW - 1, "low"), (HEALTH_LOW, "fair"), (HEALTH_GOOD - 1, "fair"),
    (HEALTH_GOOD, "good"), (100, "good")])
def test_bands_at_their_thresholds(score, band):
    assert health_band(score) == band


def test_a_healthy_company_is_at_risk_when_expiries_would_drop_its_tier():
    assert needs_attention(True, 95)
    assert not needs_attention(False, 95)
