"""A read-only or full database: /healthz says so (503), pages answer 503 with the reason,
and the same app recovers once the file or the disk is fixed (no restart).

Real conditions, no mocks: the SQLite file lives on a small tmpfs mounted for the test;
"read-only" is `chattr +i` on the database file and its WAL (root may write any file
whatever its mode, so chmod would prove nothing here; the -shm file is memory-mapped
and stays writable, as it does when an operator makes the database read-only); "full"
is that tmpfs filled to the last byte. Both need root, which the test suite runs as.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from lms.extensions import db as _db
from lms.models import HealthProbe, User
from lms.services import accounts
from tests.conftest import PASSWORD, csrf_token
from tests.web.helpers import app_on


def run(*args: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)}: {result.stderr} (the test needs root)"


@contextmanager
def small_disk(folder: Path, size: str = "6m"):
    folder.mkdir()
    run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        for name in os.listdir(folder):
            subprocess.run(["chattr", "-i", str(folder / name)], capture_output=True)
        run("umount", "-l", str(folder))


@contextmanager
def site_on_small_disk(tmp_path, **config):
    """An app on a SQLite file on its own small disk, with a signed-in learner."""
    with small_disk(tmp_path / "disk") as disk:
        url = "sqlite:///" + str(disk / "lms.sqlite3")
        with app_on(None, SQLALCHEMY_DATABASE_URI=url, **config) as app:
            with app.app_context():
                upgrade(directory=app.extensions["migrate"].directory)
                accounts.create_organization("acme", "Acme", actor_id=None)
                accounts.create_users([accounts.NewUser(email="a@example.com", name="A",
                                                        role="learner", org_slug="acme",
                                                        password=PASSWORD)], actor_id=None)
                _db.session.remove()
                client = app.test_client()
                token = csrf_token(client)
                signed_in = client.post("/login", data={"email": "a@example.com",
                                                        "password": PASSWORD, "csrf_token": token})
                assert signed_in.status_code == 302
                yield app, client, disk


@pytest.fixture()
def site(tmp_path):
    # Every probe writes here: these tests are about what a write finds, the moment it finds it.
    with site_on_small_disk(tmp_path, HEALTH_WRITE_SECONDS=0) as made:
        yield made


def save_language(client, lang: str):
    """A page that writes: the signed-in user's language."""
    return client.post("/language", data={"lang": lang, "next": "/settings",
                                          "csrf_token": csrf_token(client, "/settings")})


def healthz(client):
    response = client.get("/healthz")
    return response.status_code, response.get_data(as_text=True)


def test_read_only_database_is_unhealthy_says_why_and_recovers(site):
    app, client, disk = site
    assert healthz(client) == (200, "ok")
    files = [str(disk / "lms.sqlite3"), str(disk / "lms.sqlite3-wal")]
    run("chattr", "+i", *files)
    try:
        # A worker that (re)opens the file now: SQLite silently opens it read-only.
        # (Connections opened before may keep writing through their open files.)
        _db.engine.dispose()
        assert healthz(client) == (503, "unavailable: database is read-only")
        page = save_language(client, "en")
        assert page.status_code == 503 and page.headers["Retry-After"]
        assert "データベースが読み取り専用" in page.get_data(as_text=True)
    finally:
        run("chattr", "-i", *files)
    # Fixed by the operator: the same app (same workers) writes again.
    assert healthz(client) == (200, "ok")
    assert save_language(client, "en").status_code == 302
    with app.app_context():
        user = _db.session.scalar(select(User).where(User.email == "a@example.com"))
        assert user.locale == "en"


def test_full_disk_is_unhealthy_says_why_and_recovers(site):
    app, client, disk = site
    assert healthz(client) == (200, "ok")
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as fh:  # take every free byte of the small disk
        for chunk in (65536, 4096, 1):
            try:
                while True:
                    fh.write(b"\0" * chunk)
            except OSError:
                pass
    try:
        status, words = healthz(client)
        assert status == 503 and words.startswith("unavailable: "), words
        assert "full" in words or "I/O" in words, words
        english = client.get("/settings", headers={"Accept-Language": "en"})
        assert english.status_code == 200  # reads still work
        page = save_language(client, "en")
        assert page.status_code == 503
        body = page.get_data(as_text=True)
        assert "ディスク" in body or "ストレージ" in body, body
    finally:
        filler.unlink()
    assert healthz(client) == (200, "ok")
    assert save_language(client, "en").status_code == 302


