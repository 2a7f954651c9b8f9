"""Page numbers from the query string: one reading for every paginated page.

Any value that is not a plain positive number gives page 1; a huge one is clamped,
so no absurd offset (``?page=10**30``) ever reaches the database.
"""

from __future__ import annotations

from collections.abc import Mapping

# Beyond any real list; keeps offsets (page × page size) far inside a 64-bit integer.
MAX_PAGE = 1_000_000


def page_from(args: Mapping[str, str], pages: int | None = None, name: str = "page") -> int:
    """The requested page, at least 1 and at most ``pages`` (when known) or MAX_PAGE."""
    raw = (args.get(name) or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    last = min(pages, MAX_PAGE) if pages else MAX_PAGE
    # Compared as text first: int() of thousands of digits is slow and may be refused.
    page = last if len(raw) > len(str(MAX_PAGE)) else int(raw)
    return min(max(page, 1), max(last, 1))
