"""The people of a company: their certifications, courses and exams, who to train next,
and certifications expiring soon. Every query is bounded by a page or by one company."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime

from sqlalchemy import Integer, bindparam, case, func, or_, select

from lms.content.program import Program
from lms.extensions import db
from lms.models import Attempt, Certification, LessonProgress, Organization, User
from lms.models.types import UTCDateTime
from lms.rules.certification import HeldCertification, status_of
from lms.rules.tiers import AT_RISK_WINDOW, Missing


@dataclass(frozen=True)
class PersonCertification:
    id: str
    level: str
    status: str          # active | expired | revoked
    awarded_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class CourseState:
    slug: str
    title: str
    level: str | None
    lessons_done: int
    lessons_total: int
    complete: bool


@dataclass(frozen=True)
class ExamState:
    slug: str
    minimum: float
    best: float | None
    passed: bool


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    role: str
    last_active_at: datetime | None
    certifications: tuple[PersonCertification, ...]
    courses: tuple[CourseState, ...] = ()
    exams: tuple[ExamState, ...] = ()

    @property
    def active_levels(self) -> tuple[str, ...]:
        return tuple(c.level for c in self.certifications if c.status == "active")

    @property
    def courses_complete(self) -> int:
        return sum(1 for c in self.courses if c.complete)


# The page's queries are built once and bound per call: SQLAlchemy building a statement
# (and its cache key) cost more than SQLite running it on a page of 50 people.
_IDS = bindparam("ids", expanding=True)
_SLUGS = bindparam("slugs", expanding=True)
_ORG = bindparam("org_id", type_=Integer)
_NOW = bindparam("now", type_=UTCDateTime)
_LIMIT = bindparam("limit", type_=Integer)
_OFFSET = bindparam("offset", type_=Integer)

_CERTIFICATIONS = (select(Certification.id, Certification.user_id, Certification.level,
                          Certification.awarded_at, Certification.expires_at,
                          Certification.revoked_at)
                   .where(Certification.user_id.in_(_IDS))
                   .order_by(Certification.user_id, Certification.awarded_at))


def certifications_by_user(user_ids: Sequence[int], now: datetime) -> dict[int, list[PersonCertification]]:
    if not user_ids:
        return {}
    rows = db.session.execute(_CERTIFICATIONS, {"ids": list(user_ids)})
    result: dict[int, list[PersonCertification]] = defaultdict(list)
    for cid, uid, level, awarded, expires, revoked in rows:
        held = HeldCertification(level, awarded, expires, revoked=revoked is not None,
                                 revoked_at=revoked)
        result[uid].append(PersonCertification(cid, level, status_of(held, now),
                                               awarded, expires))
    return result


def program_courses(program: Program, store_courses) -> list:
    """The courses the program certifies on, lowest level first; all published courses
    when no program names any."""
    by_slug = {c.slug: c for c in store_courses if not c.draft}
    slugs = [s for cert in program.certifications for s in cert.courses]
    chosen = [by_slug[s] for s in dict.fromkeys(slugs) if s in by_slug]
    return chosen or list(by_slug.values())


_PEOPLE = (select(User.id, User.name, User.email, User.role, User.last_active_at)
           .where(User.organization_id == _ORG, User.active.is_(True)))
_PEOPLE_COUNT = select(func.count()).select_from(_PEOPLE.subquery())
_PEOPLE_PAGE = _PEOPLE.order_by(User.name, User.id).limit(_LIMIT).offset(_OFFSET)


def count_people(org_id: int) -> int:
    return db.session.scalar(_PEOPLE_COUNT, {"org_id": org_id})


def people_page(program: Program, org_id: int, courses: Sequence, now: datetime, *,
                page: int = 1, per_page: int = 50) -> list[Person]:
    """One page of the company's people with certifications, course and exam states."""
    users = db.session.execute(_PEOPLE_PAGE, {"org_id": org_id, "limit": per_page,
                                              "offset": (max(page, 1) - 1) * per_page}).all()
    ids = [u.id for u in users]
    certs = certifications_by_user(ids, now)
    done = _lessons_done(ids, [c.slug for c in courses])
    exams = [(quiz, minimum) for cert in program.certifications for quiz, minimum in cert.exams]
    quiz_slugs = {c.quiz for c in courses if c.quiz} | {quiz for quiz, _ in exams}
    best = _best_attempts(ids, quiz_slugs)
    lessons = [(c, [lesson.slug for lesson in c.lessons]) for c in courses]
    people = []
    for u in users:
        course_states = tuple(_course_state(c, slugs, done.get((u.id, c.slug), ()),
                                            best.get((u.id, c.quiz), (None, False)))
                              for c, slugs in lessons)
        exam_states = tuple(ExamState(quiz, minimum, *_exam_best(best.get((u.id, quiz)), minimum))
                            for quiz, minimum in exams)
        people.append(Person(u.id, u.name, u.email, u.role, u.last_active_at,
                             tuple(certs.get(u.id, ())), course_states, exam_states))
    return people


