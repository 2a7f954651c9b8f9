"""Assignments: a manager asks people to finish a course or a certification by a date.

Partner managers assign to their own company's people, channel managers and admins to
anyone. The person hears of it in the notification centre and by e-mail (same
transaction); an assignment completes by itself once the course is complete or the
certification (or a higher one) is held. Reminders are sent by ``lms sweep``
(lms/services/assignment_sweep.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, or_, select

from lms.database import begin_write, upsert_ignore
from lms.extensions import db
from lms.i18n import DEFAULT_TIMEZONE, valid_timezone
from lms.models import Assignment, Certification, Organization, User
from lms.models.assignments import ASSIGNMENT_KINDS
from lms.models.types import utcnow
from lms.services import audit, inbox
from lms.services import organizations as orgs
from lms.services import progress as progress_service
from lms.services.errors import Forbidden, Invalid, NotFound

MAX_PEOPLE = 500        # people in one assignment request
LATEST_DUE = timedelta(days=3 * 366)


@dataclass(frozen=True)
class Target:
    kind: str       # course, certification
    key: str        # course slug or level
    title: str


def targets(store) -> list[Target]:
    """What may be assigned: the program's certifications, then the published courses."""
    program = store.program()
    found = [Target("certification", c.level, c.title) for c in (program.certifications
                                                                  if program else ())]
    found += [Target("course", c.slug, c.title) for c in store.courses() if not c.draft]
    return found


def target_title(store, kind: str, key: str) -> str:
    for target in targets(store):
        if target.kind == kind and target.key == key:
            return target.title
    return key


def may_assign(viewer) -> bool:
    return orgs.sees_companies(viewer)


def due_moment(due_on: date, tz_name: str | None) -> datetime:
    """The end of ``due_on`` in the person's time zone, in UTC."""
    zone = ZoneInfo(tz_name if tz_name and valid_timezone(tz_name) else DEFAULT_TIMEZONE)
    end = datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=zone)
    return end.astimezone(timezone.utc)


def _check_scope(actor, people: Sequence[User]) -> None:
    if not may_assign(actor):
        raise Forbidden("Only managers assign training.", code="forbidden")
    if orgs.sees_all_companies(actor):
        return
    if any(p.organization_id != actor.organization_id for p in people):
        raise Forbidden("You may only assign training to your own company's people.",
                        code="not_your_people")


def people_for(actor, user_ids: Sequence[int] = (), org_slug: str | None = None) -> list[User]:
    """The active people named (or a whole company's), checked against the actor's scope.

    A partner manager naming someone outside their company is told "no such person", as
    for an unknown id: another company's people are not theirs to see."""
    if not may_assign(actor):
        raise Forbidden("Only managers assign training.", code="forbidden")
    query = select(User).where(User.active.is_(True))
    if not orgs.sees_all_companies(actor):
        query = query.where(User.organization_id == actor.organization_id)
    if org_slug:
        org = orgs.company_for(actor, org_slug)
        query = query.where(User.organization_id == org.id)
    else:
        ids = sorted({int(i) for i in user_ids})
        if not ids:
            raise Invalid("Choose at least one person.", field="people", code="no_people")
        query = query.where(User.id.in_(ids))
    people = list(db.session.scalars(query.order_by(User.id).limit(MAX_PEOPLE + 1)))
    if not org_slug and len(people) != len({int(i) for i in user_ids}):
        raise NotFound("No such person.", code="unknown_user")
    if len(people) > MAX_PEOPLE:
        raise Invalid(f"At most {MAX_PEOPLE} people at once.", field="people", code="too_many")
    _check_scope(actor, people)
    return people


def assign(actor, people: Sequence[User], kind: str, key: str, due_on: date, store, *,
           now: datetime | None = None) -> list[Assignment]:
    """Assign ``kind``/``key`` to each person, due at the end of ``due_on``.

    Assigning again moves the due date (its reminders are new ones). The person is told
    once per due date, in the notification centre and by e-mail.
    """
    now = now or utcnow()
    if kind not in ASSIGNMENT_KINDS or not any(t.kind == kind and t.key == key
                                               for t in targets(store)):
        raise Invalid("Choose a course or a certification.", field="target", code="unknown_target")
    if not (now.date() - timedelta(days=1) <= due_on <= now.date() + LATEST_DUE):
        raise Invalid("The due date must be today or later (within three years).",
                      field="due_on", code="bad_due_date")
    _check_scope(actor, people)
    from lms.services import assignment_mail

    title = target_title(store, kind, key)
    begin_write()
    done: list[Assignment] = []
    for person in people:
        due_at = due_moment(due_on, person.timezone)
        upsert_ignore(Assignment, {"user_id": person.id, "kind": kind, "target": key,
                                   "due_on": due_on, "due_at": due_at,
                                   "assigned_by_id": actor.id, "created_at": now,
                                   "notices": []}, ("user_id", "kind", "target"))
        row = db.session.scalar(select(Assignment).where(
            Assignment.user_id == person.id, Assignment.kind == kind, Assignment.target == key)
            .with_for_update())
        row.due_on, row.due_at, row.assigned_by_id = due_on, due_at, actor.id
        if row.completed_at is None and is_done(person, kind, key, store, now):
            row.completed_at = now
        if row.completed_at is None:
            given = f"given:{due_on.isoformat()}"
            if given not in (row.notices or []):
                row.notices = [*(row.notices or []), given]
                inbox.notify(person.id, "assignment_given", f"assignment:{row.id}:{given}",
                             url=link_path(kind, key), title=title, by=actor.name,
                             due=due_on.isoformat())
                assignment_mail.given(person, actor, title, due_on, kind, key)
        done.append(row)
    audit.record("assignment.given", actor_id=actor.id, target=f"{kind}:{key}",
                 people=[p.id for p in people], due_on=due_on.isoformat())
    db.session.commit()
    return done


