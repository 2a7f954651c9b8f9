"""What a person reads in a CSV export: column names in their language, times in their
time zone, yes/no and percentages as words and numbers, and titles beside the codes.

The exports (lms.services.exports, lms.services.quiz_reports) build rows of values; this
module turns the values people read into text. Codes stay in columns of their own (named
"… code") so a program reading the file keeps a stable key.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from lms.i18n import select_timezone


class Cells:
    """Formats for one export, in the current request's language and time zone."""

    def __init__(self) -> None:
        self.timezone = select_timezone()
        self._zone = ZoneInfo(self.timezone)
        self._yes, self._no = _("Yes"), _("No")

    def when(self, value: datetime | None) -> str:
        """A local time to the minute, as spreadsheets read it: 2026-12-01 17:05."""
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")

    def when_header(self, label: str) -> str:
        return _("%(label)s (%(zone)s)", label=label, zone=self.timezone)

    def yes_no(self, value: bool | None) -> str:
        if value is None:
            return ""
        return self._yes if value else self._no

    @staticmethod
    def percent(rate: float | None) -> float | None:
        return None if rate is None else round(100 * rate, 1)
