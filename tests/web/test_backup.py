"""`lms backup` finishes on a busy SQLite database and the copy restores.

A real second process writes continuously while a real `lms backup` runs: a
page-by-page backup restarts on every write from another process and never ends;
the backup must finish in bounded time with a consistent, restorable copy, and must
carry the uploaded files (they are in the database).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from lms.extensions import db as _db
from tests.conftest import FIXTURE_CONTENT, PASSWORD, csrf_token
from tests.web.helpers import REPO_ROOT, app_on

LMS = str(Path(sys.executable).with_name("lms"))
EVIDENCE = b"%PDF-1.4 evidence"
BACKUP_DEADLINE = 60  # seconds; a one-step copy of this database takes well under one

WRITER = r"""
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("PRAGMA busy_timeout=30000")
conn.execute("PRAGMA synchronous=NORMAL")
n = 0
while True:  # one committed row per transaction, as fast as it can, until killed
    conn.execute("INSERT INTO writer_log (payload) VALUES (randomblob(200))")
    n += 1
    if n == 50:
        open(sys.argv[2], "w").close()  # tell the test it is running
"""


def add_evidence() -> None:
    """An upload of a@example.com's, id evidence1 (inside an app context)."""
    from lms.models import Upload, User
    from lms.services.upload_store import write_chunks

    user_id = _db.session.scalar(select(User.id).where(User.email == "a@example.com"))
    _db.session.add(Upload(id="evidence1", user_id=user_id, level="gold", requirement="paper",
                           filename="paper.pdf", stored_name="e" * 32,
                           content_type="application/pdf", size=len(EVIDENCE)))
    _db.session.flush()
    write_chunks("evidence1", EVIDENCE)
    _db.session.commit()


def make_site(folder: Path) -> str:
    """A migrated SQLite site with a few MB of data, a user and an uploaded file."""
    url = "sqlite:///" + str(folder / "lms.sqlite3")
    with app_on(None, SQLALCHEMY_DATABASE_URI=url) as app:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            from lms.services import accounts

            accounts.create_organization("acme", "Acme", actor_id=None)
            accounts.create_users([accounts.NewUser(email="a@example.com", name="A",
                                                    role="learner", org_slug="acme",
                                                    password=PASSWORD)], actor_id=None)
            add_evidence()
            _db.session.remove()
    with sqlite3.connect(folder / "lms.sqlite3") as conn:
        conn.execute("CREATE TABLE writer_log (id INTEGER PRIMARY KEY, payload BLOB)")
        conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, payload BLOB)")
        conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)"
                     " INSERT INTO filler (payload) SELECT randomblob(1000) FROM n")
    return url


def test_backup_finishes_under_a_sustained_writer_and_restores(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    url = make_site(site)
    started = tmp_path / "writer-started"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(site / "lms.sqlite3"),
                               str(started)])
    try:
        deadline = time.monotonic() + 30
        while not started.exists():
            assert writer.poll() is None and time.monotonic() < deadline, "writer did not start"
            time.sleep(0.05)
        env = dict(os.environ, LMS_INSTANCE_PATH=str(site / "instance"), LMS_DATABASE_URL=url,
                   LMS_CONTENT_DIR=str(FIXTURE_CONTENT), LMS_SECRET_KEY="backup-test")
        with sqlite3.connect(site / "lms.sqlite3") as conn:
            rows_before = conn.execute("SELECT max(id) FROM writer_log").fetchone()[0]
        target = tmp_path / "backup" / "lms.sqlite3"
        target.parent.mkdir()
        began = time.monotonic()
        result = subprocess.run([LMS, "backup", str(target)], env=env, capture_output=True,
                                text=True, timeout=BACKUP_DEADLINE, cwd=str(REPO_ROOT))
        took = time.monotonic() - began
        assert result.returncode == 0, result.stderr
        assert writer.poll() is None, "the writer must still be writing"
        with sqlite3.connect(site / "lms.sqlite3") as conn:
            rows_after = conn.execute("SELECT max(id) FROM writer_log").fetchone()[0]
    finally:
        writer.kill()
        writer.wait()
    assert rows_after > rows_before, "the writer kept committing while the backup ran"
    assert "integrity ok" in result.stdout and took < BACKUP_DEADLINE

    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count, low, high = copy.execute("SELECT count(*), min(id), max(id) FROM writer_log").fetchone()
        # One snapshot: every committed row up to a point, none missing in between.
        assert count >= rows_before and (low, high) == (1, count)
        assert copy.execute("SELECT count(*) FROM filler").fetchone()[0] == 40000
        assert copy.execute("SELECT data FROM upload_chunks WHERE upload_id = 'evidence1'"
                            ).fetchone()[0] == EVIDENCE
    assert not list(target.parent.glob("*.partial"))

    # Restore as the guide says: the copy becomes a site's database file.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(target, restored / "lms.sqlite3")
    with app_on(None, SQLALCHEMY_DATABASE_URI="sqlite:///" + str(restored / "lms.sqlite3")) as app:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            client = app.test_client()
            assert client.get("/healthz").status_code == 200
            token = csrf_token(client, "/login")
            login = client.post("/login", data={"email": "a@example.com", "password": PASSWORD,
                                                "csrf_token": token})
            assert login.status_code == 302


