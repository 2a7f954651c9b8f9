"""The people of a company: their certifications, courses and exams, who to train next,
and certifications expiring soon. Every query is bounded by a page or by one company."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from lms.content.program import Program
from lms.extensions import db
from lms.models import Attempt, Certification, LessonProgress, Organization, User
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


def status_of(cert_revoked_at, expires_at, now: datetime) -> str:
    if cert_revoked_at is not None:
        return "revoked"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "active"


def certifications_by_user(user_ids: Sequence[int], now: datetime) -> dict[int, list[PersonCertification]]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Certification.id, Certification.user_id, Certification.level,
               Certification.awarded_at, Certification.expires_at, Certification.revoked_at)
        .where(Certification.user_id.in_(user_ids))
        .order_by(Certification.user_id, Certification.awarded_at))
    result: dict[int, list[PersonCertification]] = defaultdict(list)
    for cid, uid, level, awarded, expires, revoked in rows:
        result[uid].append(PersonCertification(cid, level, status_of(revoked, expires, now),
                                               awarded, expires))
    return result


def program_courses(program: Program, store_courses) -> list:
    """The courses the program certifies on, lowest level first; all published courses
    when no program names any."""
    by_slug = {c.slug: c for c in store_courses if not c.draft}
    slugs = [s for cert in program.certifications for s in cert.courses]
    chosen = [by_slug[s] for s in dict.fromkeys(slugs) if s in by_slug]
    return chosen or list(by_slug.values())


def _people_query(org_id: int):
    return (select(User.id, User.name, User.email, User.role, User.last_active_at)
            .where(User.organization_id == org_id, User.active.is_(True)))


def count_people(org_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(_people_query(org_id).subquery()))


def people_page(program: Program, org_id: int, courses: Sequence, now: datetime, *,
                page: int = 1, per_page: int = 50) -> list[Person]:
    """One page of the company's people with certifications, course and exam states."""
    users = db.session.execute(_people_query(org_id).order_by(User.name, User.id)
                               .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    ids = [u.id for u in users]
    certs = certifications_by_user(ids, now)
    done = _lessons_done(ids, [c.slug for c in courses])
    exams = [(quiz, minimum) for cert in program.certifications for quiz, minimum in cert.exams]
    quiz_slugs = {c.quiz for c in courses if c.quiz} | {quiz for quiz, _ in exams}
    best = _best_attempts(ids, quiz_slugs)
    people = []
    for u in users:
        course_states = tuple(_course_state(c, done.get((u.id, c.slug), set()),
                                            best.get((u.id, c.quiz), (None, False)))
                              for c in courses)
        exam_states = tuple(ExamState(quiz, minimum, *_exam_best(best.get((u.id, quiz)), minimum))
                            for quiz, minimum in exams)
        people.append(Person(u.id, u.name, u.email, u.role, u.last_active_at,
                             tuple(certs.get(u.id, ())), course_states, exam_states))
    return people


def all_people(org_id: int, now: datetime) -> list[Person]:
    """Everyone in the company with their certifications (the API's ``people``)."""
    users = db.session.execute(_people_query(org_id).order_by(User.id)).all()
    certs = certifications_by_user([u.id for u in users], now)
    return [Person(u.id, u.name, u.email, u.role, u.last_active_at, tuple(certs.get(u.id, ())))
            for u in users]


def _lessons_done(user_ids: Sequence[int], course_slugs: Sequence[str]) -> dict:
    if not user_ids or not course_slugs:
        return {}
    rows = db.session.execute(
        select(LessonProgress.user_id, LessonProgress.course_slug, LessonProgress.lesson_slug)
        .where(LessonProgress.user_id.in_(user_ids), LessonProgress.course_slug.in_(course_slugs)))
    done: dict[tuple[int, str], set[str]] = defaultdict(set)
    for uid, course, lesson in rows:
        done[(uid, course)].add(lesson)
    return done


def _best_attempts(user_ids: Sequence[int], quiz_slugs) -> dict[tuple[int, str], tuple]:
    """(user, quiz) -> (best percent, ever passed)."""
    if not user_ids or not quiz_slugs:
        return {}
    rows = db.session.execute(
        select(Attempt.user_id, Attempt.quiz_slug, func.max(Attempt.percent),
               func.max(case((Attempt.passed.is_(True), 1), else_=0)))
        .where(Attempt.user_id.in_(user_ids), Attempt.quiz_slug.in_(list(quiz_slugs)),
               Attempt.percent.is_not(None))
        .group_by(Attempt.user_id, Attempt.quiz_slug))
    return {(uid, quiz): (percent, bool(passed)) for uid, quiz, percent, passed in rows}


def _course_state(course, done: set[str], quiz: tuple) -> CourseState:
    lessons = [lesson.slug for lesson in course.lessons]
    count = sum(1 for slug in lessons if slug in done)
    complete = count == len(lessons) and (course.quiz is None or quiz[1])
    return CourseState(course.slug, course.title, course.level, count, len(lessons), complete)


def _exam_best(best: tuple | None, minimum: float) -> tuple[float | None, bool]:
    if best is None or best[0] is None:
        return None, False
    return round(best[0], 1), best[0] >= minimum and best[1]


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
    most lessons done in that level's courses."""
    needs = [program.certification(m.target) for m in missing
             if m.kind == "certified" and program.certification(m.target) is not None]
    if not needs:
        return []
    # Bounded by the company's size: fetch its people once, then their best levels and
    # lessons with IN lists the indexes answer directly.
    members = db.session.execute(
        select(User.id, User.name, User.email)
        .where(User.organization_id == org_id, User.active.is_(True))).all()
    ids = [m.id for m in members]
    # Each person's highest active rank, from their certifications (the same lookup the
    # people table uses, by user id: SQLite's planner would otherwise pick the expiry index).
    best: dict[int, int] = {}
    for uid, certs in certifications_by_user(ids, now).items():
        ranks = [program.rank_of(c.level) for c in certs if c.status == "active"]
        ranks = [r for r in ranks if r is not None]
        if ranks:
            best[uid] = max(ranks)
    result: list[Candidate] = []
    for cert in needs:
        level_courses = [c for c in courses if c.slug in cert.courses]
        total = sum(len(c.lessons) for c in level_courses)
        lessons = dict(db.session.execute(
            select(LessonProgress.user_id, func.count())
            .where(LessonProgress.user_id.in_(ids),
                   LessonProgress.course_slug.in_([c.slug for c in level_courses]))
            .group_by(LessonProgress.user_id)).all()) if ids and level_courses else {}
        below = [m for m in members if best.get(m.id, -1) < cert.rank]
        below.sort(key=lambda m: (-best.get(m.id, -1), -lessons.get(m.id, 0), m.name))
        levels = program.levels
        result.extend(Candidate(m.id, m.name, m.email,
                                levels[best[m.id]] if m.id in best else None, cert.level,
                                min(int(lessons.get(m.id, 0)), total), total)
                      for m in below[:limit])
    return result


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


def _expiring_query(org_ids: Sequence[int] | None, now: datetime):
    stmt = (select(Certification.id, Certification.level, Certification.expires_at, User.id,
                   User.name, User.email, Organization.slug, Organization.name)
            .join(User, User.id == Certification.user_id)
            .join(Organization, Organization.id == User.organization_id)
            .where(Certification.revoked_at.is_(None), User.active.is_(True),
                   and_(Certification.expires_at > now,
                        Certification.expires_at <= now + AT_RISK_WINDOW)))
    if org_ids is not None:
        stmt = stmt.where(User.organization_id.in_(org_ids))
    return stmt


def count_expiring(org_ids: Sequence[int] | None, now: datetime) -> int:
    if org_ids == []:
        return 0
    stmt = _expiring_query(org_ids, now)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def expiring_soon(org_ids: Sequence[int] | None, now: datetime, *, page: int = 1,
                  per_page: int = 20, total: int | None = None) -> tuple[list[Expiring], int]:
    """Active certifications expiring within 90 days, soonest first, and how many
    (counted unless the caller already knows)."""
    if org_ids == []:
        return [], 0
    stmt = _expiring_query(org_ids, now)
    if total is None:
        total = count_expiring(org_ids, now)
    rows = db.session.execute(stmt.order_by(Certification.expires_at, Certification.id)
                              .limit(per_page).offset((max(page, 1) - 1) * per_page))
    return [Expiring(*row) for row in rows], total
