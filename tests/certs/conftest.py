"""Certification tests run against their own small program (tests/certs/content).

The app here shares the session app's database (already migrated) and differs only in
its content folder, so the `db`, `client` and `make` fixtures work unchanged.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import IsolatedClient, make_app

CONTENT = Path(__file__).parent / "content"


@pytest.fixture(scope="session")
def app(app, tmp_path_factory):
    certs_app = make_app(tmp_path_factory.mktemp("certs"),
                         SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         CONTENT_DIR=str(CONTENT),
                         UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
                         UPLOAD_MAX_BYTES=64 * 1024)
    certs_app.test_client_class = IsolatedClient
    return certs_app


class Facts:
    """Writes the raw facts the rules read: lessons done, attempts, evidence, sign-offs."""

    def __init__(self, db):
        self.db = db

    def lessons(self, user, course="basics", lessons=("intro",)):
        from lms.models import LessonProgress

        for lesson in lessons:
            self.db.session.add(LessonProgress(user_id=user.id, course_slug=course,
                                               lesson_slug=lesson))
        self.db.session.commit()

    def exam(self, user, quiz, percent=90.0, passed=True, at=None):
        from lms.models import Attempt

        at = at or datetime.now(timezone.utc)
        attempt = Attempt(user_id=user.id, quiz_slug=quiz, status="graded", snapshot={},
                          started_at=at - timedelta(minutes=10), submitted_at=at, graded_at=at,
                          percent=percent, passed=passed, score=percent, total=100)
        self.db.session.add(attempt)
        self.db.session.commit()
        return attempt

    def evidence(self, user, deals=3, csat=4.5):
        from lms.models import PersonEvidence

        self.db.session.merge(PersonEvidence(user_id=user.id, deals_closed=deals, csat=csat))
        self.db.session.commit()

    def signoff(self, user, level, requirement):
        from lms.models import Signoff

        self.db.session.add(Signoff(user_id=user.id, level=level, requirement=requirement))
        self.db.session.commit()

    def bronze_ready(self, user, at=None):
        self.lessons(user)
        self.exam(user, "bronze-exam", 85, at=at)
        self.signoff(user, "bronze", "practical")


@pytest.fixture()
def facts(db):
    return Facts(db)


@pytest.fixture()
def store(app):
    return app.extensions["lms.content"]


@pytest.fixture()
def award(app, store):
    """Run the awarding service for a user as the listener would."""
    from lms.services.certifications import award_due

    def run(user, now=None):
        store.refresh(force=True)
        return award_due(user, store.courses(), store.program(), now=now)

    return run
