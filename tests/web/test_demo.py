"""`lms serve --demo` data: earned through the real services, so every page has content."""

from __future__ import annotations

from sqlalchemy import select

from lms.config import REPO_ROOT
from lms.extensions import db as _db
from lms.models import Attempt, Certification, Organization, User
from tests.web.helpers import app_on


def test_demo_data_shows_a_certified_learner_and_a_bronze_partner(app, db):
    # The shipped content, on the suite's (emptied) database.
    with app_on(app, CONTENT_DIR=str(REPO_ROOT)) as demo_app, demo_app.app_context():
        from lms.demo import load_demo

        load_demo()
        load_demo()  # idempotent
        learner = _db.session.scalar(select(User).where(User.email == "learner@tokyo-si.example.com"))
        held = _db.session.scalars(select(Certification.level)
                                   .where(Certification.user_id == learner.id)).all()
        assert held == ["bronze"]
        exams = _db.session.scalars(select(Attempt.quiz_slug).where(
            Attempt.user_id == learner.id, Attempt.passed.is_(True))).all()
        assert "bronze-exam" in exams
        tokyo = _db.session.scalar(select(Organization).where(Organization.slug == "tokyo-si"))
        assert tokyo.tier == "bronze"
        # One practical short of Bronze: studied and passed, not yet signed off.
        ito = _db.session.scalar(select(User).where(User.email == "learner@sato-sharoushi.example.com"))
        assert _db.session.scalar(select(Certification).where(Certification.user_id == ito.id)) is None
        assert _db.session.scalar(select(_db.func.count(User.id))) == 10
