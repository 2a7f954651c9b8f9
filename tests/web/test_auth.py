"""Sign-in, sign-out and sessions: hashing, throttling, renewal, cookies, CSRF, redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from lms.models import AuditEvent, User
from tests.conftest import PASSWORD, csrf_token, login, post_form


def test_sign_in_and_reach_the_catalog(client, make):
    user = make.user("learner", org=make.org())
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    page = client.get("/")
    assert page.status_code == 200
    assert user.name in page.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client, make):
    user = make.user("learner", org=make.org())
    response = login(client, user, password="wrong password!")
    assert response.status_code == 401
    assert "メールアドレスまたはパスワードが正しくありません" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_unknown_email_gives_the_same_answer(client, make):
    token = csrf_token(client)
    response = client.post("/login", data={"email": "nobody@example.com", "password": "whatever1",
                                           "csrf_token": token})
    assert response.status_code == 401


def test_login_without_csrf_token_is_refused(client, make):
    user = make.user("learner", org=make.org())
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_captured_cookie_is_dead_after_sign_out(app, client, make):
    user = make.user("learner", org=make.org())
    login(client, user)
    captured = client.get_cookie("session", domain="academy.test").value
    post_form(client, "/logout")
    assert client.get("/").status_code == 302
    # An attacker replays the cookie captured before sign-out.
    thief = app.test_client()
    thief.set_cookie("session", captured, domain="academy.test")
    response = thief.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_session_is_renewed_at_sign_in(client, make):
    user = make.user("learner", org=make.org())
    client.get("/login")
    before = client.get_cookie("session", domain="academy.test").value
    login(client, user)
    assert client.get_cookie("session", domain="academy.test").value != before


def test_deactivation_ends_the_session_at_once(client, make, db):
    user = make.user("learner", org=make.org())
    login(client, user)
    assert client.get("/").status_code == 200
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_demotion_takes_effect_at_once(client, make, db):
    admin = make.user("admin")
    login(client, admin)
    assert client.get("/admin/users").status_code == 200
    db.session.get(User, admin.id).role = "learner"
    db.session.commit()
    assert client.get("/admin/users").status_code == 403


@pytest.mark.parametrize("target", [
    "//evil.example/", "/\\evil.example/", "https://evil.example/", "http:/evil.example",
    "javascript:alert(1)", "/%0d%0aLocation:%20https://evil.example", "\\\\evil.example",
    " //evil.example", "/\t/evil.example",
])
def test_next_accepts_only_same_site_paths(client, make, target):
    user = make.user("learner", org=make.org())
    token = csrf_token(client)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token, "next": target})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "academy.test")
    assert not response.headers["Location"].startswith("//")


def test_next_same_site_path_is_followed(client, make):
    user = make.user("learner", org=make.org())
    token = csrf_token(client)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token, "next": "/my"})
    assert response.headers["Location"] == "/my"


def test_sign_in_is_throttled_per_account(client, make):
    user = make.user("learner", org=make.org())
    for _ in range(5):
        assert login(client, user, password="wrong password!").status_code == 401
    # Even the right password is refused while the account is throttled.
    assert login(client, user).status_code == 429


def test_sign_in_is_throttled_per_address(app, client, make):
    org = make.org()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        victim = make.user("learner", org=org, email=f"v{i}@example.com")
        assert login(client, victim, password="wrong password!").status_code == 401
    fresh = make.user("learner", org=org, email="fresh@example.com")
    assert login(client, fresh).status_code == 429


def test_failed_and_successful_sign_ins_are_audited(client, make, db):
    user = make.user("learner", org=make.org())
    login(client, user, password="wrong password!")
    login(client, user)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["login.failed", "login"]
    detail = db.session.scalars(select(AuditEvent)).all()
    assert all(PASSWORD not in str(e.detail) for e in detail)


def test_password_hash_is_argon2id_at_asvs_parameters(make, db):
    from lms.security.passwords import hash_password

    stored = hash_password("a perfectly fine passphrase")
    assert stored.startswith("$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024
    assert int(params["t"]) >= 2


def test_weak_hash_is_upgraded_at_sign_in(client, make, db):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user = make.user("learner", org=make.org())
    db.session.get(User, user.id).password_hash = weak
    db.session.commit()
    assert login(client, user).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash != weak
    assert "m=19456" in db.session.get(User, user.id).password_hash


@pytest.mark.parametrize("new, accepted", [
    ("short", False),
    ("password123", False),          # too common
    ("これは日本語のパスフレーズです", True),  # any Unicode
    ("x" * 128, True),
    ("correct-horse-2", True),
])
def test_password_policy(client, signed_in, new, accepted):
    signed_in("learner")
    response = post_form(client, "/settings/password", {
        "current_password": PASSWORD, "new_password": new, "confirm": new})
    assert (response.status_code == 302) is accepted


def test_password_change_ends_other_sessions(app, client, signed_in):
    user = signed_in("learner")
    other = app.test_client()
    login(other, user)
    assert other.get("/").status_code == 200
    response = post_form(client, "/settings/password", {
        "current_password": PASSWORD, "new_password": "a brand new passphrase",
        "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200      # this session carries on
    assert other.get("/").status_code == 302       # the other one is gone


def test_cookies_are_httponly_and_samesite(client, make):
    user = make.user("learner", org=make.org())
    response = login(client, user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secure_cookie_when_served_over_https(tmp_path):
    from tests.conftest import make_app

    import os
    os.environ["LMS_BASE_URL"] = "https://academy.example"
    try:
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    finally:
        del os.environ["LMS_BASE_URL"]
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_logout_requires_post(client, signed_in):
    signed_in("learner")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