def test_read_only_database_of_the_suites_kind_recovers_without_restart(tmp_path):
    """PostgreSQL: the database switched to read-only (as a standby or a full-disk
    emergency setting would); SQLite: the file made immutable. New connections see it."""
    import psycopg

    from tests.web.scratch import migrate_and_seed, scratch_database

    with scratch_database(tmp_path) as (url, postgres):
        migrate_and_seed(url)

        def read_only(on: bool) -> None:
            if postgres is None:
                run("chattr", "+i" if on else "-i", url.removeprefix("sqlite:///"))
                return
            setting = "SET default_transaction_read_only = on" if on else \
                "RESET default_transaction_read_only"
            with psycopg.connect(postgres._admin_conninfo(), autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{postgres.name}" {setting}')

        with app_on(None, SQLALCHEMY_DATABASE_URI=url, HEALTH_WRITE_SECONDS=0) as app:
            with app.app_context():
                client = app.test_client()
                signed_in = client.post("/login", data={"email": "a@example.com",
                                                        "password": PASSWORD,
                                                        "csrf_token": csrf_token(client)})
                assert signed_in.status_code == 302
                assert healthz(client) == (200, "ok")
                token = accounts.create_token("a@example.com")
                _db.session.remove()
                read_only(True)
                try:
                    _db.engine.dispose()  # workers (re)connecting now
                    assert healthz(client) == (503, "unavailable: database is read-only")
                    page = save_language(client, "en")
                    assert page.status_code == 503
                    assert "データベースが読み取り専用" in page.get_data(as_text=True)
                    english = client.post("/language", headers={"Accept-Language": "en"},
                                          data={"lang": "en", "csrf_token": csrf_token(client, "/")})
                    assert english.status_code == 503
                    assert "database is read-only" in english.get_data(as_text=True)
                    api = client.post("/api/v1/courses/getting-started/lessons/welcome/complete",
                                      headers={"Authorization": f"Bearer {token}"})
                    assert api.status_code == 503 and api.headers["Retry-After"]
                    assert api.get_json()["error"]["code"] == "storage_read_only"
                    # Reads still answer: noting the token's first use is skipped, not fatal.
                    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
                    assert me.status_code == 200 and me.get_json()["email"] == "a@example.com"
                finally:
                    read_only(False)
                assert healthz(client) == (200, "ok")
                assert save_language(client, "en").status_code == 302
                done = client.post("/api/v1/courses/getting-started/lessons/welcome/complete",
                                   headers={"Authorization": f"Bearer {token}"})
                assert done.status_code == 200, done.get_data(as_text=True)


def probe_written_at(app):
    with app.app_context():
        written = _db.session.scalar(select(HealthProbe.checked_at))
        _db.session.remove()
        return written


def test_probe_writes_at_most_once_per_interval_and_never_trusts_a_failure(tmp_path):
    # A long interval, so nothing here depends on the clock.
    with site_on_small_disk(tmp_path, HEALTH_WRITE_SECONDS=3600) as (app, client, disk):
        assert healthz(client) == (200, "ok")
        first = probe_written_at(app)
        assert first is not None
        for _ in range(5):
            assert healthz(client) == (200, "ok")
        assert probe_written_at(app) == first  # one write for six probes: the rest read
        files = [str(disk / "lms.sqlite3"), str(disk / "lms.sqlite3-wal")]
        run("chattr", "+i", *files)
        try:
            _db.engine.dispose()
            # Within the interval a probe trusts the last write ...
            assert healthz(client) == (200, "ok")
            # ... until a request fails to write: then the next probe writes, and says why.
            assert save_language(client, "en").status_code == 503
            assert healthz(client) == (503, "unavailable: database is read-only")
            # A failure is never trusted: every probe writes until one succeeds.
            assert healthz(client) == (503, "unavailable: database is read-only")
        finally:
            run("chattr", "-i", *files)
        assert healthz(client) == (200, "ok")
        assert probe_written_at(app) > first
