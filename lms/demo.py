"""Demo data: partner companies of every kind, users of every role, some progress."""

from __future__ import annotations

import click
from sqlalchemy import select

from lms.extensions import db
from lms.models import LessonProgress, Organization, User
from lms.services import accounts

DEMO_PASSWORD = "koemoji-demo-2026"

ORGANIZATIONS = [
    ("tokyo-si", "東京システムインテグレーション株式会社"),    # SIer
    ("sato-sharoushi", "佐藤社会保険労務士事務所"),            # 社労士 office
    ("kansai-digital", "関西デジタル販売株式会社"),            # regional reseller
]

USERS = [
    ("admin@example.com", "管理者 太郎", "admin", None),
    ("trainer@example.com", "研修 花子", "trainer", None),
    ("channel@example.com", "チャネル 次郎", "manager", None),
    ("manager@tokyo-si.example.com", "山田 部長", "manager", "tokyo-si"),
    ("learner@tokyo-si.example.com", "鈴木 一郎", "learner", "tokyo-si"),
    ("engineer@tokyo-si.example.com", "高橋 美咲", "learner", "tokyo-si"),
    ("manager@sato-sharoushi.example.com", "佐藤 所長", "manager", "sato-sharoushi"),
    ("learner@sato-sharoushi.example.com", "伊藤 さくら", "learner", "sato-sharoushi"),
    ("manager@kansai-digital.example.com", "中村 店長", "manager", "kansai-digital"),
    ("learner@kansai-digital.example.com", "小林 健", "learner", "kansai-digital"),
]


def load_demo() -> None:
    """Idempotent: existing companies and users are left as they are."""
    existing_orgs = set(db.session.scalars(select(Organization.slug)))
    for slug, name in ORGANIZATIONS:
        if slug not in existing_orgs:
            accounts.create_organization(slug, name, actor_id=None)
    existing_users = set(db.session.scalars(select(User.email)))
    new = [accounts.NewUser(email=e, name=n, role=r, org_slug=o, password=DEMO_PASSWORD)
           for e, n, r, o in USERS if e not in existing_users]
    if new:
        accounts.create_users(new, actor_id=None)
        _demo_progress()


def _demo_progress() -> None:
    """A learner part-way through the first Bronze course, so progress bars show something."""
    user = db.session.scalar(select(User).where(User.email == "engineer@tokyo-si.example.com"))
    from lms.web import content_store

    course = content_store().course("koemoji-overview")
    if user is None or course is None:
        return
    for lesson in course.lessons[:2]:
        db.session.add(LessonProgress(user_id=user.id, course_slug=course.slug,
                                      lesson_slug=lesson.slug))
    db.session.commit()


def print_logins() -> None:
    click.echo("\nDemo sign-ins (password for all: %s)" % DEMO_PASSWORD)
    for email, name, role, org in USERS:
        where = f" @ {org}" if org else ""
        click.echo(f"  {role:<8} {email:<40} {name}{where}")
    click.echo("")
