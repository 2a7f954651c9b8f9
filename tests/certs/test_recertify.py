"""An exam revised with ``recertify:``: its holders on the older version get a renewal window,
one notification, a "renew" step; a pass keeps the level, the sweep lapses the rest."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.content.quizzes import parse_quiz
from tests.certs.conftest import CONTENT
from tests.conftest import IsolatedClient, login, make_app

QUIZ = "---\ntitle: A\n{line}\n---\n## Q\n- (x) a\n- ( ) b\n"


@pytest.mark.parametrize("line, since, within", [
    ("recertify: 2026-12-01", datetime(2026, 12, 1, tzinfo=UTC), timedelta(days=90)),
    ("recertify: {since: 2026-12-01, within: 30d}", datetime(2026, 12, 1, tzinfo=UTC),
     timedelta(days=30)),
    ("recertify: {since: '2027-01-15', within: 12w}", datetime(2027, 1, 15, tzinfo=UTC),
     timedelta(weeks=12)),
])
def test_recertify_is_read_with_its_date_and_window(line, since, within):
    quiz, problems = parse_quiz("quizzes/a.md", QUIZ.format(line=line))
    assert problems == []
    assert (quiz.recertify.since, quiz.recertify.within) == (since, within)
    assert quiz.recertify.deadline == since + within


@pytest.mark.parametrize("line, words", [
    ("recertify: true", "needs a date"),
    ("recertify: soon", "is not a date"),
    ("recertify: 2026-13-01", "is not a date"),
    ("recertify: {since: 2026-12-01, within: 0d}", "not a duration above 0"),
    ("recertify: {since: 2026-12-01, by: 30d}", "unknown key 'by'"),
])
def test_a_bad_recertify_is_an_error_on_its_own_line(line, words):
    quiz, problems = parse_quiz("quizzes/a.md", QUIZ.format(line=line))
    assert quiz is None
    assert [(p.line, words in p.message) for p in problems] == [(3, True)]


def test_no_recertify_means_none():
    quiz, _ = parse_quiz("quizzes/a.md", QUIZ.format(line="pass_mark: 80"))
    assert quiz.recertify is None


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    root = tmp_path_factory.mktemp("recertify-content")
    shutil.copytree(CONTENT, root, dirs_exist_ok=True)
    return root


@pytest.fixture(scope="module")
def app(app, content, tmp_path_factory):
    recert_app = make_app(tmp_path_factory.mktemp("recertify"),
                          SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                          CONTENT_DIR=str(content))
    recert_app.test_client_class = IsolatedClient
    return recert_app


NOW = datetime.now(UTC).replace(microsecond=0)
SINCE = datetime(NOW.year, NOW.month, NOW.day, tzinfo=UTC) - timedelta(days=5)
DEADLINE = SINCE + timedelta(days=30)


@pytest.fixture()
def revise(content, store):
    path = content / "quizzes" / "bronze-exam.md"
    original = path.read_text(encoding="utf-8")

    def run():
        text = original.replace(
            "pass_mark: 80\n",
            f"pass_mark: 80\nrecertify: {{since: {SINCE.date().isoformat()}, within: 30d}}\n", 1)
        path.write_text(text + "\n## A revised question?\n- (x) yes\n- ( ) no\n",
                        encoding="utf-8")
        store.refresh(force=True)
        assert store.quiz("bronze-exam").recertify is not None
        return store.quiz("bronze-exam").version

    yield run
    path.write_text(original, encoding="utf-8")
    store.refresh(force=True)


def _holder(make, facts, award, org=None, at=None, **fields):
    user = make.user("learner", org=org or make.org(), **fields)
    facts.bronze_ready(user, at=at or NOW - timedelta(days=200))
    assert award(user, now=NOW - timedelta(days=200)).levels == ["bronze"]
    return user


def _cert(db, user):
    from lms.models import Certification

    db.session.expire_all()
    return db.session.scalar(select(Certification).where(Certification.user_id == user.id,
                                                         Certification.level == "bronze"))


def test_holders_on_the_older_version_are_affected_and_counted_in_one_query(
        db, make, facts, award, revise):
    from lms.services import recertify
    from lms.services.certifications import revoke

    org = make.org()
    old = [_holder(make, facts, award, org=org) for _ in range(2)]
    gone = _holder(make, facts, award, org=org)
    revoke(_cert(db, gone).id, "test", actor_id=None)
    assert recertify.affected_counts(NOW) == {}          # nothing marked yet
    version = revise()
    fresh = _holder(make, facts, award, org=org)          # earned on the revised file
    assert _cert(db, fresh).exam_versions == {"bronze-exam": version}
    assert recertify.affected_counts(NOW) == {"bronze": 2}
    holders = recertify.affected_holders("bronze", NOW)
    assert sorted(c.user_id for c, _ in holders) == sorted(u.id for u in old)
    assert {deadline for _, deadline in holders} == {DEADLINE}
    assert set(recertify.deadlines_of(old[0].id, NOW)) == {"bronze"}
    assert recertify.deadlines_of(fresh.id, NOW) == {}


def test_the_holder_is_notified_once_even_by_concurrent_sweeps(app, db, make, facts, award,
                                                              revise):
    from lms.models import Notification, OutboxMessage
    from lms.services.recertify import sweep_recertify

    user = _holder(make, facts, award, email="renew.me@example.com")
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))   # the award
    revise()
    barrier = threading.Barrier(6)
    errors = []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                sweep_recertify(NOW)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sweep_recertify(NOW + timedelta(days=1))
    db.session.expire_all()
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "certification_recertify")).all()
    assert len(notes) == 1
    from lms.services.inbox import text_of

    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert "試験が改訂されました" in text_of(notes[0])
    mails = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == "renew.me@example.com").order_by(OutboxMessage.id)).all()
    assert len(mails) == before + 1 and "Bronze" in mails[-1].subject
    assert _cert(db, user).expires_at > NOW      # still valid inside the window


def test_the_sweep_lapses_the_certification_when_the_window_ends(db, make, facts, award, revise):
    from lms.models import Notification
    from lms.services.certifications import status
    from lms.services.recertify import sweep_recertify

    user = _holder(make, facts, award)
    revise()
    sweep_recertify(DEADLINE - timedelta(hours=1))
    assert status(_cert(db, user), DEADLINE - timedelta(hours=1)) == "active"
    sweep_recertify(DEADLINE + timedelta(hours=1))
    cert = _cert(db, user)
    assert cert.expires_at == DEADLINE
    assert status(cert, DEADLINE + timedelta(hours=1)) == "expired"
    assert "expired" in cert.notices
    kinds = db.session.scalars(select(Notification.kind).where(
        Notification.user_id == user.id)).all()
    assert "certification_expired" in kinds


def test_passing_the_revised_exam_in_the_window_keeps_the_level(app, db, make, facts, award,
                                                               revise, store):
    from lms.services import recertify
    from lms.services.certifications import status
    from lms.services.next_steps import path_of
    from lms.services.recertify import sweep_recertify

    user = _holder(make, facts, award)
    version = revise()
    with app.test_request_context():
        steps = path_of(user, store, now=NOW).steps
    assert [(s.kind, s.reason) for s in steps if s.certification == "bronze"] \
        == [("renew", "revised")]
    facts.exam(user, "bronze-exam", 85, at=SINCE - timedelta(days=1))   # before the revision
    sweep_recertify(NOW)
    assert _cert(db, user).exam_versions != {"bronze-exam": version}
    facts.exam(user, "bronze-exam", 90, at=NOW - timedelta(hours=1))
    recertify.recertify_after_progress(user)
    assert _cert(db, user).exam_versions == {"bronze-exam": version}
    sweep_recertify(DEADLINE + timedelta(days=1))
    cert = _cert(db, user)
    assert status(cert, DEADLINE + timedelta(days=1)) == "active"
    assert recertify.affected_counts(NOW) == {}
    with app.test_request_context():
        steps = path_of(user, store, now=NOW).steps
    assert not [s for s in steps if s.reason == "revised"]


def test_fixing_the_revised_file_again_flags_and_tells_nobody_twice(db, make, facts, award,
                                                                   revise, store, content):
    from lms.models import Notification
    from lms.services import recertify
    from lms.services.recertify import sweep_recertify

    org = make.org()
    passed, waiting = _holder(make, facts, award, org=org), _holder(make, facts, award, org=org)
    revise()
    sweep_recertify(NOW)
    facts.exam(passed, "bronze-exam", 95, at=NOW - timedelta(hours=2))
    sweep_recertify(NOW)
    path = content / "quizzes" / "bronze-exam.md"
    path.write_text(path.read_text(encoding="utf-8").replace("A revised question?",
                                                             "A revised question, fixed?"),
                    encoding="utf-8")
    store.refresh(force=True)
    fixed = store.quiz("bronze-exam").version
    assert recertify.affected_counts(NOW) == {"bronze": 1}
    sweep_recertify(NOW + timedelta(days=1))
    assert _cert(db, passed).exam_versions == {"bronze-exam": fixed}
    told = db.session.execute(
        select(Notification.user_id, func.count()).where(
            Notification.kind == "certification_recertify").group_by(Notification.user_id)).all()
    assert dict(told) == {passed.id: 1, waiting.id: 1}


def test_the_holder_sees_the_deadline_on_their_certifications_page(client, db, make, facts,
                                                                   award, revise):
    user = _holder(make, facts, award)
    login(client, user)
    assert 'data-recertify="bronze-exam"' not in client.get("/certifications").get_data(
        as_text=True)
    revise()
    html = client.get("/certifications").get_data(as_text=True)
    assert 'data-recertify="bronze-exam"' in html and "/quizzes/bronze-exam" in html
    assert "改訂されました" in html


def test_the_channel_dashboard_counts_and_lists_the_affected_holders(client, db, make, facts,
                                                                   award, revise):
    org = make.org("recert-co", name="Recert Co")
    people = [_holder(make, facts, award, org=org) for _ in range(3)]
    revise()
    login(client, make.user("manager"))
    html = client.get("/partners/").get_data(as_text=True)
    assert 'data-recertify="bronze"' in html and "改訂された試験の再受験が必要な保有者" in html
    assert "3" in html.split('data-recertify="bronze"')[1].split("</a>")[0]
    listing = client.get("/partners/recertify/bronze").get_data(as_text=True)
    assert all(p.name in listing for p in people) and "Recert Co" in listing
    assert client.get("/partners/recertify/platinum").status_code == 404


def test_a_partner_manager_cannot_list_other_companies_holders(client, db, make, revise):
    revise()
    login(client, make.user("learner"))
    assert client.get("/partners/recertify/bronze").status_code == 403
