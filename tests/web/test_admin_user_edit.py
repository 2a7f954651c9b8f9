"""Admins change roles, companies and activity; the change holds at once; tokens shown once."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.models import AuditEvent, User
from tests.conftest import login, post_form


def edit(client, user, **fields):
    data = {"name": user.name, "role": user.role,
            "org": user.organization.slug if user.organization else "", "active": "1"}
    data.update(fields)
    return post_form(client, f"/admin/users/{user.id}", data, page=f"/admin/users/{user.id}")


def test_demotion_and_deactivation_take_effect_at_once(app, client, signed_in, make, db):
    org = make.org("edit-co")
    manager = make.user("manager", org=org)
    theirs = app.test_client()
    login(theirs, manager)
    assert theirs.get("/").status_code == 200
    signed_in("admin")
    assert edit(client, manager, role="learner").status_code == 302
    assert db.session.get(User, manager.id).role == "learner"
    assert theirs.get("/").status_code == 302          # signed out by the change
    login(theirs, manager)
    assert theirs.get("/").status_code == 200
    assert edit(client, db.session.get(User, manager.id), active="0").status_code == 302
    assert theirs.get("/").status_code == 302
    assert login(theirs, manager).status_code == 401   # a deactivated account cannot sign in
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("user.changed") == 2


def test_admin_cannot_remove_their_own_rights(client, signed_in, db):
    admin = signed_in("admin")
    response = edit(client, admin, role="learner")
    assert response.status_code == 422
    assert db.session.get(User, admin.id).role == "admin"


def test_learner_needs_a_company(client, signed_in, make, db):
    trainer = make.user("trainer")
    signed_in("admin")
    assert edit(client, trainer, role="learner", org="").status_code == 422
    assert db.session.get(User, trainer.id).role == "trainer"


def test_token_is_shown_once_and_works(client, signed_in, make):
    learner = make.user("learner", org=make.org("token-co"))
    signed_in("admin")
    response = post_form(client, f"/admin/users/{learner.id}/tokens", page=f"/admin/users/{learner.id}")
    assert response.status_code == 303  # POST-redirect-GET: the token is on the next page
    response = client.get(response.headers["Location"])
    assert response.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="token"[^>]*value="([^"]+)"', response.text).group(1)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["email"] == learner.email
    assert token not in client.get(f"/admin/users/{learner.id}").text


def test_user_pages_are_for_admins_only(client, signed_in, make):
    other = make.user("trainer")
    signed_in("manager")
    assert client.get(f"/admin/users/{other.id}").status_code == 403
    assert client.get("/admin/users/99999999999999999999").status_code in (403, 404)
