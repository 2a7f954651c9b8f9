"""The dashboard's chart counts, stored per UTC day (lms.models.organizations.ChartCount).

Certifications awarded per level and day, and attempts graded (and passed) per quiz and
day. They are kept two ways:

- on writes: every ORM flush that adds, moves or deletes a certification, or sets,
  changes or clears an attempt's ``passed``, adds its +1/-1 to the day's row in the same
  transaction (an upsert, so concurrent writers add up);
- by `lms sweep`: ``rebuild`` recounts every row from the tables, set-based (two
  INSERT ... SELECT ... GROUP BY), which also catches writes made without the ORM
  (bulk SQL, rows deleted by a cascade); once a day (REBUILD_EVERY), as it reads every
  attempt.

The sweep also stores the number of certifications expiring soon (kind "expiring", on
every sweep), which the dashboard shows while it is younger than an hour.

Until the first rebuild (a new install, or just after the migration) the table carries
no ``rebuilt`` marker and the charts count from the rows, as before (``ready``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from flask import current_app, has_app_context
from sqlalchemy import case, delete, event, func, inspect, literal, select
from sqlalchemy.orm import Session

from lms.dates import utc_text
from lms.extensions import db
from lms.models import Attempt, Certification
from lms.models.organizations import ChartCount
from lms.models.types import utcnow
from lms.services.sweep import StepResult, register

AWARD, GRADED, REBUILT, EXPIRING = "award", "graded", "rebuilt", "expiring"
REBUILD_EVERY = timedelta(days=1)
EXPIRING_MAX_AGE = timedelta(hours=1)
_PENDING = "lms.chart_counts.pending"


def day_expr(column):
    """The UTC day of a timestamp column as "YYYY-MM-DD", in SQL."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def day_of(value: datetime | None) -> str | None:
    """The UTC day of a timestamp as "YYYY-MM-DD" (what ``day_expr`` gives in SQL)."""
    return utc_text(value, "%Y-%m-%d")


# -- recounting (the sweep) -------------------------------------------------------------


def rebuild(now: datetime | None = None) -> int:
    """Recount every row from certifications and attempts, in the caller's transaction;
    the number of rows stored (without the marker)."""
    now = now or utcnow()
    c, a = ChartCount.__table__.c, Attempt
    db.session.execute(delete(ChartCount).where(ChartCount.kind != EXPIRING))
    awarded = day_expr(Certification.awarded_at)   # one expression: PostgreSQL groups by it
    db.session.execute(ChartCount.__table__.insert().from_select(
        [c.kind, c.key, c.day, c.n, c.passed],
        select(literal(AWARD), Certification.level, awarded, func.count(), literal(0))
        .where(Certification.awarded_at.is_not(None))
        .group_by(Certification.level, awarded)))
    submitted = day_expr(a.submitted_at)
    db.session.execute(ChartCount.__table__.insert().from_select(
        [c.kind, c.key, c.day, c.n, c.passed],
        select(literal(GRADED), a.quiz_slug, submitted, func.count(),
               func.sum(case((a.passed.is_(True), 1), else_=0)))
        .where(a.passed.is_not(None), a.submitted_at.is_not(None))
        .group_by(a.quiz_slug, submitted)))
    stored = db.session.scalar(select(func.count()).select_from(ChartCount)
                               .where(ChartCount.kind.in_((AWARD, GRADED)))) or 0
    db.session.add(ChartCount(kind=REBUILT, key="", day=day_of(now), n=int(now.timestamp()),
                              passed=0))
    db.session.flush()
    return int(stored)


def ready() -> bool:
    """Whether the counts were built (by the sweep) and are kept: read them."""
    return db.session.scalar(select(ChartCount.n).where(ChartCount.kind == REBUILT)
                             .limit(1)) is not None


def rebuilt_at() -> datetime | None:
    n = db.session.scalar(select(ChartCount.n).where(ChartCount.kind == REBUILT).limit(1))
    return None if n is None else datetime.fromtimestamp(n, timezone.utc)


def store_expiring(total: int, now: datetime) -> None:
    """The number of certifications expiring soon, as counted by the sweep at ``now``."""
    db.session.execute(delete(ChartCount).where(ChartCount.kind == EXPIRING))
    db.session.add(ChartCount(kind=EXPIRING, key="", day=day_of(now), n=total,
                              passed=int(now.timestamp())))
    db.session.flush()


