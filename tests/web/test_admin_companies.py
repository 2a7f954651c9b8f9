"""A partner company's admin page: name and domains edited, the company deactivated and
reactivated, SCIM tokens issued once and revoked."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.models import AuditEvent, Organization, OrganizationDomain, ScimToken, User
from lms.models.organizations import OrganizationStats
from tests.conftest import csrf_token, login

NONCE_RE = re.compile(r'name="nonce" type="hidden" value="([^"]+)"')


def edit(client, slug, **fields):
    data = {"name": "Acme 株式会社", "domains": "", "active": "1",
            "csrf_token": csrf_token(client, f"/admin/organizations/{slug}"), **fields}
    return client.post(f"/admin/organizations/{slug}", data=data)


def domains_of(db, org):
    return sorted(db.session.scalars(select(OrganizationDomain.domain)
                                     .where(OrganizationDomain.organization_id == org.id)))


def test_the_list_links_to_each_company_page(client, signed_in, make):
    make.org("acme", name="Acme 株式会社")
    signed_in("admin")
    html = client.get("/admin/organizations").text
    assert 'href="/admin/organizations/acme"' in html
    page = client.get("/admin/organizations/acme")
    assert page.status_code == 200 and "Acme 株式会社" in page.text and "/scim/v2" in page.text
    assert client.get("/admin/organizations/nope").status_code == 404


def test_name_and_domains_are_edited_and_audited(client, signed_in, make, db):
    acme = make.org("acme", name="Acme")
    signed_in("admin")
    response = edit(client, "acme", name="Acme 株式会社", domains="acme.co.jp, acme.example")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Organization, acme.id).name == "Acme 株式会社"
    assert domains_of(db, acme) == ["acme.co.jp", "acme.example"]
    edit(client, "acme", domains="acme.example")
    assert domains_of(db, acme) == ["acme.example"]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"organization.renamed", "organization.domain_added",
            "organization.domain_removed"} <= actions


def test_bad_edits_are_refused_with_a_reason_and_change_nothing(client, signed_in, make, db):
    acme, other = make.org("acme", name="Acme"), make.org("other")
    signed_in("admin")
    edit(client, "other", name="Other", domains="other.example")
    for fields, words in (({"domains": "other.example"}, "別の会社"),
                          ({"domains": "not a domain!"}, "example.co.jp"),
                          ({"name": "x" * 201}, "200"),
                          ({"name": "bad\x01name"}, "")):
        response = edit(client, "acme", **{"name": "Acme 2", **fields})
        assert response.status_code in (400, 422), fields
        assert words in response.text
    db.session.expire_all()
    assert db.session.get(Organization, acme.id).name == "Acme" and domains_of(db, acme) == []
    assert domains_of(db, other) == ["other.example"]


def test_a_deactivated_company_signs_nobody_in_and_counts_nobody(app, client, signed_in,
                                                                   make, db):
    acme = make.org("acme", name="Acme")
    person = make.user("learner", org=acme)
    token = make.token(person)
    auth = {"Authorization": f"Bearer {token}"}
    person_client = app.test_client()
    assert login(person_client, person).status_code == 302
    assert db.session.get(OrganizationStats, acme.id, populate_existing=True).people == 1
    signed_in("admin")
    assert edit(client, "acme", name="Acme", active="0").status_code == 303
    db.session.expire_all()
    assert db.session.get(Organization, acme.id).active is False
    assert person_client.get("/").status_code == 302           # the session ended
    assert login(person_client, person).status_code != 302    # and no new one starts
    assert person_client.get("/api/v1/me", headers=auth).status_code == 401
    assert db.session.get(OrganizationStats, acme.id).people == 0
    assert db.session.get(User, person.id).active is True      # each person keeps their flag
    assert "無効" in client.get("/admin/organizations").text
    # Reactivated: the same person signs in again and counts again.
    assert edit(client, "acme", name="Acme", active="1").status_code == 303
    assert login(person_client, person).status_code == 302
    assert person_client.get("/api/v1/me", headers=auth).status_code == 200
    db.session.expire_all()
    assert db.session.get(OrganizationStats, acme.id).people == 1
    assert {"organization.deactivated", "organization.activated"} <= set(
        db.session.scalars(select(AuditEvent.action)))


def test_an_admin_cannot_deactivate_their_own_company(client, signed_in, make, db):
    acme = make.org("acme")
    signed_in("admin", org=acme)
    assert edit(client, "acme", name="Acme", active="0").status_code == 422
    assert db.session.get(Organization, acme.id).active is True


def test_scim_tokens_are_issued_once_listed_and_revoked(client, signed_in, make, db):
    acme = make.org("acme", name="Acme")
    signed_in("admin")
    page = client.get("/admin/organizations/acme").text
    form = {"csrf_token": csrf_token(client, "/admin/organizations/acme"),
            "nonce": NONCE_RE.search(page).group(1), "name": "Okta"}
    first = client.post("/admin/organizations/acme/scim-tokens", data=form)
    again = client.post("/admin/organizations/acme/scim-tokens", data=form)
    assert first.status_code == again.status_code == 303
    assert db.session.scalar(select(func.count(ScimToken.id))) == 1
    shown = client.get(first.headers["Location"])
    assert shown.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="token"[^>]*value="([^"]+)"', shown.text).group(1)
    assert token not in client.get(first.headers["Location"]).text
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/scim/v2/Users", headers=auth).status_code == 200
    listing = client.get("/admin/organizations/acme").text
    assert "Okta" in listing and token not in listing
    row = db.session.scalar(select(ScimToken))
    assert row.organization_id == acme.id and row.last_used_at is not None
    revoked = client.post(f"/admin/organizations/acme/scim-tokens/{row.id}/revoke",
                          data={"csrf_token": csrf_token(client, "/admin/organizations/acme")})
    assert revoked.status_code == 303
    assert client.get("/scim/v2/Users", headers=auth).status_code == 401
    assert {"scim_token.created", "scim_token.revoked"} <= set(
        db.session.scalars(select(AuditEvent.action)))


def test_company_pages_are_for_admins_only(client, signed_in, make, db):
    acme = make.org("acme")
    signed_in("manager", org=acme)
    assert client.get("/admin/organizations/acme").status_code == 403
    data = {"csrf_token": csrf_token(client, "/settings"), "name": "x", "nonce": "n" * 20,
            "active": "0"}
    assert client.post("/admin/organizations/acme", data=data).status_code == 403
    assert db.session.get(Organization, acme.id).active is True
    assert client.post("/admin/organizations/acme/scim-tokens", data=data).status_code == 403
    assert db.session.scalar(select(func.count(ScimToken.id))) == 0


def test_a_deactivated_company_takes_no_sign_ups(client, make, db):
    from lms.models import OutboxMessage
    from lms.services.company_domains import set_domains

    acme = make.org("acme", name="Acme")
    set_domains(acme, ["acme.example"], actor_id=None)
    acme.active = False
    db.session.commit()
    data = {"email": "new@acme.example", "name": "新人", "password": "a long enough secret",
            "csrf_token": csrf_token(client, "/signup")}
    assert client.post("/signup", data=data).status_code in (200, 302)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    db.session.get(Organization, acme.id).active = True
    db.session.commit()
    data["csrf_token"] = csrf_token(client, "/signup")
    client.post("/signup", data=data)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_nobody_is_invited_into_a_deactivated_company(make, db):
    import pytest

    from lms.services.errors import Invalid
    from lms.services.invitations import Invitee, invite

    make.org("acme", active=False)
    admin = make.user("admin")
    with pytest.raises(Invalid) as refused:
        invite([Invitee("new@acme.example", "learner", "acme")], actor=admin)
    assert refused.value.message == "organization_deactivated"
