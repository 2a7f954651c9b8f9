"""Awarding through the service: once, in chains, renewals, revocation, sweep, audit."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from lms.models import AuditEvent, Certification
from lms.services import certifications as certs
from lms.services.sweep import run_sweep


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_nothing_is_awarded_until_every_requirement_holds(db, make, facts, award):
    user = make.user("learner", org=make.org())
    facts.lessons(user)
    facts.exam(user, "bronze-exam", 85)
    assert award(user).awarded == ()
    facts.signoff(user, "bronze", "practical")
    result = award(user)
    assert result.levels == ["bronze"]
    cert = result.awarded[0]
    assert len(cert.id) == 32 and int(cert.id, 16) >= 0  # 128 random bits, hex
    assert cert.expires_at - cert.awarded_at == timedelta(days=730)
    assert cert.recipient_identity.startswith("sha256$") and cert.recipient_salt
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "certification.awarded")).all()
    assert [e.target for e in events] == [cert.id]


def test_awarding_twice_awards_once(db, make, facts, award):
    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    assert award(user).levels == ["bronze"]
    assert award(user).levels == []
    assert count(db, Certification, Certification.user_id == user.id) == 1


def test_failed_exam_below_the_mark_does_not_count(db, make, facts, award):
    user = make.user("learner", org=make.org())
    facts.lessons(user)
    facts.signoff(user, "bronze", "practical")
    facts.exam(user, "bronze-exam", 72, passed=False)
    assert award(user).levels == []


def test_silver_and_gold_follow_in_one_pass_when_everything_holds(db, make, facts, award):
    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    facts.exam(user, "silver-exam", 80)
    facts.evidence(user, deals=3, csat=4.0)
    facts.exam(user, "gold-exam", 90)
    for name in ("recommendation", "paper", "interview"):
        facts.signoff(user, "gold", name)
    assert award(user).levels == ["bronze", "silver", "gold"]


def test_the_lesson_listener_awards_the_moment_the_last_lesson_is_done(db, make, facts, store):
    from lms.services.progress import mark_lesson_done

    user = make.user("learner", org=make.org())
    facts.exam(user, "bronze-exam", 85)
    facts.signoff(user, "bronze", "practical")
    assert count(db, Certification, Certification.user_id == user.id) == 0
    mark_lesson_done(user, store.course("basics"), "intro", store)
    assert count(db, Certification, Certification.user_id == user.id) == 1


def test_parallel_awards_issue_one_certification(app, db, make, facts, store):
    """Eight threads race to award the same level; the unique current_key lets one win."""
    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    store.refresh(force=True)
    barrier = threading.Barrier(8)
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                from lms.models import User

                person = db.session.get(User, user.id)
                results.append(certs.award_due(person, store.courses(), store.program()).levels)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [[]] * 7 + [["bronze"]]
    assert count(db, Certification, Certification.user_id == user.id) == 1
    assert count(db, AuditEvent, AuditEvent.action == "certification.awarded") == 1


def test_an_expired_level_is_renewed_only_by_passing_again(db, make, facts, award):
    user = make.user("learner", org=make.org())
    start = datetime(2024, 1, 10, tzinfo=timezone.utc)
    facts.bronze_ready(user, at=start)
    first = award(user, now=start).awarded[0]
    expiry = first.expires_at
    # After expiry the old pass cannot re-earn it.
    after = expiry + timedelta(days=1)
    assert award(user, now=after).levels == []
    assert certs.status(first, after) == "expired"
    # A pass inside the 90 days before expiry renews from the old expiry.
    facts.exam(user, "bronze-exam", 90, at=expiry - timedelta(days=10))
    result = award(user, now=expiry - timedelta(days=5))
    assert result.levels == [] and len(result.renewed) == 1
    renewed = db.session.get(Certification, first.id)
    db.session.refresh(renewed)
    assert renewed.expires_at == expiry + timedelta(days=730)
    assert renewed.renewals == 1
    # Running again renews nothing more.
    assert award(user, now=expiry - timedelta(days=4)).renewed == ()


def test_a_lapsed_level_is_awarded_anew_after_a_fresh_pass(db, make, facts, award):
    user = make.user("learner", org=make.org())
    start = datetime(2022, 1, 10, tzinfo=timezone.utc)
    facts.bronze_ready(user, at=start)
    first = award(user, now=start).awarded[0]
    later = first.expires_at + timedelta(days=200)
    facts.exam(user, "bronze-exam", 95, at=later - timedelta(days=1))
    second = award(user, now=later).awarded[0]
    assert second.id != first.id
    db.session.refresh(first)
    assert first.current_key is None and second.current_key == f"{user.id}:bronze"


def test_revoke_is_audited_stops_counting_and_is_not_undone_by_old_facts(db, make, facts, award):
    admin = make.user("admin")
    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    cert = award(user).awarded[0]
    revoked = certs.revoke(cert.id, "Exam misconduct", actor_id=admin.id)
    assert revoked.revoked_at is not None and revoked.current_key is None
    assert certs.status(revoked) == "revoked"
    assert award(user).levels == []  # the old exam pass does not re-award it
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certification.revoked"))
    assert event.actor_id == admin.id and event.detail["reason"] == "Exam misconduct"


def test_revoke_needs_a_reason_and_an_existing_certification(db, make, facts, award):
    import pytest

    from lms.services.errors import Conflict, Invalid, NotFound

    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    cert = award(user).awarded[0]
    with pytest.raises(Invalid):
        certs.revoke(cert.id, "  ", actor_id=None)
    with pytest.raises(NotFound):
        certs.revoke("0" * 32, "x", actor_id=None)
    certs.revoke(cert.id, "x", actor_id=None)
    with pytest.raises(Conflict):
        certs.revoke(cert.id, "again", actor_id=None)


def test_sweep_sends_90_and_30_day_notices_once_then_marks_expiry(db, make, facts, award, caplog):
    caplog.set_level("INFO")
    user = make.user("learner", org=make.org())
    start = datetime(2024, 1, 10, tzinfo=timezone.utc)
    facts.bronze_ready(user, at=start)
    cert = award(user, now=start).awarded[0]
    expiry = cert.expires_at

    def notices():
        row = db.session.get(Certification, cert.id)
        db.session.refresh(row)
        return row.notices

    run_sweep(expiry - timedelta(days=100))
    assert notices() == ["awarded"]
    run_sweep(expiry - timedelta(days=80))
    run_sweep(expiry - timedelta(days=79))  # idempotent
    assert notices() == ["awarded", "expiry_90"]
    run_sweep(expiry - timedelta(days=20))
    assert notices() == ["awarded", "expiry_90", "expiry_30"]
    run_sweep(expiry + timedelta(seconds=1))
    run_sweep(expiry + timedelta(days=1))
    assert notices() == ["awarded", "expiry_90", "expiry_30", "expired"]
    mails = [r.getMessage() for r in caplog.records if r.getMessage().startswith("mail to=")]
    assert len(mails) == 4  # awarded, 90 days, 30 days, expired
    assert all(user.email in m for m in mails)
    assert count(db, AuditEvent, AuditEvent.action == "certification.expired") == 1


def test_a_certification_records_the_exam_versions_it_was_earned_on(db, make, facts, award, store):
    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    award(user)
    cert = db.session.scalar(select(Certification).where(Certification.user_id == user.id))
    version = store.quiz("bronze-exam").version
    assert cert.exam_versions == {"bronze-exam": version}
    assert len(version) == 16 and int(version, 16) >= 0