def test_backup_refuses_an_existing_target_and_leaves_no_partial_file(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    url = make_site(site)
    target = tmp_path / "b.sqlite3"
    target.write_bytes(b"keep")
    env = dict(os.environ, LMS_INSTANCE_PATH=str(site / "instance"), LMS_DATABASE_URL=url,
               LMS_CONTENT_DIR=str(FIXTURE_CONTENT), LMS_SECRET_KEY="backup-test")
    result = subprocess.run([LMS, "backup", str(target)], env=env, capture_output=True, text=True,
                            timeout=120, cwd=str(REPO_ROOT))
    assert result.returncode == 1 and "refusing to overwrite" in result.stderr
    assert target.read_bytes() == b"keep" and not list(tmp_path.glob("*.partial"))


def test_backup_of_the_suites_kind_of_database_restores(tmp_path):
    """SQLite: the one-step copy; PostgreSQL: pg_dump, restored with pg_restore."""
    import psycopg

    from tests.web.scratch import migrate_and_seed, scratch_database

    with scratch_database(tmp_path, "site") as (url, postgres):
        migrate_and_seed(url)
        with app_on(None, SQLALCHEMY_DATABASE_URI=url) as site:
            with site.app_context():
                add_evidence()
                _db.session.remove()
        target = tmp_path / "backup.dump"
        env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp_path / "instance"),
                   LMS_DATABASE_URL=url, LMS_CONTENT_DIR=str(FIXTURE_CONTENT),
                   LMS_SECRET_KEY="backup-test")
        result = subprocess.run([LMS, "backup", str(target)], env=env, capture_output=True,
                                text=True, timeout=120, cwd=str(REPO_ROOT))
        assert result.returncode == 0, result.stderr
        assert target.stat().st_size > 0 and not list(tmp_path.glob("*.partial"))
        with scratch_database(tmp_path, "restored") as (restored_url, restored):
            if postgres is None:
                assert "integrity ok" in result.stdout
                shutil.copy(target, restored_url.removeprefix("sqlite:///"))
            else:
                assert "pg_dump" in result.stdout
                assert postgres.admin_url.password is None or \
                    str(postgres.admin_url.password) not in result.stdout + result.stderr
                conninfo = psycopg.conninfo.make_conninfo(
                    restored.admin_url.set(drivername="postgresql", database=restored.name)
                    .render_as_string(hide_password=False))
                loaded = subprocess.run(["pg_restore", "--no-owner", f"--dbname={conninfo}",
                                         str(target)], capture_output=True, text=True)
                assert loaded.returncode == 0, loaded.stderr
            with app_on(None, SQLALCHEMY_DATABASE_URI=restored_url) as app:
                with app.app_context():
                    upgrade(directory=app.extensions["migrate"].directory)
                    client = app.test_client()
                    assert client.get("/healthz").status_code == 200
                    login = client.post("/login", data={
                        "email": "a@example.com", "password": PASSWORD,
                        "csrf_token": csrf_token(client, "/login")})
                    assert login.status_code == 302
                    # The uploaded file came back with the database.
                    assert client.get("/uploads/evidence1").data == EVIDENCE