def all_people(org_id: int, now: datetime) -> list[Person]:
    """Everyone in the company with their certifications (the API's ``people``)."""
    users = db.session.execute(_PEOPLE.order_by(User.id), {"org_id": org_id}).all()
    certs = certifications_by_user([u.id for u in users], now)
    return [Person(u.id, u.name, u.email, u.role, u.last_active_at, tuple(certs.get(u.id, ())))
            for u in users]


_LESSONS = (select(LessonProgress.user_id, LessonProgress.course_slug, LessonProgress.lesson_slug)
            .where(LessonProgress.user_id.in_(_IDS), LessonProgress.course_slug.in_(_SLUGS)))
_BEST = (select(Attempt.user_id, Attempt.quiz_slug, func.max(Attempt.percent),
                func.max(case((Attempt.passed.is_(True), 1), else_=0)))
         .where(Attempt.user_id.in_(_IDS), Attempt.quiz_slug.in_(_SLUGS),
                Attempt.percent.is_not(None))
         .group_by(Attempt.user_id, Attempt.quiz_slug))


def _lessons_done(user_ids: Sequence[int], course_slugs: Sequence[str]) -> dict:
    if not user_ids or not course_slugs:
        return {}
    rows = db.session.execute(_LESSONS, {"ids": list(user_ids), "slugs": list(course_slugs)})
    done: dict[tuple[int, str], set[str]] = defaultdict(set)
    for uid, course, lesson in rows:
        done[(uid, course)].add(lesson)
    return done


def _best_attempts(user_ids: Sequence[int], quiz_slugs) -> dict[tuple[int, str], tuple]:
    """(user, quiz) -> (best percent, ever passed)."""
    if not user_ids or not quiz_slugs:
        return {}
    rows = db.session.execute(_BEST, {"ids": list(user_ids), "slugs": sorted(quiz_slugs)})
    return {(uid, quiz): (percent, bool(passed)) for uid, quiz, percent, passed in rows}


def _course_state(course, lessons: list[str], done, quiz: tuple) -> CourseState:
    count = sum(1 for slug in lessons if slug in done) if done else 0
    complete = count == len(lessons) and (course.quiz is None or quiz[1])
    return CourseState(course.slug, course.title, course.level, count, len(lessons), complete)


def _exam_best(best: tuple | None, minimum: float) -> tuple[float | None, bool]:
    if best is None or best[0] is None:
        return None, False
    return best[0], best[0] >= minimum and best[1]


# -- who to train next ----------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    email: str
    current_level: str | None     # highest active level now
    target_level: str             # the level the next tier needs more people at
    lessons_done: int             # in the target level's courses
    lessons_total: int


def training_candidates(program: Program, org_id: int, missing: Sequence[Missing],
                        courses: Sequence, now: datetime, limit: int = 10) -> list[Candidate]:
    """People closest to each level the next tier lacks: highest level held first, then
    most lessons done in that level's courses. One query per level, ranked and cut in SQL."""
    needs = [program.certification(m.target) for m in missing
             if m.kind == "certified" and program.certification(m.target) is not None]
    result: list[Candidate] = []
    for cert in needs:
        level_courses = [c for c in courses if c.slug in cert.courses]
        total = sum(len(c.lessons) for c in level_courses)
        stmt = _candidates_query(tuple((c.level, c.rank) for c in program.certifications),
                                 cert.rank, tuple(c.slug for c in level_courses))
        rows = db.session.execute(stmt, {"org_id": org_id, "now": now, "limit": limit})
        result.extend(Candidate(uid, name, email, program.levels[r] if r >= 0 else None,
                                cert.level, min(int(n), total), total)
                      for uid, name, email, r, n in rows)
    return result


