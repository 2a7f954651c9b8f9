"""`lms sweep`: the periodic work, as a list of idempotent steps.

Each area registers its step here (submit overdue attempts, expire
certifications, move company tiers). Every step must be safe to run twice and
from several servers at once: it takes its rows under the write lock and
re-checks them before it changes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StepResult:
    name: str
    changed: int
    detail: str = ""


SweepStep = Callable[[datetime], StepResult]
STEPS: list[SweepStep] = []
DELIVERIES: list[SweepStep] = []   # run after every step, whatever the import order


def register(step: SweepStep) -> SweepStep:
    STEPS.append(step)
    return step


def register_delivery(step: SweepStep) -> SweepStep:
    """A step that sends what the others queued (mail, webhooks): it runs after them all,
    so a sweep delivers what it caused."""
    DELIVERIES.append(step)
    return step


def run_sweep(now: datetime) -> list[StepResult]:
    return [step(now) for step in (*STEPS, *DELIVERIES)]
