"""One way to show a score: one decimal, rounded half up, no trailing ".0", a percent sign.

Every page shows a percentage through the ``score`` Jinja filter, so 93.75 reads "93.8%"
everywhere (Python's ``round`` rounds half to even and floats such as 93.75 or 2.675 would
not round the same way on every page).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def rounded(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score_text(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{rounded(value):f}"
    if text.endswith(".0"):
        text = text[:-2]
    return f"{text}%"
