"""Helpers shared by the web tests: a second app on other content, database snapshots."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from lms import create_app
from lms.extensions import db as _db
from tests.conftest import FIXTURE_CONTENT, IsolatedClient

REPO_ROOT = Path(__file__).resolve().parents[2]


def copy_fixture_content(target: Path) -> Path:
    """A private, writable copy of the fixture content tree."""
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


@contextmanager
def app_on(base_app, **overrides):
    """Another app on the same database as ``base_app`` (schema already migrated),
    or on the database the overrides name.

    Used where a test needs its own content folder, database or configuration; its
    engine is disposed afterwards so no connection outlives the test.
    """
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": base_app.config["SQLALCHEMY_DATABASE_URI"] if base_app else None,
        "CONTENT_DIR": str(FIXTURE_CONTENT),
        "CONTENT_CHECK_INTERVAL": 0.0,
        "SERVER_NAME": "academy.test",
    }
    config.update(overrides)
    other = create_app(config)
    other.test_client_class = IsolatedClient
    try:
        yield other
    finally:
        with other.app_context():
            _db.engine.dispose()


def table_snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: to prove nothing was written."""
    db.session.rollback()
    snapshot = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(text(f"SELECT * FROM {table.name}")).all()
            snapshot[table.name] = sorted((tuple(map(repr, row)) for row in rows))
    return snapshot


@contextmanager
def sqlite_app(tmp_path: Path, **overrides):
    """An app on its own, empty SQLite file (not migrated): for SQLite-only behaviour,
    which is tested whichever database the rest of the suite runs on."""
    url = f"sqlite:///{tmp_path / 'own.sqlite3'}"
    with app_on(None, SQLALCHEMY_DATABASE_URI=url, **overrides) as other:
        yield other
