"""Partner-company tests run against their own small program (tests/partners/content).

Like tests/certs, the app shares the session app's migrated database and differs only
in its content folder, so the `db`, `client` and `make` fixtures work unchanged.
Certifications are written directly: awarding them is another area's job.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import IsolatedClient, make_app

CONTENT = Path(__file__).parent / "content"
DAY = timedelta(days=1)


@pytest.fixture(scope="session")
def app(app, tmp_path_factory):
    partners_app = make_app(tmp_path_factory.mktemp("partners"),
                            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                            CONTENT_DIR=str(CONTENT))
    partners_app.test_client_class = IsolatedClient
    return partners_app


class Certs:
    def __init__(self, db):
        self.db = db

    def add(self, user, level, *, days=365, revoked=False, awarded_days_ago=30):
        """A certification of ``user`` expiring in ``days`` (None: never)."""
        from lms.models import Certification

        now = datetime.now(timezone.utc)
        cert = Certification(user_id=user.id, level=level,
                             awarded_at=now - awarded_days_ago * DAY,
                             expires_at=None if days is None else now + days * DAY,
                             revoked_at=now if revoked else None)
        self.db.session.add(cert)
        self.db.session.commit()
        return cert


@pytest.fixture()
def certs(db):
    return Certs(db)


@pytest.fixture()
def program(app):
    store = app.extensions["lms.content"]
    store.refresh(force=True)
    return store.program()