def stored_expiring(now: datetime) -> int | None:
    """The sweep's count of certifications expiring soon, if it is younger than
    EXPIRING_MAX_AGE (the sweep runs every few minutes), else None."""
    row = db.session.execute(select(ChartCount.n, ChartCount.passed)
                             .where(ChartCount.kind == EXPIRING).limit(1)).first()
    if row is None or now.timestamp() - row[1] > EXPIRING_MAX_AGE.total_seconds():
        return None
    return int(row[0])


@register
def sweep_chart_counts(now: datetime) -> StepResult:
    """Recount every day row once a day (or when never counted): writes keep them in
    between; count the certifications expiring soon on every sweep."""
    from lms.services import company_people

    last = rebuilt_at()
    stored = rebuild(now) if last is None or now - last >= REBUILD_EVERY else 0
    store_expiring(company_people.count_expiring(None, now), now)
    db.session.commit()
    return StepResult("chart counts", stored, "recounted" if stored else "kept by writes")


# -- keeping them on writes -------------------------------------------------------------


def _award_key(level, awarded) -> tuple | None:
    day = day_of(awarded)
    return (AWARD, level, day) if level and day else None


def _graded_key(quiz, submitted, passed) -> tuple | None:
    day = day_of(submitted)
    return (GRADED, quiz, day, bool(passed)) if quiz and day and passed is not None else None


def _before_after(obj, names: tuple[str, ...], new: bool, deleted: bool):
    """The attribute values before this flush and after it (None for a side that does not
    exist: a new or a deleted row)."""
    state = inspect(obj)
    before, after = [], []
    for name in names:
        history = state.attrs[name].history
        current = getattr(obj, name)
        old = history.deleted[0] if history.deleted else (
            history.unchanged[0] if history.unchanged else current)
        before.append(old)
        after.append(current)
    return (None if new else tuple(before)), (None if deleted else tuple(after))


def _collect(session: Session, _context) -> None:
    """After a flush (its new/dirty/deleted lists still show what it wrote): the +1/-1
    per day row it implies."""
    deltas: Counter = Counter()
    for group, new, deleted in ((session.new, True, False), (session.dirty, False, False),
                                (session.deleted, False, True)):
        for obj in group:
            if isinstance(obj, Certification):
                names = ("level", "awarded_at")
                if not (new or deleted) and not any(
                        inspect(obj).attrs[n].history.has_changes() for n in names):
                    continue
                before, after = _before_after(obj, names, new, deleted)
                for values, sign in ((before, -1), (after, 1)):
                    key = values and _award_key(*values)
                    if key:
                        deltas[key + (False,)] += sign
            elif isinstance(obj, Attempt):
                names = ("quiz_slug", "submitted_at", "passed")
                if not (new or deleted) and not any(
                        inspect(obj).attrs[n].history.has_changes() for n in names):
                    continue
                before, after = _before_after(obj, names, new, deleted)
                for values, sign in ((before, -1), (after, 1)):
                    key = values and _graded_key(*values)
                    if key:
                        deltas[key] += sign
    if deltas:
        pending = session.info.setdefault(_PENDING, Counter())
        pending.update(deltas)


def _upsert():
    name = db.engine.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(ChartCount.__table__)
    return stmt.on_conflict_do_update(
        index_elements=["kind", "key", "day"],
        set_={"n": ChartCount.__table__.c.n + stmt.excluded.n,
              "passed": ChartCount.__table__.c.passed + stmt.excluded.passed})


def _apply_pending(session: Session) -> None:
    """Before the commit: add this transaction's deltas to the day rows, in it."""
    if not has_app_context() or "sqlalchemy" not in current_app.extensions:
        session.info.pop(_PENDING, None)
        return
    session.flush()
    pending: Counter = session.info.pop(_PENDING, Counter())
    rows: dict[tuple, dict] = {}
    for (kind, key, day, passed), sign in pending.items():
        if not sign:
            continue
        row = rows.setdefault((kind, key, day), {"kind": kind, "key": key, "day": day,
                                                 "n": 0, "passed": 0})
        row["n"] += sign
        if passed:
            row["passed"] += sign
    if rows:
        # Sorted: two transactions touching the same days lock them in the same order.
        session.execute(_upsert(), [rows[k] for k in sorted(rows)])


def _forget_pending(session: Session, *_args) -> None:
    session.info.pop(_PENDING, None)


def install_listener() -> None:
    for name, handler in (("after_flush", _collect), ("before_commit", _apply_pending),
                          ("after_rollback", _forget_pending)):
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)


install_listener()
