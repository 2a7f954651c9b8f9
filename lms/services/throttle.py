"""Counting attempts per key in the database, shared by every worker and server.

Each attempt is counted *before* it is checked, by one atomic statement
(``INSERT … ON CONFLICT (key) DO UPDATE SET failures = failures + 1 … RETURNING``), so
however many requests arrive at once, each gets its own number and at most ``limit`` of
them are let through to the password check. A read followed by a write would let
parallel requests all read the same count (and race to insert the first row).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, update

from lms.database import dialect_insert
from lms.extensions import db
from lms.models import LoginThrottle
from lms.models.types import UTCDateTime

KEY_LENGTH = 300  # the column's size


@dataclass(frozen=True)
class ThrottleLimits:
    """Attempts allowed per window.

    ``per_account_address``: one account from one address (someone mistyping, or one
    attacker guessing); ``per_address``: all accounts from one address; ``per_account``:
    one account from everywhere, generous so that one attacker cannot lock its owner out.
    """

    per_account_address: int
    per_address: int
    per_account: int
    window: timedelta


def key(kind: str, *parts: str) -> str:
    """The row key for these parts: readable when it fits the column, else a digest."""
    raw = f"{kind}:{'|'.join(parts)}"
    if len(raw) <= KEY_LENGTH and "\x00" not in raw:
        return raw
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}:sha256:{digest}"


def hit(row_key: str, now: datetime, window: timedelta) -> int:
    """Count one attempt under ``row_key``; return the count in the window, this one included.

    A window that ended before ``now`` starts again at 1, within the same statement.
    """
    table = LoginThrottle.__table__
    expired = table.c.window_start <= now - window
    statement = dialect_insert(table).values(key=row_key, failures=1, window_start=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"failures": case((expired, 1), else_=table.c.failures + 1),
              "window_start": case((expired, literal(now, UTCDateTime())),
                                   else_=table.c.window_start)},
    ).returning(table.c.failures)
    return db.session.execute(statement).scalar_one()


def give_back(row_key: str) -> None:
    """Uncount one attempt that turned out not to be a failure (a right password)."""
    table = LoginThrottle.__table__
    db.session.execute(update(table).where(table.c.key == row_key, table.c.failures > 0)
                       .values(failures=table.c.failures - 1))


def clear(row_key: str) -> None:
    table = LoginThrottle.__table__
    db.session.execute(delete(table).where(table.c.key == row_key))


def count(row_key: str, now: datetime, window: timedelta) -> int:
    """The attempts counted under ``row_key`` in the current window (0 if it ended)."""
    row = db.session.get(LoginThrottle, row_key, populate_existing=True)
    if row is None or row.window_start <= now - window:
        return 0
    return row.failures
