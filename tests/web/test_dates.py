"""Dates where a person reads them: to the minute, never with seconds, in their language
and time zone; scores: one rounding everywhere."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from flask_babel import force_locale

from lms.dates import format_datetime
from lms.scores import score_text

MOMENT = datetime(2026, 12, 1, 8, 1, 42, tzinfo=timezone.utc)   # 17:01:42 in Tokyo


@pytest.mark.parametrize("lang, fmt, expected", [
    ("ja", "long", "2026年12月1日 17:01 JST"),
    ("ja", "medium", "2026/12/01 17:01"),
    ("ja", "short", "2026/12/01 17:01"),
    ("ja", "full", "2026年12月1日火曜日 17時01分 日本標準時"),
    ("en", "medium", "Dec 1, 2026, 5:01\u202fPM"),
    ("en", "long", "December 1, 2026, 5:01\u202fPM +0900"),
])
def test_named_formats_have_no_seconds(app, lang, fmt, expected):
    with app.test_request_context("/"), force_locale(lang):
        text = format_datetime(MOMENT, fmt)
    assert ":42" not in text and "42秒" not in text
    assert text.replace(" at ", ", ") == expected


@pytest.mark.parametrize("value, text", [
    (93.75, "93.8%"), (93.749, "93.7%"), (80.0, "80%"), (100, "100%"), (2.675, "2.7%"),
    (0.05, "0.1%"), (None, "—"),
])
def test_one_rounding_of_scores(value, text):
    assert score_text(value) == text
