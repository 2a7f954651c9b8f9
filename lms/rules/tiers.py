"""Partner company tiers: who counts as certified, which tier a company is eligible for,
what the next tier still needs, and whether expiring certifications put the tier at risk.

Counting follows the Microsoft-partner habit: a person counts at their level and every
lower one (a Gold holder is also a Silver and a Bronze), once per level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

from lms.content.program import Program, Tier

AT_RISK_WINDOW = timedelta(days=90)

MissingKind = Literal["certified", "deals_closed", "annual_revenue", "target_met"]


class CertifiedHolder(NamedTuple):
    """One awarded certification; plain 4-tuples in this order work as well."""
    person_id: Any
    level: str
    expires_at: datetime | None     # None: never expires
    revoked: bool = False


@dataclass(frozen=True)
class CompanyFigures:
    deals_closed: int = 0
    annual_revenue: int = 0         # yen
    target_met: bool = False


@dataclass(frozen=True)
class Missing:
    kind: MissingKind
    target: str          # the level for "certified", else the figure's name
    required: Any        # people, deals, yen, or True
    current: Any


@dataclass(frozen=True)
class TierRisk:
    at_risk: bool
    tier_after: Tier                          # eligible tier once the lapsing ones are gone
    lapsing: tuple[CertifiedHolder, ...]      # active now, expiring within the window

    def __bool__(self) -> bool:
        return self.at_risk


def certified_counts(holders: Iterable[tuple], program: Program,
                     now: datetime) -> dict[str, int]:
    """Level -> unique people with an unexpired, unrevoked certification at that level or
    higher. Levels rank by their order in program.yml; unknown levels are ignored."""
    highest: dict[Any, int] = {}
    for person_id, level, expires_at, revoked in (tuple(h) for h in holders):
        rank = program.rank_of(level)
        if rank is None or not _counts(expires_at, revoked, now):
            continue
        highest[person_id] = max(rank, highest.get(person_id, -1))
    return {cert.level: sum(1 for rank in highest.values() if rank >= cert.rank)
            for cert in program.certifications}


def eligible_tier(program: Program, counts: dict[str, int], figures: CompanyFigures) -> Tier:
    """The highest tier whose every requirement holds. Lower tiers need not hold too: the
    spec ranks by "highest tier whose every requirement holds", nothing more."""
    eligible = program.lowest_tier
    for tier in program.tiers:
        if not missing_for(program, tier, counts, figures):
            eligible = tier
    return eligible


def next_tier(program: Program, tier: Tier | str) -> Tier | None:
    rank = resolve_tier(program, tier).rank
    return program.tiers[rank + 1] if rank + 1 < len(program.tiers) else None


def resolve_tier(program: Program, tier: Tier | str | None) -> Tier:
    """A Tier from a stored key; a key the program no longer has means the lowest tier."""
    if isinstance(tier, Tier):
        return tier
    return (program.tier(tier) if tier else None) or program.lowest_tier


def missing_for(program: Program, tier: Tier, counts: dict[str, int],
                figures: CompanyFigures) -> tuple[Missing, ...]:
    """What ``tier`` still needs, in the order the file states it; empty when eligible."""
    missing: list[Missing] = []
    for level, required in tier.certified:
        current = counts.get(level, 0)
        if current < required:
            missing.append(Missing("certified", level, required, current))
    if tier.deals_closed and figures.deals_closed < tier.deals_closed:
        missing.append(Missing("deals_closed", "deals_closed", tier.deals_closed,
                               figures.deals_closed))
    if tier.annual_revenue and figures.annual_revenue < tier.annual_revenue:
        missing.append(Missing("annual_revenue", "annual_revenue", tier.annual_revenue,
                               figures.annual_revenue))
    if tier.target_met and not figures.target_met:
        missing.append(Missing("target_met", "target_met", True, figures.target_met))
    return tuple(missing)


def at_risk(program: Program, current_tier: Tier | str, holders: Iterable[tuple],
            figures: CompanyFigures, now: datetime,
            window: timedelta = AT_RISK_WINDOW) -> TierRisk:
    """At risk when certifications expiring within ``window`` would drop the company below
    its current tier. A company already below its tier for other reasons (figures) is not
    flagged: the expiries would not be what drops it."""
    holders = [CertifiedHolder(*h) for h in holders]
    horizon = now + window
    tier = resolve_tier(program, current_tier)
    lapsing = tuple(sorted(
        (h for h in holders if _counts(h.expires_at, h.revoked, now)
         and h.expires_at is not None and h.expires_at <= horizon
         and program.rank_of(h.level) is not None),
        key=lambda h: (h.expires_at, str(h.person_id))))
    now_tier = eligible_tier(program, certified_counts(holders, program, now), figures)
    after = eligible_tier(program, certified_counts(holders, program, horizon), figures)
    dropping = after.rank < tier.rank and after.rank < now_tier.rank
    return TierRisk(dropping, after, lapsing)


def _counts(expires_at: datetime | None, revoked: bool, at: datetime) -> bool:
    return not revoked and (expires_at is None or expires_at > at)
