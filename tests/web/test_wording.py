"""Requirement and tier wording, in Japanese and English through the Babel catalog."""

from __future__ import annotations

import pytest

from lms.rules.certification import Requirement
from lms.rules.tiers import Missing
from lms.wording import describe_missing, describe_requirement, format_yen


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


# -- tiers ------------------------------------------------------------------------------


@pytest.mark.parametrize("missing, ja, en", [
    (Missing("certified", "silver", 2, 1),
     "Silver 認定者があと 1 名必要です（現在 1 名 / 必要 2 名）",
     "Silver-certified staff: 1 more needed (now 1 of 2)"),
    (Missing("annual_revenue", "annual_revenue", 1_000_000_000, 300_000_000),
     "年間売上が 10億円 必要です（現在 3億円）",
     "Annual revenue of ¥1,000,000,000 needed (now ¥300,000,000)"),
    (Missing("deals_closed", "deals_closed", 5, 3),
     "会社の成約件数があと 2 件必要です（現在 3 件 / 必要 5 件）",
     "2 more company deals needed (now 3 of 5)"),
    (Missing("target_met", "target_met", True, False),
     "売上目標の達成が必要です", "The sales target must be met"),
])
def test_describe_missing(missing, ja, en):
    assert describe_missing(missing) == ja
    assert describe_missing(missing, "en") == en


@pytest.mark.parametrize("amount, text", [
    (0, "0円"), (5000, "5000円"), (10_000, "1万円"), (32_000, "3万2000円"),
    (150_000_000, "1億5000万円"), (1_000_000_000, "10億円"), (100_000_001, "1億1円"),
    (2 * 10**12 + 3 * 10**8, "2兆3億円"), (-20_000, "-2万円"),
])
def test_format_yen(amount, text):
    assert format_yen(amount) == text


# -- certification --------------------------------------------------------------------------------


@pytest.mark.parametrize("req, ja, en", [
    (Requirement("exam", "silver-exam", 80, 72, False),
     "silver-exam で 80% 以上が必要です（現在 72%）",
     "Score at least 80% on silver-exam (best so far: 72%)"),
    (Requirement("exam", "silver-exam", 80.0, None, False),
     "silver-exam で 80% 以上が必要です（まだ合格していません）",
     "Score at least 80% on silver-exam (not passed yet)"),
    (Requirement("requires", "bronze", "active", "expired", False),
     "Bronze 認定の保有が必要です（現在: 期限切れ）",
     "Requires an active Bronze certification (now: expired)"),
    (Requirement("requires", "bronze", "active", None, False),
     "Bronze 認定の保有が必要です（現在: 未取得）",
     "Requires an active Bronze certification (now: not held)"),
    (Requirement("course", "deep-dive", True, False, False),
     "コース「deep-dive」の修了が必要です", "Complete the course “deep-dive”"),
    (Requirement("practical", "practical", True, False, False),
     "実技評価の合格（トレーナーの承認）が必要です",
     "Pass the practical assessment (signed off by a trainer)"),
    (Requirement("evidence", "deals_closed", 3, 1, False),
     "成約実績が 3 件以上必要です（現在 1 件）", "Close at least 3 deals (now: 1)"),
    (Requirement("evidence", "csat", 4.0, 3.5, False),
     "顧客満足度が 4 以上必要です（現在 3.5）",
     "Reach a customer satisfaction of 4 or more (now: 3.5)"),
    (Requirement("evidence", "csat", 4.0, None, False),
     "顧客満足度が 4 以上必要です（未登録）",
     "Customer satisfaction of at least 4 is needed (not recorded yet)"),
    (Requirement("approval", "interview", True, False, False),
     "面接の承認が必要です", "Needs the interview sign-off"),
    (Requirement("approval", "interview", True, True, True),
     "面接の承認を受けました", "Signed off: interview"),
])
def test_describe_requirement(req, ja, en):
    assert describe_requirement(req) == ja
    assert describe_requirement(req, "ja") == ja
    assert describe_requirement(req, "en") == en


def test_describe_requirement_uses_display_names_and_falls_back_to_japanese():
    req = Requirement("course", "deep-dive", True, False, False)
    assert describe_requirement(req, "en", {"deep-dive": "Technical deep dive"}) == (
        "Complete the course “Technical deep dive”")
    assert describe_requirement(req, "fr") == describe_requirement(req, "ja")


