"""One guard for every CSV the site exports (docs/operations.md "CSV exports").

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return before
one) as a formula: a name or e-mail address typed by a person could then compute,
link out or run commands on the reader's machine (CSV injection). Such text cells get
a leading apostrophe, which spreadsheets show as text and do not display.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell's text: None empty, times ISO 8601 UTC, floats short, text guarded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def safe_row(values: Iterable) -> list[str]:
    return [safe_cell(value) for value in values]
