"""API tokens on the admin's user page: named, listed with their last use, revocable, and
never issued twice by a reload or a resubmitted form."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.models import ApiToken, AuditEvent
from tests.conftest import csrf_token

NONCE_RE = re.compile(r'name="nonce" type="hidden" value="([^"]+)"|name="nonce" value="([^"]+)"')
TOKEN_RE = re.compile(r'id="token"[^>]*value="([^"]+)"')


def token_form(client, user):
    """The new-token form's hidden fields, as the page renders them."""
    html = client.get(f"/admin/users/{user.id}").text
    match = NONCE_RE.search(html)
    assert match, "no nonce on the form"
    return {"csrf_token": csrf_token(client, f"/admin/users/{user.id}"),
            "nonce": match.group(1) or match.group(2)}


def tokens(db):
    return db.session.scalar(select(func.count(ApiToken.id)))


def test_a_named_token_is_shown_once_after_a_redirect(client, signed_in, make, db):
    learner = make.user("learner", org=make.org("acme"))
    signed_in("admin")
    form = {**token_form(client, learner), "name": "CRM 連携"}
    posted = client.post(f"/admin/users/{learner.id}/tokens", data=form)
    assert posted.status_code == 303
    shown = client.get(posted.headers["Location"])
    assert shown.headers["Cache-Control"] == "no-store"
    token = TOKEN_RE.search(shown.text).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json[
        "email"] == learner.email
    # Reloading the page does not show it again; the list names it, with its last use.
    again = client.get(posted.headers["Location"])
    assert token not in again.text and not TOKEN_RE.search(again.text)
    page = client.get(f"/admin/users/{learner.id}").text
    assert "CRM 連携" in page and token not in page
    row = db.session.scalar(select(ApiToken))
    assert row.name == "CRM 連携" and row.last_used_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.created"))
    assert event.detail["name"] == "CRM 連携" and token not in repr(event.detail)


def test_resubmitting_the_same_form_never_issues_a_second_token(client, signed_in, make, db):
    learner = make.user("learner", org=make.org("acme"))
    signed_in("admin")
    form = {**token_form(client, learner), "name": "sync"}
    first = client.post(f"/admin/users/{learner.id}/tokens", data=form)
    second = client.post(f"/admin/users/{learner.id}/tokens", data=form)  # a reload of the POST
    third = client.post(f"/admin/users/{learner.id}/tokens", data=form)
    assert tokens(db) == 1
    assert first.headers["Location"] != second.headers["Location"]
    assert second.headers["Location"].endswith(f"/admin/users/{learner.id}")
    page = client.get(second.headers["Location"]).text
    assert "すでにトークンを発行しました" in page
    assert third.status_code == 303 and tokens(db) == 1
    # A fresh rendering of the form is a new nonce: a second token on purpose.
    client.post(f"/admin/users/{learner.id}/tokens", data=token_form(client, learner))
    assert tokens(db) == 2


def test_a_nonce_of_another_users_form_issues_nothing(client, signed_in, make, db):
    acme = make.org("acme")
    alice, bob = make.user("learner", org=acme), make.user("learner", org=acme)
    signed_in("admin")
    form = token_form(client, alice)
    client.post(f"/admin/users/{alice.id}/tokens", data=form)
    response = client.post(f"/admin/users/{bob.id}/tokens", data=form)
    assert response.status_code == 303 and tokens(db) == 1
    assert db.session.scalar(select(ApiToken.user_id)) == alice.id


def test_revoked_tokens_stop_working_and_stay_listed(client, signed_in, make, db):
    learner = make.user("learner", org=make.org("acme"))
    token = make.token(learner)
    row = db.session.scalar(select(ApiToken))
    signed_in("admin")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    response = client.post(f"/admin/users/{learner.id}/tokens/{row.id}/revoke",
                           data={"csrf_token": csrf_token(client, f"/admin/users/{learner.id}")})
    assert response.status_code == 303
    assert client.get("/api/v1/me", headers=auth).status_code == 401
    page = client.get(f"/admin/users/{learner.id}").text
    assert "失効" in page
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "token.revoked")) == "token.revoked"


def test_revoking_is_for_admins_and_the_right_user(client, signed_in, make, db):
    acme = make.org("acme")
    alice, bob = make.user("learner", org=acme), make.user("learner", org=acme)
    make.token(alice)
    row = db.session.scalar(select(ApiToken))
    signed_in("admin")
    data = {"csrf_token": csrf_token(client, "/admin/users")}
    assert client.post(f"/admin/users/{bob.id}/tokens/{row.id}/revoke", data=data).status_code == 404
    assert client.post(f"/admin/users/{alice.id}/tokens/{row.id}/revoke").status_code == 400
    assert db.session.get(ApiToken, row.id).revoked_at is None


def test_a_too_long_name_is_refused_with_a_reason(client, signed_in, make, db):
    learner = make.user("learner", org=make.org("acme"))
    signed_in("admin")
    form = {**token_form(client, learner), "name": "x" * 101}
    response = client.post(f"/admin/users/{learner.id}/tokens", data=form)
    assert response.status_code == 303 and tokens(db) == 0
    assert "100" in client.get(response.headers["Location"]).text
