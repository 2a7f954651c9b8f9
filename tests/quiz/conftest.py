from __future__ import annotations

from datetime import timedelta

import pytest

from lms.models import User

GRACE = timedelta(seconds=5)


@pytest.fixture()
def store(app):
    return app.extensions["lms.content"]


@pytest.fixture()
def learner(make):
    return make.user("learner", org=make.org("quiz-co"))


def fresh(db, user):
    """The user as a request would load it."""
    return db.session.get(User, user.id)
