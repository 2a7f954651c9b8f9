"""The margin a partner company earns on sales, from its tier and its sales target."""

from __future__ import annotations

from dataclasses import dataclass

from lms.content.program import Program


@dataclass(frozen=True)
class Margin:
    base: float
    target_bonus: float          # applied: 0 when the target was not met
    certification_bonus: float   # applied: by the company's tier
    total: float                 # the sum, capped at the program's max

    @property
    def capped(self) -> bool:
        return self.total < self.base + self.target_bonus + self.certification_bonus


def margin_for(program: Program, tier_key: str | None, target_met: bool) -> Margin:
    """Margin percent on ``tier_key`` (the tier the company holds; unknown keys get no
    certification bonus)."""
    rule = program.margin
    target_bonus = rule.target_bonus if target_met else 0
    cert_bonus = rule.bonus_for(tier_key) if tier_key else 0
    total = rule.base + target_bonus + cert_bonus
    if rule.max is not None:
        total = min(total, rule.max)
    return Margin(rule.base, target_bonus, cert_bonus, total)
