"""Administration: adding users and partner companies; the trainers' content status page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.models import AuditEvent, Organization, User
from lms.security.passwords import verify_password
from tests.conftest import PASSWORD, post_form


def add_user(client, **fields):
    data = {"email": "new@example.com", "name": "新人 太郎", "role": "learner", "org": "acme",
            "password": PASSWORD}
    data.update(fields)
    return post_form(client, "/admin/users", data, page="/admin/users")


def test_admin_adds_a_user(client, signed_in, make, db):
    make.org("acme", name="Acme 株式会社")
    admin = signed_in("admin")
    response = add_user(client, email="New@Example.com")
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user.role == "learner" and user.organization.slug == "acme"
    assert verify_password(user.password_hash, PASSWORD)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert event.actor_id == admin.id and PASSWORD not in repr(vars(event))
    html = client.get("/admin/users").get_data(as_text=True)
    assert "new@example.com" in html and "Acme 株式会社" in html


@pytest.mark.parametrize("fields,message", [
    ({"email": "not-an-email"}, "メールアドレス"),
    ({"password": "short"}, "8文字以上"),
    ({"password": "password123"}, "よく使われて"),
    ({"org": ""}, "パートナー企業"),
    ({"role": "overlord"}, ""),
    ({"org": "nope"}, ""),
])
def test_admin_user_form_refuses_bad_input(client, signed_in, make, db, fields, message):
    make.org("acme")
    signed_in("admin")
    before = len(db.session.scalars(select(User)).all())
    response = add_user(client, **fields)
    assert response.status_code in (400, 422)
    assert message in response.get_data(as_text=True)
    assert len(db.session.scalars(select(User)).all()) == before


def test_admin_user_form_refuses_a_taken_email(client, signed_in, make, db):
    make.org("acme")
    admin = signed_in("admin")
    response = add_user(client, email=admin.email.upper(), role="admin", org="")
    assert response.status_code == 422
    assert "このメールアドレスのユーザーはすでに存在します" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(User)).all()) == 1


def test_form_cannot_grant_a_role_through_an_extra_field(client, signed_in, make, db):
    make.org("acme")
    signed_in("admin")
    add_user(client, role="learner", is_admin="1", session_version="99", active="0")
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user.role == "learner" and user.active and user.session_version == 1


def test_admin_adds_a_company(client, signed_in, db):
    signed_in("admin")
    response = post_form(client, "/admin/organizations", {"slug": "tokyo-si", "name": "東京SI"},
                         page="/admin/organizations")
    assert response.status_code == 302
    org = db.session.scalar(select(Organization))
    assert (org.slug, org.name, org.tier) == ("tokyo-si", "東京SI", "registered")
    assert "東京SI" in client.get("/admin/organizations").get_data(as_text=True)


@pytest.mark.parametrize("slug", ["Tokyo SI", "-lead", "日本", "a" * 65, ""])
def test_admin_company_form_refuses_bad_slugs(client, signed_in, db, slug):
    signed_in("admin")
    response = post_form(client, "/admin/organizations", {"slug": slug, "name": "X"},
                         page="/admin/organizations")
    assert response.status_code in (400, 422)
    assert db.session.scalars(select(Organization)).all() == []


def test_admin_company_form_refuses_a_taken_slug(client, signed_in, make, db):
    make.org("acme")
    signed_in("admin")
    response = post_form(client, "/admin/organizations", {"slug": "acme", "name": "Other"},
                         page="/admin/organizations")
    assert response.status_code == 422
    assert [o.name for o in db.session.scalars(select(Organization))] == ["Acme"]


def test_user_list_is_paged(client, signed_in, make, db):
    org = make.org("acme")
    for _ in range(55):
        make.user("learner", org=org)
    signed_in("admin")
    first = client.get("/admin/users").get_data(as_text=True)
    assert "?page=2" in first
    second = client.get("/admin/users?page=2")
    assert second.status_code == 200
    assert client.get("/admin/users?page=-3").status_code == 200
    assert client.get("/admin/users?page=abc").status_code == 200


def test_content_status_lists_courses_and_no_problems_for_valid_content(client, signed_in):
    signed_in("trainer")
    html = client.get("/admin/content").get_data(as_text=True)
    assert "はじめてのKoemoji" in html and "下書きコース" in html
    assert "<code>getting-started</code>" in html


@pytest.mark.parametrize("slug", ["expiring", "export"])
def test_company_slugs_that_name_fixed_partner_pages_are_refused(client, signed_in, slug):
    from tests.conftest import post_form

    signed_in("admin")
    response = post_form(client, "/admin/organizations", {"slug": slug, "name": "Shadow"},
                         page="/admin/organizations")
    assert response.status_code == 422
