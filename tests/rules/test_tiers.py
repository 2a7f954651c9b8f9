"""Company tiers: counting certified people, eligibility, gaps, margin and risk."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.content.program import parse_program
from lms.rules.margin import Margin, margin_for
from lms.rules.tiers import (
    CertifiedHolder, CompanyFigures, Missing, at_risk, certified_counts, eligible_tier,
    missing_for, next_tier, resolve_tier,
)

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
DAY = timedelta(days=1)
LATER = NOW + 500 * DAY
REPO_PROGRAM = Path(__file__).resolve().parents[2] / "courses" / "program.yml"

PROGRAM, _problems = parse_program("courses/program.yml", """\
certifications:
  bronze: {title: B, valid_for: 2y}
  silver: {title: S, requires: [bronze], valid_for: 2y}
  gold: {title: G, requires: [silver], valid_for: 2y}
tiers:
  registered: {title: Registered Partner}
  bronze: {title: Bronze Partner, certified: {bronze: 1}}
  silver: {title: Silver Partner, certified: {silver: 2}, deals_closed: 5}
  gold:   {title: Gold Partner, certified: {gold: 1, silver: 3}, annual_revenue: 1000000000}
  platinum: {title: Platinum Partner, certified: {gold: 2}, target_met: true}
margin:
  base: 30
  target_bonus: 5
  certification_bonus: {silver: 2.5, gold: 5, platinum: 7}
  max: 40