@lru_cache(maxsize=64)
def _candidates_query(ranks: tuple[tuple[str, int], ...], below: int, course_slugs: tuple[str, ...]):
    """Members under rank ``below``: id, name, email, highest active rank (-1: none),
    lessons done in the courses. Built once per shape, bound per call: building it
    cost twice as much as running it."""
    org_id = bindparam("org_id", type_=Integer)
    members = select(User.id).where(User.organization_id == org_id, User.active.is_(True))
    rank = case(dict(ranks), value=Certification.level)
    best = (select(Certification.user_id, func.max(rank).label("rank"))
            .where(Certification.user_id.in_(members), Certification.revoked_at.is_(None),
                   or_(Certification.expires_at.is_(None),
                       Certification.expires_at > bindparam("now", type_=UTCDateTime)))
            .group_by(Certification.user_id).subquery())
    lessons = (select(LessonProgress.user_id, func.count().label("n"))
               .where(LessonProgress.user_id.in_(members),
                      LessonProgress.course_slug.in_(list(course_slugs)))
               .group_by(LessonProgress.user_id).subquery())
    held, done = func.coalesce(best.c.rank, -1), func.coalesce(lessons.c.n, 0)
    return (select(User.id, User.name, User.email, held, done)
            .outerjoin(best, best.c.user_id == User.id)
            .outerjoin(lessons, lessons.c.user_id == User.id)
            .where(User.organization_id == org_id, User.active.is_(True), held < below)
            .order_by(held.desc(), done.desc(), User.name, User.id)
            .limit(bindparam("limit", type_=Integer)))


# -- expiring soon ----------------------------------------------------------------------


@dataclass(frozen=True)
class Expiring:
    certification_id: str
    level: str
    expires_at: datetime
    person_id: int
    person_name: str
    person_email: str
    company_slug: str
    company_name: str


@lru_cache(maxsize=2)
def _expiring_queries(scoped: bool):
    """(count, page) of active certifications expiring in the window, of the companies
    in ``org_ids`` when scoped: built once, bound per call."""
    stmt = (select(Certification.id, Certification.level, Certification.expires_at, User.id,
                   User.name, User.email, Organization.slug, Organization.name)
            .join(User, User.id == Certification.user_id)
            .join(Organization, Organization.id == User.organization_id)
            .where(Certification.revoked_at.is_(None), User.active.is_(True),
                   Certification.expires_at > _NOW,
                   Certification.expires_at <= bindparam("until", type_=UTCDateTime)))
    if scoped:
        stmt = stmt.where(User.organization_id.in_(bindparam("org_ids", expanding=True)))
    return (select(func.count()).select_from(stmt.subquery()),
            stmt.order_by(Certification.expires_at, Certification.id).limit(_LIMIT)
            .offset(_OFFSET))


def _expiring_params(org_ids: Sequence[int] | None, now: datetime) -> dict:
    params = {"now": now, "until": now + AT_RISK_WINDOW}
    if org_ids is not None:
        params["org_ids"] = list(org_ids)
    return params


def count_expiring(org_ids: Sequence[int] | None, now: datetime) -> int:
    if org_ids == []:
        return 0
    count, _page = _expiring_queries(org_ids is not None)
    return db.session.scalar(count, _expiring_params(org_ids, now))


def expiring_soon(org_ids: Sequence[int] | None, now: datetime, *, page: int = 1,
                  per_page: int = 20, total: int | None = None) -> tuple[list[Expiring], int]:
    """Active certifications expiring within 90 days, soonest first, and how many
    (counted unless the caller already knows)."""
    if org_ids == []:
        return [], 0
    if total is None:
        total = count_expiring(org_ids, now)
    _count, query = _expiring_queries(org_ids is not None)
    rows = db.session.execute(query, {**_expiring_params(org_ids, now), "limit": per_page,
                                      "offset": (max(page, 1) - 1) * per_page})
    return [Expiring(*row) for row in rows], total
