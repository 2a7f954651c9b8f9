"""Whether the database takes writes: the /healthz probe, and what a failed write means.

A read-only or full database still answers reads, so ``SELECT 1`` would call it
healthy while every save fails. /healthz therefore commits a tiny write (one row per
server in ``health_probes``); a failure answers 503 with the reason, and a load
balancer takes the server out of rotation.

A write per probe would make /healthz the one route that serialises on the database's
write lock (SQLite) and cost a commit per call from every load balancer and monitor.
So a worker proves a write at most once per ``HEALTH_WRITE_SECONDS`` (1 s by default);
in between, a successful write is trusted and the probe is one ``SELECT 1``. A failure
is never trusted: every probe after one writes again, and a storage error seen by any
request (``recover``) makes the next probe write at once.

SQLite opens a file it may not write read-only without saying so, and such a
connection stays read-only after the permission is restored. On any storage error
the pool is thrown away, so the next request opens fresh connections: the site
recovers by itself once the operator has fixed the file or the disk.
"""

from __future__ import annotations

import socket
import time

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lms.database import begin_write
from lms.extensions import db
from lms.i18n import lazy_gettext as _l
from lms.models import HealthProbe
from lms.models.types import utcnow

# Problem -> (words for /healthz and logs, words for people).
PROBLEMS = {
    "read_only": ("database is read-only",
                  _l("The site cannot save changes right now: its database is read-only. "
                     "Nothing was saved; please try again later.")),
    "full": ("database or disk is full",
             _l("The site cannot save changes right now: its disk is full. "
                "Nothing was saved; please try again later.")),
    "storage": ("database cannot be written (disk I/O error)",
                _l("The site cannot save changes right now because of a storage error. "
                   "Nothing was saved; please try again later.")),
}

_SQLITE = (("readonly database", "read_only"), ("read-only", "read_only"),
           ("database or disk is full", "full"), ("disk i/o error", "storage"),
           ("unable to open database file", "storage"))
# SQLSTATE classes of PostgreSQL: 25006 read-only transaction, 53xxx insufficient resources.
_POSTGRES = (("25006", "read_only"), ("53100", "full"), ("53", "full"), ("58030", "storage"))


def storage_problem(exc: BaseException) -> str | None:
    """'read_only', 'full' or 'storage' when ``exc`` says the database cannot be written."""
    if not isinstance(exc, DBAPIError):
        return None
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate:
        for prefix, problem in _POSTGRES:
            if sqlstate.startswith(prefix):
                return problem
        return None
    message = str(exc.orig).lower()
    for words, problem in _SQLITE:
        if words in message:
            return problem
    return None


def recover() -> None:
    """Forget this worker's connections: the next use opens them again."""
    db.session.rollback()
    db.engine.dispose()
    _trust_write_until(0.0)  # and the next /healthz proves a write again


def _trust_write_until(value: float | None = None) -> float:
    """Until when (monotonic) this worker trusts its last write probe; sets it when given."""
    state = current_app.extensions.setdefault("lms.health", {"until": 0.0})
    if value is not None:
        state["until"] = value
    return state["until"]


def probe_name() -> str:
    return socket.gethostname()[:100] or "server"


def probe_write() -> None:
    """Commit one small write (raises what the database raised)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = utcnow()
    begin_write()
    statement = insert(HealthProbe).values(name=probe_name(), checked_at=now)
    db.session.execute(statement.on_conflict_do_update(index_elements=["name"],
                                                       set_={"checked_at": now}))
    db.session.commit()


def _attempt() -> str | None:
    try:
        probe_write()
    except Exception as exc:  # noqa: BLE001 - any failure means: take me out of rotation
        problem = storage_problem(exc)
        recover()
        if problem:
            return PROBLEMS[problem][0]
        from lms.database import is_lock_timeout

        if is_lock_timeout(exc):
            return "database is busy"
        return "database unreachable"
    return None


def check() -> str | None:
    """None when the database takes writes, else why not (English, for the operator).

    A failed probe is tried once more on fresh connections: a pooled connection opened
    while the file was read-only stays read-only after the fix, and must not keep the
    server out of rotation.
    """
    if time.monotonic() < _trust_write_until():
        try:
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
            return None
        except Exception:  # noqa: BLE001 - fall through to the full probe, which says why
            recover()
    problem = _attempt()
    if problem is not None:
        problem = _attempt()
    if problem is None:
        _trust_write_until(time.monotonic() + current_app.config["HEALTH_WRITE_SECONDS"])
    return problem
