"""Durations as authors write them: "90s", "30m", "1h30m", "24h", "90d", "2y"."""

from __future__ import annotations

import re
from datetime import timedelta

from lms.content.messages import N_

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)\s*([ywdhms])")
_WHOLE = re.compile(r"^(\s*\d+\s*[ywdhms])+\s*$")


def parse_duration(value: object) -> timedelta:
    """Parse a duration; a bare number means minutes. Raises ValueError when malformed
    (its first argument a Message)."""
    if isinstance(value, bool):
        raise ValueError(N_("not a duration: %(value)s", value=repr(value)))
    if isinstance(value, int):
        if value < 0:
            raise ValueError(N_("a duration cannot be negative"))
        return timedelta(minutes=value)
    text = str(value).strip().lower()
    if text in {"0", ""}:
        return timedelta(0)
    if not _WHOLE.match(text):
        raise ValueError(N_("not a duration: %(value)s (write e.g. 90s, 30m, 1h30m, 2y)",
                            value=repr(value)))
    seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(text))
    return timedelta(seconds=seconds)
