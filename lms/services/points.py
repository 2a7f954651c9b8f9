"""Points: an append-only ledger with one entry per event, running totals, leaderboards.

``award`` joins the caller's transaction: points exist exactly when the event that earns
them was committed, and the ledger's unique event key makes repeats and racing requests
give points once. Totals per person and per company, for all time and per month, are
upserted in the same transaction, so a board is one indexed read even at 50,000 people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import false, func, select, true, union_all

from lms.database import upsert_add, upsert_ignore
from lms.extensions import db
from lms.models import CompanyPointsTotal, Organization, PointsEntry, PointsTotal, User
from lms.models.types import utcnow

ALL_TIME = "all"
BOARD_SIZE = 50
RANKED = 1000  # a person's own rank is told within the top 1,000
# Months follow the programme's home time zone, so "this month" is the same for everyone.
PROGRAM_ZONE = ZoneInfo("Asia/Tokyo")


def month_of(when: datetime) -> str:
    return when.astimezone(PROGRAM_ZONE).strftime("%Y-%m")


def award(user_id: int, organization_id: int | None, kind: str, event_key: str, points: int,
          now: datetime | None = None) -> bool:
    """Add ``points`` for one event, once per ``event_key``; True when it was new."""
    if not points:
        return False
    now = now or utcnow()
    added = upsert_ignore(PointsEntry, {
        "event_key": event_key[:200], "user_id": user_id, "organization_id": organization_id,
        "kind": kind, "points": points, "created_at": now}, ("event_key",))
    if added:
        for period in (ALL_TIME, month_of(now)):
            upsert_add(PointsTotal, {"user_id": user_id, "period": period}, "points", points)
            if organization_id is not None:
                upsert_add(CompanyPointsTotal, {"organization_id": organization_id,
                                                "period": period}, "points", points)
    return added


def earn(user_id: int, kind: str, event_key: str, *, level: str | None = None,
         now: datetime | None = None) -> bool:
    """Points for an event at the rate program.yml's ``points:`` sets for its kind."""
    from lms.services.certifications import program_or_none

    program = program_or_none()
    if program is None:
        return False
    rule = program.points
    amount = {"lesson": rule.lesson, "quiz_passed": rule.quiz_passed,
              "accepted_answer": rule.accepted_answer,
              "certification": rule.for_certification(level or "")}.get(kind, 0)
    if not amount:
        return False
    organization_id = db.session.scalar(select(User.organization_id).where(User.id == user_id))
    return award(user_id, organization_id, kind, event_key, amount, now)


def reverse(event_key: str, reason_kind: str, now: datetime | None = None) -> bool:
    """Take back an event's points with a new, negative entry (never by deleting one)."""
    entry = db.session.scalar(select(PointsEntry).where(PointsEntry.event_key == event_key))
    if entry is None or entry.points <= 0:
        return False
    return award(entry.user_id, entry.organization_id, reason_kind, f"{event_key}:reversed",
                 -entry.points, now)


def total_of(user_id: int) -> int:
    return db.session.scalar(select(PointsTotal.points).where(
        PointsTotal.user_id == user_id, PointsTotal.period == ALL_TIME)) or 0


@dataclass(frozen=True)
class Row:
    rank: int
    name: str
    organization: str | None
    points: int
    user_id: int | None = None
    organization_slug: str | None = None


def _ranked(rows, make) -> list[Row]:
    """Standard competition ranking (1, 2, 2, 4): ties share a rank, order stays stable."""
    out, previous, rank = [], None, 0
    for position, row in enumerate(rows, start=1):
        if row.points != previous:
            rank, previous = position, row.points
        out.append(make(rank, row))
    return out


def period_key(period: str, now: datetime | None = None) -> str:
    return ALL_TIME if period == "all" else month_of(now or utcnow())


def people_board(period: str, *, organization_id: int | None = None, limit: int = BOARD_SIZE,
                 now: datetime | None = None) -> list[Row]:
    """Top people by points; people who opted out never appear. Ties: by id (who got there
    first), so the board walks the totals index and stops after ``limit`` rows."""
    query = (select(User.id, User.name, Organization.name.label("org"), PointsTotal.points)
             .join(User, User.id == PointsTotal.user_id)
             .outerjoin(Organization, Organization.id == User.organization_id)
             .where(PointsTotal.period == period_key(period, now), PointsTotal.points > 0,
                    User.active.is_(True), User.leaderboard_opt_out.is_(False)))
    if organization_id is not None:
        query = query.where(User.organization_id == organization_id)
    rows = db.session.execute(query.order_by(PointsTotal.points.desc(), PointsTotal.user_id)
                              .limit(limit)).all()
    return _ranked(rows, lambda rank, r: Row(rank, r.name, r.org, r.points, user_id=r.id))


def company_board(period: str, *, limit: int = BOARD_SIZE, now: datetime | None = None) -> list[Row]:
    rows = db.session.execute(
        select(Organization.id, Organization.slug, Organization.name, CompanyPointsTotal.points)
        .join(Organization, Organization.id == CompanyPointsTotal.organization_id)
        .where(CompanyPointsTotal.period == period_key(period, now), CompanyPointsTotal.points > 0)
        .order_by(CompanyPointsTotal.points.desc(), CompanyPointsTotal.organization_id)
        .limit(limit)).all()
    return _ranked(rows, lambda rank, r: Row(rank, r.name, r.name, r.points,
                                             organization_slug=r.slug))


def rank_of(user: User, period: str, now: datetime | None = None) -> tuple[int | None, int] | None:
    """(rank, points) of one person on the people board; rank None past ``RANKED`` places
    (counting 45,000 people ahead costs more than the page; "outside the top 1,000" says
    enough). None when the person is not on the board.

    Counted on the totals index alone, then corrected for the few people ahead who are
    not on the board (opted out, deactivated).
    """
    key = period_key(period, now)
    mine = db.session.scalar(select(PointsTotal.points).where(
        PointsTotal.user_id == user.id, PointsTotal.period == key))
    if not mine or user.leaderboard_opt_out:
        return None
    # The rare people off the board, found through their own indexes, then looked up by
    # key: letting the database range over everyone ahead would read every row above.
    off_board = db.session.scalars(union_all(
        select(User.id).where(User.leaderboard_opt_out == true()),
        select(User.id).where(User.active == false()))).all()
    hidden_ahead = 0
    for start in range(0, len(off_board), 500):
        hidden_ahead += db.session.scalar(select(func.count()).select_from(PointsTotal).where(
            PointsTotal.user_id.in_(off_board[start:start + 500]), PointsTotal.period == key,
            PointsTotal.points > mine))
    window = (select(PointsTotal.user_id).where(PointsTotal.period == key, PointsTotal.points > mine)
              .limit(RANKED + hidden_ahead).subquery())
    ahead = db.session.scalar(select(func.count()).select_from(window)) - hidden_ahead
    return (ahead + 1 if ahead < RANKED else None), mine
