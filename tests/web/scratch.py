"""A throwaway site database of the kind the suite runs on (SQLite file or PostgreSQL)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from flask_migrate import upgrade

from lms.extensions import db as _db
from lms.services import accounts
from tests.conftest import PASSWORD
from tests.live_server import PostgresDatabase
from tests.web.helpers import app_on


@contextmanager
def scratch_database(folder: Path, name: str = "scratch"):
    """(SQLAlchemy URL, PostgresDatabase or None); dropped afterwards."""
    raw = os.environ.get("LMS_TEST_DATABASE_URL")
    if raw and raw.startswith(("postgresql", "postgres:")):
        database = PostgresDatabase(raw)
        database.create()
        try:
            yield database.url, database
        finally:
            database.drop()
    else:
        yield "sqlite:///" + str(folder / f"{name}.sqlite3"), None


def migrate_and_seed(url: str) -> None:
    """The schema, a company and a learner a@example.com with the test password."""
    with app_on(None, SQLALCHEMY_DATABASE_URI=url) as app:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            accounts.create_organization("acme", "Acme", actor_id=None)
            accounts.create_users([accounts.NewUser(email="a@example.com", name="A",
                                                    role="learner", org_slug="acme",
                                                    password=PASSWORD)], actor_id=None)
            _db.session.remove()