def link_path(kind: str, key: str) -> str:
    if kind == "course":
        return inbox.path_for("catalog.course", slug=key)
    return inbox.path_for("certs.mine")


# -- completion ---------------------------------------------------------------------------


def _held_ranks(user_id: int, program, now: datetime) -> set[int]:
    levels = db.session.scalars(select(Certification.level).where(
        Certification.user_id == user_id,
        Certification.revoked_at.is_(None),
        or_(Certification.expires_at.is_(None), Certification.expires_at > now)))
    return {rank for level in levels if (rank := program.rank_of(level)) is not None}


def is_done(person: User, kind: str, key: str, store, now: datetime) -> bool:
    if kind == "course":
        course = store.course(key)
        return course is not None and bool(
            progress_service.progress_for(person, [course])[key].complete)
    program = store.program()
    rank = program.rank_of(key) if program is not None else None
    return rank is not None and any(r >= rank for r in _held_ranks(person.id, program, now))


def complete_finished(person: User, store, now: datetime | None = None) -> int:
    """Mark the person's open assignments that are now done; the number completed."""
    now = now or utcnow()
    open_rows = db.session.execute(select(Assignment.id, Assignment.kind, Assignment.target)
                                   .where(Assignment.user_id == person.id,
                                          Assignment.completed_at.is_(None))).all()
    finished = [aid for aid, kind, key in open_rows if is_done(person, kind, key, store, now)]
    if not finished:
        db.session.commit()
        return 0
    begin_write()
    changed = 0
    for row in db.session.scalars(select(Assignment).where(
            Assignment.id.in_(finished), Assignment.completed_at.is_(None)).with_for_update()):
        row.completed_at = now
        changed += 1
    db.session.commit()
    return changed


def _after_progress(user: User) -> None:
    from lms.web import content_store

    complete_finished(user, content_store())


# After certifications.award_after_progress (imported above through progress listeners):
# an award made by the same progress completes a certification assignment at once.
progress_service.PROGRESS_LISTENERS.append(_after_progress)


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    assignment: Assignment
    person_name: str
    person_email: str
    company_name: str | None
    company_slug: str | None

    def overdue(self, now: datetime) -> bool:
        return self.assignment.completed_at is None and self.assignment.due_at <= now


_FOR_PERSON = (select(Assignment).where(Assignment.user_id == bindparam("uid"),
                                      or_(Assignment.completed_at.is_(None),
                                          Assignment.completed_at >= bindparam("recent")))
               .order_by(Assignment.completed_at.is_not(None), Assignment.due_at, Assignment.id))


def for_person(user_id: int) -> list[Assignment]:
    """Open assignments first by due date, then those completed in the last 30 days."""
    # Built once (the home page asks on every visit); only the bound values vary.
    return list(db.session.scalars(_FOR_PERSON, {"uid": user_id,
                                                 "recent": utcnow() - timedelta(days=30)}))


STATUSES = ("open", "overdue", "done", "all")


def _scoped(org_ids: Sequence[int] | None, status: str, now: datetime):
    query = (select(Assignment, User.name, User.email, Organization.name, Organization.slug)
             .join(User, User.id == Assignment.user_id)
             .outerjoin(Organization, Organization.id == User.organization_id)
             .where(User.active.is_(True)))   # a deactivated person's training is nobody's task
    if org_ids is not None:
        query = query.where(User.organization_id.in_(list(org_ids) or [-1]))
    if status == "open":
        query = query.where(Assignment.completed_at.is_(None))
    elif status == "overdue":
        query = query.where(Assignment.completed_at.is_(None), Assignment.due_at <= now)
    elif status == "done":
        query = query.where(Assignment.completed_at.is_not(None))
    return query


def list_page(org_ids: Sequence[int] | None, status: str, now: datetime, *, page: int = 1,
              per_page: int = 50) -> tuple[list[Row], int]:
    """Assignments of the companies ``org_ids`` (None: all), soonest due first."""
    query = _scoped(org_ids, status, now)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Assignment.completed_at.is_not(None),
                                             Assignment.due_at, Assignment.id)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return [Row(*r) for r in rows], total


def counts(org_ids: Sequence[int] | None, now: datetime) -> tuple[int, int]:
    """(open, overdue) assignments of the companies."""
    query = select(func.count(), func.count().filter(Assignment.due_at <= now)).select_from(
        Assignment).join(User, User.id == Assignment.user_id).where(
        Assignment.completed_at.is_(None), User.active.is_(True))
    if org_ids is not None:
        query = query.where(User.organization_id.in_(list(org_ids) or [-1]))
    open_count, overdue = db.session.execute(query).one()
    return open_count or 0, overdue or 0


def overdue_rows(org_ids: Sequence[int] | None, now: datetime, limit: int = 20) -> list[Row]:
    rows, _total = list_page(org_ids, "overdue", now, per_page=limit)
    return rows


def people_choices(actor, org: Organization) -> list[User]:
    if not orgs.sees_all_companies(actor) and actor.organization_id != org.id:
        raise Forbidden("You may only see your own company.")
    return list(db.session.scalars(select(User).where(
        and_(User.organization_id == org.id, User.active.is_(True))).order_by(User.name, User.id)))