""")
assert not _problems
RICH = CompanyFigures(deals_closed=100, annual_revenue=10**10, target_met=True)


def tier_key(counts: dict[str, int], figures: CompanyFigures = RICH) -> str:
    return eligible_tier(PROGRAM, counts, figures).key


def counts(bronze: int = 0, silver: int = 0, gold: int = 0) -> dict[str, int]:
    return {"bronze": bronze, "silver": silver, "gold": gold}


# -- counting ---------------------------------------------------------------------------


def test_higher_levels_count_for_lower_ones():
    holders = [("ann", "gold", LATER, False), ("bob", "silver", LATER, False),
               ("cy", "bronze", LATER, False)]
    assert certified_counts(holders, PROGRAM, NOW) == counts(bronze=3, silver=2, gold=1)


def test_each_person_counts_once_per_level():
    holders = [CertifiedHolder("ann", "bronze", LATER), CertifiedHolder("ann", "silver", LATER),
               CertifiedHolder("ann", "gold", LATER), CertifiedHolder("ann", "gold", LATER + DAY)]
    assert certified_counts(holders, PROGRAM, NOW) == counts(1, 1, 1)


def test_expired_and_revoked_do_not_count():
    holders = [("ann", "gold", NOW, False),           # expires this instant
               ("bob", "gold", LATER, True),          # revoked
               ("cy", "silver", NOW - DAY, False),    # expired
               ("cy", "bronze", LATER, False),        # cy still counts for bronze
               ("dee", "silver", None, False)]        # never expires
    assert certified_counts(holders, PROGRAM, NOW) == counts(bronze=2, silver=1, gold=0)


def test_an_expired_higher_level_falls_back_to_the_active_lower_one():
    holders = [("ann", "gold", NOW - DAY, False), ("ann", "bronze", LATER, False)]
    assert certified_counts(holders, PROGRAM, NOW) == counts(bronze=1)


def test_unknown_levels_are_ignored_and_every_level_is_reported():
    assert certified_counts([("ann", "platinum", LATER, False)], PROGRAM, NOW) == counts()


# -- eligibility --------------------------------------------------------------------------


@pytest.mark.parametrize("c, figures, expected", [
    (counts(), RICH, "registered"),
    (counts(bronze=1), RICH, "bronze"),
    (counts(bronze=2, silver=1), RICH, "bronze"),                         # silver needs 2
    (counts(bronze=2, silver=2), CompanyFigures(deals_closed=4), "bronze"),  # and 5 deals
    (counts(bronze=2, silver=2), CompanyFigures(deals_closed=5), "silver"),
    (counts(3, 3, 1), CompanyFigures(deals_closed=5, annual_revenue=999_999_999), "silver"),
    (counts(3, 3, 1), CompanyFigures(deals_closed=5, annual_revenue=10**9), "gold"),
    (counts(3, 2, 1), RICH, "silver"),                                    # gold needs 3 silver
    (counts(3, 3, 2), CompanyFigures(deals_closed=5, annual_revenue=10**9), "gold"),  # no target
    (counts(3, 3, 2), RICH, "platinum"),
])
def test_eligible_tier(c, figures, expected):
    assert tier_key(c, figures) == expected


def test_highest_holding_tier_wins_even_if_a_lower_one_does_not_hold():
    # Gold asks nothing about deals; silver does. The spec ranks by the highest tier that holds.
    figures = CompanyFigures(deals_closed=0, annual_revenue=10**9)
    assert tier_key(counts(3, 3, 1), figures) == "gold"


def test_next_tier_and_resolve():
    assert next_tier(PROGRAM, PROGRAM.tier("registered")).key == "bronze"
    assert next_tier(PROGRAM, "gold").key == "platinum"
    assert next_tier(PROGRAM, "platinum") is None
    assert resolve_tier(PROGRAM, "gone").key == "registered"
    assert resolve_tier(PROGRAM, None).key == "registered"


def test_missing_for_lists_every_gap_in_file_order():
    gold = PROGRAM.tier("gold")
    assert missing_for(PROGRAM, gold, counts(bronze=4, silver=1), CompanyFigures(
        annual_revenue=300_000_000)) == (
        Missing("certified", "gold", 1, 0), Missing("certified", "silver", 3, 1),
        Missing("annual_revenue", "annual_revenue", 1_000_000_000, 300_000_000))
    silver = PROGRAM.tier("silver")
    assert missing_for(PROGRAM, silver, counts(2, 2), CompanyFigures(deals_closed=3)) == (
        Missing("deals_closed", "deals_closed", 5, 3),)
    assert missing_for(PROGRAM, PROGRAM.tier("platinum"), counts(3, 3, 2), CompanyFigures()) == (
        Missing("target_met", "target_met", True, False),)
    assert missing_for(PROGRAM, silver, counts(2, 2), RICH) == ()


# -- margin ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tier, target_met, expected", [
    ("registered", False, Margin(30, 0, 0, 30)),
    ("bronze", True, Margin(30, 5, 0, 35)),
    ("silver", False, Margin(30, 0, 2.5, 32.5)),
    ("silver", True, Margin(30, 5, 2.5, 37.5)),
    ("gold", True, Margin(30, 5, 5, 40)),
    ("platinum", True, Margin(30, 5, 7, 40)),         # 42 capped at 40
    ("gone", True, Margin(30, 5, 0, 35)),
    (None, False, Margin(30, 0, 0, 30)),
])
def test_margin(tier, target_met, expected):
    assert margin_for(PROGRAM, tier, target_met) == expected


def test_margin_reports_when_capped():
    assert margin_for(PROGRAM, "platinum", True).capped
    assert not margin_for(PROGRAM, "gold", True).capped


def test_the_repository_program_pays_the_seed_margins():
    program, problems = parse_program("courses/program.yml", REPO_PROGRAM.read_text("utf-8"))
    assert problems == []
    assert margin_for(program, "registered", False).total == 30
    assert margin_for(program, "gold", True).total == 40


# -- at risk ----------------------------------------------------------------------------------


def test_at_risk_when_expiries_drop_the_company_below_its_tier():
    holders = [("ann", "silver", NOW + 30 * DAY, False), ("bob", "silver", LATER, False)]
    figures = CompanyFigures(deals_closed=5)
    risk = at_risk(PROGRAM, "silver", holders, figures, NOW)
    assert risk and risk.at_risk
    assert risk.tier_after.key == "bronze"
    assert [h.person_id for h in risk.lapsing] == ["ann"]


def test_not_at_risk_when_expiry_is_beyond_the_window():
    holders = [("ann", "silver", NOW + 91 * DAY, False), ("bob", "silver", LATER, False)]
    risk = at_risk(PROGRAM, "silver", holders, CompanyFigures(deals_closed=5), NOW)
    assert not risk and risk.lapsing == ()
    assert at_risk(PROGRAM, "silver", holders, CompanyFigures(deals_closed=5), NOW,
                   window=92 * DAY).at_risk


def test_not_at_risk_when_spare_people_cover_the_lapse():
    holders = [("ann", "silver", NOW + 30 * DAY, False), ("bob", "silver", LATER, False),
               ("cy", "gold", LATER, False)]
    risk = at_risk(PROGRAM, "silver", holders, CompanyFigures(deals_closed=5), NOW)
    assert not risk and [h.person_id for h in risk.lapsing] == ["ann"]


def test_not_at_risk_when_already_below_for_other_reasons():
    # Holds gold, but revenue already fell: the expiries are not what drops it.
    holders = [("ann", "gold", LATER, False), ("bob", "silver", NOW + DAY, False),
               ("cy", "silver", LATER, False)]
    figures = CompanyFigures(deals_closed=5, annual_revenue=0)
    assert not at_risk(PROGRAM, "gold", holders, figures, NOW).at_risk


def test_not_at_risk_on_the_lowest_tier_or_when_already_lapsed_or_revoked():
    soon = NOW + DAY
    assert not at_risk(PROGRAM, "registered", [("ann", "bronze", soon, False)], RICH, NOW)
    holders = [("ann", "bronze", NOW - DAY, False), ("bob", "bronze", soon, True),
               ("cy", "bronze", LATER, False)]
    risk = at_risk(PROGRAM, PROGRAM.tier("bronze"), holders, RICH, NOW)
    assert not risk and risk.lapsing == ()


# -- properties ---------------------------------------------------------------------------------

levels = st.sampled_from(["bronze", "silver", "gold"])
holder_lists = st.lists(st.tuples(st.integers(0, 8), levels,
                                  st.integers(-30, 900).map(lambda d: NOW + d * DAY),
                                  st.booleans()), max_size=15)
figure_values = st.builds(CompanyFigures, st.integers(0, 10), st.sampled_from(
    [0, 10**8, 10**9, 10**10]), st.booleans())


@settings(max_examples=300, deadline=None)
@given(holder_lists, figure_values, st.integers(9, 12), levels,
       st.integers(0, 900).map(lambda d: NOW + d * DAY))
def test_adding_a_certified_person_never_lowers_the_eligible_tier(holders, figures, new_person,
                                                                   level, expires_at):
    before = eligible_tier(PROGRAM, certified_counts(holders, PROGRAM, NOW), figures)
    more = [*holders, (new_person, level, expires_at + DAY, False)]
    after = eligible_tier(PROGRAM, certified_counts(more, PROGRAM, NOW), figures)
    assert after.rank >= before.rank


@settings(max_examples=300, deadline=None)
@given(holder_lists)
def test_counts_are_monotone_down_the_levels(holders):
    c = certified_counts(holders, PROGRAM, NOW)
    assert c["bronze"] >= c["silver"] >= c["gold"] >= 0
    assert c["bronze"] <= len({h[0] for h in holders})


halves = st.integers(0, 200).map(lambda n: n / 2)  # 0, 0.5 … 100, as authors write them


@settings(max_examples=100, deadline=None)
@given(halves, halves, halves, halves, st.booleans(), st.sampled_from(["registered", "silver", "gold", "platinum", "x"]))
def test_margin_never_exceeds_max(base, bonus, cert_bonus, cap, target_met, tier):
    program, problems = parse_program("p", f"""\
certifications:
  bronze: {{title: B}}
tiers:
  registered: {{title: R}}
margin:
  base: {base!r}
  target_bonus: {bonus!r}
  certification_bonus: {{silver: {cert_bonus!r}, gold: {cert_bonus!r}}}
  max: {cap!r}
""")
    assert problems == []
    margin = margin_for(program, tier, target_met)
    assert margin.total <= cap
    assert margin.total == min(cap, margin.base + margin.target_bonus + margin.certification_bonus)
