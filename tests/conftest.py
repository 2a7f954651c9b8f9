"""Layered fixtures: app (session) → database (per test, emptied) → client → users.

The database is SQLite in a temporary folder unless LMS_TEST_DATABASE_URL names
another one (CI sets it to PostgreSQL and runs the whole suite again).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import text

from lms import create_app
from lms.config import database_url
from lms.extensions import db as _db
from lms.security.passwords import hash_password

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
PASSWORD = "correct horse battery staple"


def database_url_for_tests(tmp_dir: Path) -> str:
    raw = os.environ.get("LMS_TEST_DATABASE_URL")
    return database_url(raw, str(tmp_dir))


def reset_database(app) -> None:
    """Drop everything and build the schema through the migrations, as production does."""
    from flask_migrate import upgrade

    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(directory=app.extensions["migrate"].directory)


def make_app(tmp_dir: Path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url_for_tests(tmp_dir),
        "CONTENT_DIR": str(FIXTURE_CONTENT),
        "CONTENT_CHECK_INTERVAL": 0.0,
        "SERVER_NAME": "academy.test",
    }
    config.update(overrides)
    os.environ.setdefault("LMS_INSTANCE_PATH", str(tmp_dir / "instance"))
    app = create_app(config)
    _APPS.append(app)
    return app


_APPS: list = []  # every app the tests made, so their pooled connections get closed


@pytest.fixture(scope="session", autouse=True)
def _close_pools():
    yield
    for app in _APPS:
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("app")
    app = make_app(tmp_dir)
    app.test_client_class = IsolatedClient
    reset_database(app)
    return app


@pytest.fixture()
def db(app):
    """An empty database for each test (rows deleted, schema kept: fast)."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.begin() as conn:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Tests hold an app context open for their own database work; without this,
    requests would share its `g` and its session with the test.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        kwargs.setdefault("buffered", True)  # streamed bodies finish inside the request
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            # End the test's read transaction so it sees what the request wrote.
            _db.session.rollback()
            _db.session.expire_all()


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture(scope="session")
def password_hash():
    # Hashing with real argon2 parameters costs ~50 ms: hash once, share the result.
    return hash_password(PASSWORD)


class Factory:
    def __init__(self, db, password_hash):
        self.db = db
        self.password_hash = password_hash
        self.count = 0

    def org(self, slug="acme", name=None, **fields):
        from lms.models import Organization

        org = Organization(slug=slug, name=name or slug.title(), **fields)
        self.db.session.add(org)
        self.db.session.commit()
        return org

    def user(self, role="learner", org=None, email=None, **fields):
        from lms.models import User

        self.count += 1
        fields.setdefault("name", f"{role} {self.count}")
        user = User(email=email or f"{role}{self.count}@example.com", role=role,
                    organization=org, password_hash=self.password_hash, **fields)
        self.db.session.add(user)
        self.db.session.commit()
        return user

    def token(self, user):
        from lms.services.accounts import create_token

        return create_token(user.email)


@pytest.fixture()
def make(db, password_hash):
    return Factory(db, password_hash)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client, user, password=PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"email": user.email, "password": password,
                                       "csrf_token": token})


@pytest.fixture()
def signed_in(client, make):
    """A function signing the test client in as a new user of the given role."""

    def sign_in(role="learner", org=None, **fields):
        if org is None and role == "learner":
            org = make.org(f"org{make.count + 1}")
        user = make.user(role, org=org, **fields)
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in


def post_form(client, path, data=None, page=None):
    """POST a form the way a browser does: with the CSRF token of a page."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, page or "/settings")
    return client.post(path, data=data)
