"""What a worker keeps between requests of one session: the verified session cookie
(lms/auth/cookie_session.py) and the signed form token (lms/security/csrf_tokens.py).

Keeping them saves a signature check and a signing per page; none of it may let a
forged, expired or signed-out cookie in, or one session's token serve another.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask

from lms.auth.cookie_session import KeptCookieSessionInterface
from tests.conftest import CSRF_RE, csrf_token, login

PAGE = "/my"


def session_cookie(client) -> str:
    return client.get_cookie("session", domain="academy.test").value


def set_session_cookie(client, value: str) -> None:
    client.set_cookie("session", value, domain="academy.test")


def signed_in_page(client) -> bool:
    response = client.get(PAGE)
    return response.status_code == 200


def test_a_kept_cookie_still_signs_in_and_a_forged_one_does_not(client, make):
    user = make.user("learner", org=make.org())
    login(client, user)
    assert signed_in_page(client)
    cookie = session_cookie(client)
    assert signed_in_page(client) and session_cookie(client) == cookie  # verified, kept
    for forged in (cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"),
                   cookie.replace(".", ".x", 1)):
        set_session_cookie(client, forged)
        response = client.get(PAGE)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    set_session_cookie(client, cookie)
    assert signed_in_page(client)


def test_a_kept_cookie_expires_on_time(app, client, make):
    user = make.user("learner", org=make.org())
    login(client, user)
    assert signed_in_page(client)
    cookie = session_cookie(client)
    assert signed_in_page(client) and session_cookie(client) == cookie  # kept now
    lifetime = app.permanent_session_lifetime
    app.permanent_session_lifetime = timedelta(seconds=1)
    try:
        time.sleep(2.1)
        response = client.get(PAGE)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    finally:
        app.permanent_session_lifetime = lifetime


def test_a_kept_cookie_replayed_after_sign_out_is_signed_out(client, make):
    user = make.user("learner", org=make.org())
    login(client, user)
    assert signed_in_page(client)
    cookie = session_cookie(client)
    token = csrf_token(client, PAGE)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    set_session_cookie(client, cookie)  # an attacker who copied the cookie earlier
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sessions_with_lists_are_never_shared_between_requests():
    app = Flask(__name__)
    app.secret_key = "test"
    interface = KeptCookieSessionInterface()
    with app.test_request_context("/"):
        cookie = interface.get_signing_serializer(app).dumps(
            {"_user_id": "1:1", "_flashes": [["info", "saved"]]})
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as ctx:
        first = interface.open_session(app, ctx.request)
        first["_flashes"].append(["info", "another request's message"])
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as ctx:
        second = interface.open_session(app, ctx.request)
    assert second["_flashes"] == [["info", "saved"]]
    assert not interface._kept  # decoded afresh each time, never kept


def test_one_sessions_form_token_is_stable_and_no_other_session_takes_it(app, make):
    user = make.user("learner", org=make.org())
    first, second = app.test_client(), app.test_client()
    login(first, user)
    login(second, user)
    token = csrf_token(first, PAGE)
    assert csrf_token(first, "/") == token  # signed once, shown on every page
    other = csrf_token(second, PAGE)
    assert other != token
    # Each session's token works for itself and not for the other session.
    assert second.post("/language", data={"lang": "en", "next": PAGE,
                                          "csrf_token": token}).status_code == 400
    assert first.post("/language", data={"lang": "en", "next": PAGE,
                                         "csrf_token": token}).status_code == 302
    # A new session after signing out gets a new token; the old one is refused.
    first.post("/logout", data={"csrf_token": csrf_token(first, PAGE)})
    login(first, user)
    renewed = csrf_token(first, PAGE)
    assert renewed != token
    html = first.get(PAGE).get_data(as_text=True)
    assert all((m.group(1) or m.group(2)) == renewed for m in CSRF_RE.finditer(html))
    assert first.post("/language", data={"lang": "ja", "next": PAGE,
                                         "csrf_token": token}).status_code == 400
