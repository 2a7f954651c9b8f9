"""Scheduled reports: the partner manager's weekly digest and the channel manager's monthly
summary, sent by `lms sweep` through the outbox to a real SMTP server (aiosmtpd), once per
person and period, in the person's language, each with a link to its page."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Assignment, AuditEvent, Certification, ScheduledReport
from lms.models.types import utcnow
from lms.services import assignments, reports
from lms.services.sweep import run_sweep
from tests.smtp_server import SmtpServer


@pytest.fixture()
def smtp(app):
    saved = {k: app.config[k] for k in ("SMTP_URL", "MAIL_SERVER")}
    server = SmtpServer().start()
    app.config.update(SMTP_URL=server.url, MAIL_SERVER="")
    yield server.mailbox
    server.stop()
    app.config.update(saved)


@pytest.fixture()
def world(db, make, certs):
    alpha = make.org("alpha", name="Alpha KK", tier="bronze")
    beta = make.org("beta", name="Beta KK")
    ann = make.user("learner", org=alpha, email="ann@alpha.example")
    bob = make.user("learner", org=beta, email="bob@beta.example")
    ann.name, bob.name = "Ann Alpha", "Bob Beta"
    db.session.commit()
    certs.add(ann, "bronze", days=30, awarded_days_ago=400)   # alpha's only one: tier at risk
    certs.add(bob, "silver", days=200, awarded_days_ago=400)
    managers = {
        "alpha_ja": make.user("manager", org=alpha, email="pm-ja@alpha.example", locale="ja"),
        "alpha_en": make.user("manager", org=alpha, email="pm-en@alpha.example", locale="en"),
        "beta": make.user("manager", org=beta, email="pm@beta.example", locale="en"),
        "channel_ja": make.user("manager", email="cm-ja@vendor.example", locale="ja"),
        "channel_en": make.user("manager", email="cm-en@vendor.example", locale="en"),
    }
    # An overdue assignment in each company.
    for person in (ann, bob):
        due = utcnow().date() - timedelta(days=3)
        db.session.add(Assignment(user_id=person.id, kind="course", target="deep", due_on=due,
                                  due_at=assignments.due_moment(due, "Asia/Tokyo"), notices=[]))
    db.session.commit()
    return alpha, beta, managers


def test_weekly_digest_content_once_per_week(app, world, smtp):
    _alpha, _beta, managers = world
    now = utcnow()
    run_sweep(now)
    run_sweep(now + timedelta(minutes=5))
    en = smtp.wait_for("pm-en@alpha.example")
    body = en.get_content()
    assert en["Subject"] == "Weekly digest for Alpha KK"
    assert "Tier at risk" in body and "Bronze Partner" in body
    assert "Certifications expiring within 90 days: 1" in body and "Ann Alpha" in body
    assert "Bronze Certification" in body
    assert "Overdue assignments: 1" in body and "Ann Alpha: Deep" in body
    assert "Company page: http://academy.test/partners/alpha" in body
    # Nothing of another company.
    assert "Bob Beta" not in body and "Beta KK" not in body
    ja = smtp.wait_for("pm-ja@alpha.example")
    assert ja["Subject"] == "Alpha KK の週次ダイジェスト"
    assert "ティア維持に注意" in ja.get_content() and "期限切れの課題: 1 件" in ja.get_content()
    beta = smtp.wait_for("pm@beta.example").get_content()
    assert "Bob Beta" in beta and "Ann Alpha" not in beta and "Tier not at risk." in beta
    # Once per week: a second sweep the same week sent nothing more.
    for address in ("pm-en@alpha.example", "pm-ja@alpha.example", "pm@beta.example"):
        assert len([m for m in smtp.to(address) if "digest" in m["Subject"]
                    or "ダイジェスト" in m["Subject"]]) == 1
    # Learners get no digest.
    assert not [m for m in smtp.to("ann@alpha.example") if "ダイジェスト" in m["Subject"]]
    # The next week brings the next one.
    run_sweep(now + timedelta(days=7))
    smtp.wait_for("pm-en@alpha.example", count=2)
    assert db.session.scalar(select(func.count()).select_from(ScheduledReport).where(
        ScheduledReport.kind == "weekly_digest")) == 6


def test_monthly_summary_for_channel_managers(app, world, smtp, make):
    _alpha, beta, _managers = world
    now = utcnow()
    period, start, _end = reports.previous_month(now)
    db.session.add(AuditEvent(action="organization.tier", target="alpha",
                              at=start + timedelta(days=2),
                              detail={"before": "registered", "after": "bronze"}))
    holder = make.user("learner", org=beta, email="new@beta.example")
    db.session.add(Certification(user_id=holder.id, level="silver",
                                 awarded_at=start + timedelta(days=3),
                                 expires_at=now + timedelta(days=700)))
    db.session.commit()
    run_sweep(now)
    run_sweep(now + timedelta(hours=1))
    en = smtp.wait_for("cm-en@vendor.example")
    body = en.get_content()
    month = f"{period[:4]}/{period[5:]}"
    assert en["Subject"] == f"Monthly partner summary: {month}"
    assert "Tier changes: 1" in body and "Alpha KK: Registered Partner → Bronze Partner" in body
    assert "Certifications awarded: 1" in body and "Silver Certification: 1" in body
    assert "company at risk of losing its tier" in body and "- Alpha KK" in body
    assert "Dashboard: http://academy.test/partners/" in body
    ja = smtp.wait_for("cm-ja@vendor.example")
    assert ja["Subject"] == f"パートナー月次サマリー: {month}"
    assert "ティアの変更: 1 件" in ja.get_content()
    assert len(smtp.to("cm-en@vendor.example")) == 1
    # Partner managers get no monthly summary.
    assert not [m for m in smtp.to("pm-en@alpha.example") if "Monthly" in m["Subject"]]


def test_periods_in_japan_time():
    sunday_night_utc = datetime(2026, 12, 6, 16, 0, tzinfo=timezone.utc)   # Monday 01:00 JST
    assert reports.week_of(sunday_night_utc) == "2026-W50"
    assert reports.week_of(sunday_night_utc - timedelta(hours=2)) == "2026-W49"
    period, start, end = reports.previous_month(datetime(2026, 1, 1, 0, 30, tzinfo=timezone.utc))
    assert period == "2025-12"
    assert start == datetime(2025, 11, 30, 15, 0, tzinfo=timezone.utc)
    assert end == datetime(2025, 12, 31, 15, 0, tzinfo=timezone.utc)


def test_parallel_sweeps_send_each_digest_once(app, world):
    now = utcnow()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                results.append(reports.send_weekly_digests(now))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 3
    from lms.models import OutboxMessage

    db.session.rollback()
    recipients = sorted(db.session.scalars(select(OutboxMessage.recipient)))
    assert recipients == ["pm-en@alpha.example", "pm-ja@alpha.example", "pm@beta.example"]
