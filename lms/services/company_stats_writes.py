"""Company rows rebuilt on writes: a flush listener for ``lms.services.company_stats``.

Every flush notes the companies whose figures it may have changed (a certification, a person
joining, leaving or being deactivated, an attempt graded or started, a lesson done, the
company's figures or tier); just before the commit they are rebuilt in the same transaction.
An attempt graded for the first time only adds to its company's graded (and passed) attempts:
that row is updated in place, so grading costs the same in a company of 10 or 10,000.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from lms.models import Attempt, Certification, LessonProgress, Organization, User
from lms.models.organizations import OrganizationStats
from lms.models.types import utcnow
from lms.services.company_stats import (ACTIVE_WINDOW, FALLBACK_PROGRAM, PASS_RATE_WINDOW,
                                        Health, _counted, as_utc, rebuild)

_ORG_FIELDS = ("tier", "deals_closed", "annual_revenue", "target_met", "active")
_USER_FIELDS = ("organization_id", "active", "last_active_at")
_PENDING = "lms.company_stats.pending"


def _touched(session: Session) -> tuple[set[int], set[int], dict[int, list[int]]]:
    """(organisation ids, user ids) whose figures this flush may have changed, and the
    attempts graded for the first time: user id -> [graded, passed] to add."""
    orgs: set[int] = set()
    users: set[int] = set()
    graded: dict[int, list[int]] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Certification, LessonProgress)):
            users.add(obj.user_id)
        elif isinstance(obj, Attempt):
            history = inspect(obj).attrs.passed.history
            if history.has_changes() and _first_grade(session, obj, history):
                counts = graded.setdefault(obj.user_id, [0, 0])
                counts[0] += 1
                counts[1] += 1 if obj.passed else 0
            elif history.has_changes():
                users.add(obj.user_id)
            elif obj in session.new and not _already_active(session, obj.user_id):
                # A started attempt changes only whether its person counts as active; most
                # people starting one signed in lately, so their company is not recounted.
                users.add(obj.user_id)
        elif isinstance(obj, Organization):
            state = inspect(obj)
            if obj in session.new or any(state.attrs[f].history.has_changes()
                                         for f in _ORG_FIELDS):
                orgs.add(obj.id)
        elif isinstance(obj, User):
            state = inspect(obj)
            if (obj in session.new or obj in session.deleted
                    or any(state.attrs[f].history.has_changes() for f in _USER_FIELDS)):
                history = state.attrs.organization_id.history
                orgs.update(i for i in (*history.added, *history.deleted, *history.unchanged)
                            if isinstance(i, int))
    return orgs, {u for u in users if u is not None}, graded


def _first_grade(session: Session, attempt: Attempt, history) -> bool:
    """An attempt started earlier, graded now for the first time, within the pass-rate
    window: it adds one to its company's graded attempts (and passed ones, if it passed)
    and changes nothing else the row counts, so the row is updated, not recounted."""
    if attempt in session.new or attempt in session.deleted or attempt.passed is None:
        return False
    if any(old is not None for old in history.deleted):
        return False  # graded again (an essay scored): recount
    submitted = as_utc(attempt.submitted_at)
    return submitted is not None and submitted >= utcnow() - PASS_RATE_WINDOW


def _add_graded(session: Session, org_id: int, graded: int, passed: int, now: datetime) -> bool:
    """Add graded attempts to the company's stored row and update its health, in two
    statements whatever the company's size; the first locks the row (PostgreSQL), so
    concurrent graders of one company add up. False when there is no row to update."""
    s = OrganizationStats
    row = session.execute(
        update(s).where(s.organization_id == org_id)
        .values(attempts_graded=s.attempts_graded + graded,
                attempts_passed=s.attempts_passed + passed, computed_at=now)
        .returning(s.people, s.active_people, s.attempts_graded, s.attempts_passed,
                   s.certified, s.health)
        .execution_options(synchronize_session=False)).first()
    if row is None:
        return False
    health = Health(*row[:5]).score
    if health != row[5]:
        session.execute(update(s).where(s.organization_id == org_id).values(health=health)
                        .execution_options(synchronize_session=False))
    return True


def _already_active(session: Session, user_id: int | None) -> bool:
    """Whether the person (loaded in this session: the one starting the attempt) counts as
    active already by their sign-in date, without a query."""
    user = session.identity_map.get(identity_key(User, user_id)) if user_id else None
    last = getattr(user, "last_active_at", None)
    if last is None:
        return False
    if last.tzinfo is None:
        last = last.replace(tzinfo=timezone.utc)
    return last >= utcnow() - ACTIVE_WINDOW


def _companies_of(session: Session, user_ids: set[int]) -> set[int]:
    """The companies of these people: read off the ones loaded in this session (the person
    acting, whose attempt or lesson it usually is), queried for the rest."""
    orgs, unknown = set(), []
    for user_id in user_ids:
        user = session.identity_map.get(identity_key(User, user_id))
        loaded = user.__dict__ if user is not None else {}
        if "organization_id" in loaded:  # absent when expired or never loaded
            orgs.add(loaded["organization_id"])
        else:
            unknown.append(user_id)
    if unknown:
        orgs.update(session.scalars(select(User.organization_id).where(User.id.in_(unknown))))
    orgs.discard(None)
    return orgs


def _collect(session: Session, _context) -> None:
    orgs, users, graded = _touched(session)
    if orgs or users or graded:
        pending = session.info.setdefault(_PENDING, (set(), set(), {}))
        pending[0].update(orgs)
        pending[1].update(users)
        for user_id, (n, passed) in graded.items():
            counts = pending[2].setdefault(user_id, [0, 0])
            counts[0] += n
            counts[1] += passed


def _rebuild_pending(session: Session) -> None:
    """Before the commit: rebuild the companies this transaction touched, in it."""
    if not has_app_context() or "lms.content" not in current_app.extensions:
        session.info.pop(_PENDING, None)
        return
    session.flush()  # pending changes first: they may touch more companies
    orgs, users, graded = session.info.pop(_PENDING, (set(), set(), {}))
    if users:
        orgs |= _companies_of(session, users)
    now = utcnow()
    if graded:
        # Graded attempts of people who count (active, in an active company), per company;
        # a company recounted anyway counts them there.
        added: dict[int, list[int]] = {}
        for user_id, org_id in session.execute(
                select(User.id, User.organization_id)
                .where(User.id.in_(graded), User.organization_id.is_not(None), _counted())):
            if org_id not in orgs:
                counts = added.setdefault(org_id, [0, 0])
                counts[0] += graded[user_id][0]
                counts[1] += graded[user_id][1]
        orgs |= {org_id for org_id, (n, passed) in sorted(added.items())
                 if not _add_graded(session, org_id, n, passed, now)}
    if not orgs:
        return
    program = current_app.extensions["lms.content"].program() or FALLBACK_PROGRAM
    rebuild(program, now, sorted(orgs))


def _forget_pending(session: Session, *_args) -> None:
    session.info.pop(_PENDING, None)


def install_listener() -> None:
    for name, handler in (("after_flush", _collect), ("before_commit", _rebuild_pending),
                          ("after_rollback", _forget_pending)):
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)


install_listener()
