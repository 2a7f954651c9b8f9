"""The database: SQLite settings, lock timeouts, online backups, migrations, health check.

SQLite-only behaviour runs on an app of its own SQLite file, so it is tested whichever
database the rest of the suite runs on (CI runs it on PostgreSQL too).
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError

from lms.config import database_url
from lms.extensions import db as _db
from lms.models import LessonProgress, Organization, User
from lms.services import accounts
from tests.conftest import PASSWORD, csrf_token, login
from tests.web.helpers import app_on, sqlite_app

STAMP = "2026-01-01 00:00:00.000000"


def migrate(app, revision="head"):
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision=revision)


def seed(app):
    """A company, a learner of it with a password, and an API token; returns the token."""
    with app.app_context():
        accounts.create_organization("acme", "Acme", actor_id=None)
        accounts.create_users([accounts.NewUser(email="a@example.com", name="A", role="learner",
                                                org_slug="acme", password=PASSWORD)],
                              actor_id=None)
        token = accounts.create_token("a@example.com")
        _db.session.remove()
        return token


# -- SQLite settings ------------------------------------------------------------------


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(tmp_path):
    with sqlite_app(tmp_path) as app, app.app_context():
        with _db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_foreign_keys_are_enforced(db):
    db.session.add(LessonProgress(user_id=987654, course_slug="c", lesson_slug="l"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_unique_progress_per_user_and_lesson(db, make):
    user = make.user("learner", org=make.org())
    db.session.add(LessonProgress(user_id=user.id, course_slug="c", lesson_slug="l"))
    db.session.commit()
    db.session.add(LessonProgress(user_id=user.id, course_slug="c", lesson_slug="l"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# -- a lock timeout is a retryable 503, never a lost write ----------------------------


@pytest.fixture()
def locked_sqlite(tmp_path):
    """A migrated SQLite app with a short busy timeout, and a way to hold its write lock."""
    with sqlite_app(tmp_path) as app:
        migrate(app)
        token = seed(app)
        with app.app_context():
            engine = _db.engine
            engine.dispose()

            # Runs after the app's own connect hook: the real setting is 10 s, which
            # is too long to wait for in a test. The mechanism is the same.
            @event.listens_for(engine, "connect")
            def _short_busy_timeout(dbapi_conn, _record):
                dbapi_conn.execute("PRAGMA busy_timeout=200")

        path = tmp_path / "own.sqlite3"
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        yield app, token, holder
        holder.close()


def test_lock_timeout_in_the_api_is_a_retryable_503(locked_sqlite):
    app, token, holder = locked_sqlite
    client = app.test_client()
    url = "/api/v1/courses/getting-started/lessons/welcome/complete"
    headers = {"Authorization": f"Bearer {token}"}
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock for too long
    with app.app_context():
        busy = client.post(url, headers=headers)
        assert busy.status_code == 503
        assert busy.headers["Retry-After"]
        assert busy.get_json()["error"]["code"] == "busy"
        holder.execute("ROLLBACK")
        retried = client.post(url, headers=headers)
        assert retried.status_code == 200 and retried.get_json()["newly_done"] is True
        rows = _db.session.scalars(select(LessonProgress)).all()
        assert [(r.course_slug, r.lesson_slug) for r in rows] == [("getting-started", "welcome")]


def test_lock_timeout_on_a_page_is_a_503_page(locked_sqlite):
    app, _token, holder = locked_sqlite
    client = app.test_client()
    with app.app_context():
        user = _db.session.scalar(select(User))
        assert login(client, user).status_code == 302
        token = csrf_token(client, "/courses/getting-started/lessons/welcome")
        holder.execute("BEGIN IMMEDIATE")
        busy = client.post("/courses/getting-started/lessons/welcome/done",
                           data={"csrf_token": token})
        holder.execute("ROLLBACK")
        assert busy.status_code == 503 and busy.headers["Retry-After"]
        assert busy.mimetype == "text/html"
        assert _db.session.scalars(select(LessonProgress)).all() == []
        again = client.post("/courses/getting-started/lessons/welcome/done",
                            data={"csrf_token": token})
        assert again.status_code == 302
        assert len(_db.session.scalars(select(LessonProgress)).all()) == 1


# -- online backup ------------------------------------------------------------------------


def test_backup_while_a_writer_is_busy_is_consistent(tmp_path):
    from lms.cli import main

    with sqlite_app(tmp_path) as app:
        migrate(app)
        seed(app)
        writer = sqlite3.connect(tmp_path / "own.sqlite3", isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO organizations (slug, name, tier, deals_closed, annual_revenue,"
                       " target_met, created_at) VALUES ('uncommitted', 'U', 'registered', 0, 0,"
                       f" 0, '{STAMP}')")
        done = threading.Event()
        result = {}

        def take_backup():
            result["r"] = app.test_cli_runner().invoke(main, ["backup", str(tmp_path / "b.db")])
            done.set()

        thread = threading.Thread(target=take_backup)
        thread.start()
        # The backup does not wait for the writer (WAL readers never block)...
        assert done.wait(30), "backup blocked behind a writer"
        writer.execute("COMMIT")
        writer.close()
        thread.join()
        assert result["r"].exit_code == 0, result["r"].output
    with sqlite3.connect(tmp_path / "b.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # ...and holds exactly what was committed when it started.
        assert copy.execute("SELECT slug FROM organizations").fetchall() == [("acme",)]
        assert copy.execute("SELECT email FROM users").fetchall() == [("a@example.com",)]


def test_backup_refuses_postgresql_and_other_servers():
    with app_on(None, SQLALCHEMY_DATABASE_URI=database_url(
            "postgresql://nobody@127.0.0.1:1/none", "")) as app:
        from lms.cli import main

        result = app.test_cli_runner().invoke(main, ["backup", "/tmp/never-written.db"])
        assert result.exit_code != 0 and "pg_dump" in result.output


# -- migrations ------------------------------------------------------------------------


def test_migrations_keep_existing_rows(tmp_path):
    """Rows written under the first schema survive every later migration."""
    with sqlite_app(tmp_path) as app:
        migrate(app, "0001_initial")
        with app.app_context():
            with _db.engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO organizations (id, slug, name, tier, deals_closed, annual_revenue,"
                    " target_met, created_at) VALUES (1, 'acme', 'Acme', 'bronze', 3, 1000, 1,"
                    f" '{STAMP}')"))
                conn.execute(text(
                    "INSERT INTO users (id, email, name, role, organization_id, timezone, active,"
                    " session_version, created_at) VALUES (1, 'a@example.com', 'A', 'learner', 1,"
                    f" 'Asia/Tokyo', 1, 1, '{STAMP}')"))
                conn.execute(text(
                    "INSERT INTO lesson_progress (user_id, course_slug, lesson_slug, completed_at)"
                    f" VALUES (1, 'getting-started', 'welcome', '{STAMP}')"))
        migrate(app)  # to head
        migrate(app)  # and again: a no-op, as at every `lms serve`
        with app.app_context():
            user = _db.session.get(User, 1)
            assert user.email == "a@example.com" and user.organization.slug == "acme"
            org = _db.session.scalar(select(Organization))
            assert (org.tier, org.deals_closed, org.annual_revenue, org.target_met) == (
                "bronze", 3, 1000, True)
            progress = _db.session.scalars(select(LessonProgress)).all()
            assert [(p.user_id, p.lesson_slug) for p in progress] == [(1, "welcome")]


def test_migrations_match_the_models(app, db):
    """Every model change comes with its migration (the schema is built from migrations)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    diff = [d for d in diff if not (isinstance(d, tuple) and d[0] == "remove_table"
                                    and d[1].name == "alembic_version")]
    # The search index's database-specific parts, made by the migration outside the models:
    # SQLite's FTS5 table (and its shadow tables), PostgreSQL's trigram index.
    diff = [d for d in diff if not (isinstance(d, tuple) and (
        (d[0] == "remove_table" and d[1].name.startswith("search_fts"))
        or (d[0] == "remove_index" and d[1].name == "ix_search_documents_folded_trgm")))]
    assert diff == []


