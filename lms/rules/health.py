"""When a company's health score calls for attention.

The score (0-100, lms.services.company_stats.Health) is the mean of the active rate, the
training pass rate and certification coverage. Below HEALTH_LOW a company needs attention
(flagged "at risk" beside the tier risk); from HEALTH_GOOD it is healthy. A company with
nobody in it has no score and its own wording, never a score of 0 or "healthy".
"""

from __future__ import annotations

from typing import Literal

HEALTH_LOW = 40
HEALTH_GOOD = 70

Band = Literal["none", "low", "fair", "good"]


def health_band(score: int | None) -> Band:
    if score is None:
        return "none"
    if score < HEALTH_LOW:
        return "low"
    if score < HEALTH_GOOD:
        return "fair"
    return "good"


def needs_attention(tier_at_risk: bool, score: int | None) -> bool:
    """At risk: expiries would drop the company below its tier, or its health is low."""
    return tier_at_risk or health_band(score) == "low"
