"""Dates and times in the reader's language and time zone, as Babel writes them, but with
the patterns looked up once per language and format instead of once per value.

``flask_babel.format_datetime`` resolves the locale and time zone, parses the locale and
finds and parses its patterns on every call: about 40 µs, and a company page formats
some 60 dates (each person's certifications and last sign-in). This produces the same
text (Babel's own composition of the date and time patterns for the named formats) in
about half the time.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache

from babel import Locale, dates
from flask import current_app
from flask_babel import get_locale, get_timezone

NAMED = ("full", "long", "medium", "short")
# People read times to the minute: the seconds field (and its separator) of a named time
# format is dropped, "17:01:42" -> "17:01", "5:01:42 PM" -> "5:01 PM".
_SECONDS = re.compile(r"(?:[:.]ss|ss秒)(?:\.S+)?")


@lru_cache(maxsize=64)
def _patterns(locale: str, fmt: str):
    """(locale, date-time template, date pattern, time pattern) for a named format;
    (locale, None, pattern, None) for an explicit pattern."""
    loc = Locale.parse(locale)
    if fmt == "date":  # the day alone, as a person writes it: 2026年12月1日, Dec 1, 2026
        return loc, None, dates.parse_pattern(dates.get_date_format("long", locale=loc)), None
    if fmt in NAMED:
        time_pattern = _SECONDS.sub("", dates.get_time_format(fmt, locale=loc).pattern)
        return (loc, dates.get_datetime_format(fmt, locale=loc).replace("'", ""),
                dates.parse_pattern(dates.get_date_format(fmt, locale=loc)),
                dates.parse_pattern(time_pattern))
    return loc, None, dates.parse_pattern(fmt), None


def format_datetime(value: datetime, fmt: str = "medium") -> str:
    """As ``flask_babel.format_datetime(value, fmt)`` without seconds: naive values are UTC."""
    configured = current_app.extensions["babel"].instance.date_formats
    fmt = configured.get(f"datetime.{fmt}") or fmt if fmt in NAMED else fmt
    loc, template, date_pattern, time_pattern = _patterns(str(get_locale()), fmt)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(get_timezone())
    if template is None:
        return date_pattern.apply(value, loc)
    return (template.replace("{0}", time_pattern.apply(value.timetz(), loc,
                                                       reference_date=value.date()))
            .replace("{1}", date_pattern.apply(value.date(), loc)))


def utc_text(value: datetime | None, fmt: str) -> str | None:
    """``value`` in UTC formatted with ``fmt`` (a naive value is taken as UTC); None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime(fmt)


def iso_utc(value: datetime | None) -> str | None:
    """The API's time format: ISO 8601 in UTC to the second, ``2026-12-01T08:00:00Z``."""
    return utc_text(value, "%Y-%m-%dT%H:%M:%SZ")