# -- /healthz -----------------------------------------------------------------------------


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


def test_healthz_is_503_when_the_database_is_unreachable():
    url = database_url("postgresql://nobody@127.0.0.1:1/none", "")
    assert url.startswith("postgresql+psycopg://")  # the app picks the driver
    with app_on(None, SQLALCHEMY_DATABASE_URI=url) as app:
        with app.app_context():
            response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_data(as_text=True) != "ok"


# -- SQLite writers of one process queue --------------------------------------------------


def test_sqlite_writers_of_one_process_queue_instead_of_failing_busy(tmp_path):
    """A writer that holds the lock longer than SQLite's busy timeout does not make a
    second writer of the same process fail: it waits in the process's queue, then writes."""
    import time

    from lms.database import _SQLITE_WRITER, begin_write

    with sqlite_app(tmp_path) as app:
        migrate(app)
        with app.app_context():
            engine = _db.engine
            engine.dispose()

            @event.listens_for(engine, "connect")
            def _short_busy_timeout(dbapi_conn, _record):
                dbapi_conn.execute("PRAGMA busy_timeout=100")

        holding, outcome = threading.Event(), []

        def first():
            with app.app_context():
                begin_write()
                _db.session.add(Organization(slug="first", name="First"))
                _db.session.flush()
                holding.set()
                time.sleep(0.5)  # five busy timeouts
                _db.session.commit()

        def second():
            holding.wait(5)
            with app.app_context():
                try:
                    begin_write()
                    _db.session.add(Organization(slug="second", name="Second"))
                    _db.session.commit()
                    outcome.append("written")
                except Exception as exc:  # noqa: BLE001 - the test reports what failed
                    outcome.append(repr(exc))

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert outcome == ["written"]
        with app.app_context():
            assert sorted(_db.session.scalars(select(Organization.slug))) == ["first", "second"]
            # Whatever ends the transaction frees the queue: commit, rollback, close.
            for end in (_db.session.commit, _db.session.rollback, _db.session.close):
                begin_write()
                assert _SQLITE_WRITER.locked()
                end()
                assert not _SQLITE_WRITER.locked()
