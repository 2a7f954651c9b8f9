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
            # Each owns the domain its people's addresses use: /signup works on the demo.
            accounts.create_organization(slug, name, actor_id=None,
                                         domains=[f"{slug}.example.com"])
    existing_users = set(db.session.scalars(select(User.email)))
    new = [accounts.NewUser(email=e, name=n, role=r, org_slug=o, password=DEMO_PASSWORD)
           for e, n, r, o in USERS if e not in existing_users]
    if new:
        accounts.create_users(new, actor_id=None)
        _demo_progress()


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _demo_progress() -> None:
    """Progress earned through the real services, so every page has something to show.

    鈴木 (tokyo-si) finishes the Bronze path and is certified; 伊藤 (sato-sharoushi) is
    one practical short of Bronze; 高橋 (tokyo-si) is part-way through the first course.
    """
    from lms.web import content_store

    store = content_store()
    program = store.program()
    engineer = _user("engineer@tokyo-si.example.com")
    course = store.course("koemoji-overview")
    if course is not None:
        for lesson in course.lessons[:2]:
            db.session.add(LessonProgress(user_id=engineer.id, course_slug=course.slug,
                                          lesson_slug=lesson.slug))
        db.session.commit()
    if program is None or not program.certifications:
        return
    bronze = program.certifications[0]
    for email in ("learner@tokyo-si.example.com", "learner@sato-sharoushi.example.com"):
        _complete_level(_user(email), bronze, store)
    trainer = _user("trainer@example.com")
    if bronze.practical:
        from lms.services.evidence import sign_off

        sign_off(trainer, _user("learner@tokyo-si.example.com").id, level=bronze.level,
                 requirement="practical", note="デモ: ロールプレイ評価に合格",
                 program=program, courses=store.courses())
    from lms.services.organizations import Metrics, update_metrics

    update_metrics(_user("channel@example.com"), "tokyo-si",
                   Metrics(deals_closed=4, annual_revenue=120_000_000, target_met=True))
    _discussion(store, engineer, trainer)
    _assignments(store, program)
    # As the nightly `lms sweep` would: company tiers follow what they now qualify for.
    from lms.models.types import utcnow
    from lms.services.sweep import run_sweep

    run_sweep(utcnow())


def _assignments(store, program) -> None:
    """山田 部長 asks 高橋 for Bronze in two weeks; チャネル 次郎 asked 小林 (kansai-digital)
    to finish the overview course by yesterday: one open and one overdue assignment."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from lms.i18n import DEFAULT_TIMEZONE
    from lms.models.types import utcnow
    from lms.services import assignments

    today = utcnow().astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()
    assignments.assign(_user("manager@tokyo-si.example.com"),
                       [_user("engineer@tokyo-si.example.com")], "certification",
                       program.certifications[0].level, today + timedelta(days=14), store)
    if store.course("koemoji-overview") is not None:
        assignments.assign(_user("channel@example.com"),
                           [_user("learner@kansai-digital.example.com")], "course",
                           "koemoji-overview", today - timedelta(days=1), store)


def _discussion(store, engineer: User, trainer: User) -> None:
    """A question on the first lesson, answered by the trainer and accepted: the FAQ's first entry."""
    from lms.models.types import utcnow
    from lms.services import discussions

    course = store.course("koemoji-overview")
    if course is None or not course.lessons:
        return
    lesson = course.lessons[0]
    question = discussions.ask(
        engineer, course.slug, lesson.slug,
        "医療機関向けの提案で、音声データを院外のクラウドに送らない構成は取れますか？"
        "お客様の情報システム部門から必ず聞かれるポイントなので、説明の仕方も知りたいです。",
        False, utcnow())
    reply = discussions.answer(
        trainer, question.id,
        "構成の可否や保存場所は、**記憶や推測で答えず**、最新の仕様書・セキュリティ資料"
        "（パートナーポータル）で確認してから回答してください。資料にない構成の要望は、"
        "技術サポートに確認してからお返事しましょう。\n\n"
        "説明では次の 3 点を順に示すと伝わりやすいです。\n\n"
        "1. データの流れ（収録 → 転送 → 認識 → 保存）と、それぞれがどこで行われるか\n"
        "2. 通信の暗号化と、データにアクセスできる人の範囲\n"
        "3. 保存期間と削除の手順（3 省 2 ガイドラインへの対応資料を添えて）",
        lesson.title, "/", utcnow())
    discussions.moderate(trainer, reply.id, "accept", utcnow())


def _complete_level(user: User, level, store) -> None:
    """Study every course of the level and pass its quizzes and exams, answering right."""
    from lms.models.types import utcnow
    from lms.quiz import grace
    from lms.services import attempts, progress

    def pass_quiz(slug: str | None) -> None:
        quiz = store.quiz(slug) if slug else None
        if quiz is None:
            return
        attempt, _created = attempts.start_attempt(user, quiz, utcnow(), grace())
        attempts.save_answers(user, attempt.id, _right_answers(attempt), 1, utcnow(), grace())
        attempts.submit(user, attempt.id, utcnow(), grace())

    # In program order, each course's quiz right after its lessons: later courses
    # name earlier ones as prerequisites.
    for slug in level.courses:
        course = store.course(slug)
        if course is None:
            continue
        for lesson in course.lessons:
            progress.mark_lesson_done(user, course, lesson.slug, store)
        pass_quiz(course.quiz)
    for slug, _minimum in level.exams:
        pass_quiz(slug)


def _right_answers(attempt) -> dict:
    answers = {}
    for q in attempt.snapshot["questions"]:
        if q["kind"] == "single":
            answers[q["id"]] = next(c["id"] for c in q["choices"] if c["correct"])
        elif q["kind"] == "multiple":
            answers[q["id"]] = [c["id"] for c in q["choices"] if c["correct"]]
        elif q["kind"] == "essay":
            answers[q["id"]] = "（デモ回答）"
        else:
            key = next((k for k in q["accepted"] if k["kind"] != "regex"), None)
            if key is not None:
                answers[q["id"]] = str(key["value"]) if key["kind"] == "number" else key["text"]
    return answers


def print_logins() -> None:
    click.echo("\nDemo sign-ins (password for all: %s)" % DEMO_PASSWORD)
    for email, name, role, org in USERS:
        where = f" @ {org}" if org else ""
        click.echo(f"  {role:<8} {email:<40} {name}{where}")
    click.echo("")
