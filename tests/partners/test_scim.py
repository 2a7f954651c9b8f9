"""SCIM 2.0 at /scim/v2: a company's identity provider keeps its people, and only them.

Runs against the partners' program (tests/partners/content), so a deactivation's effect on
the company's tier is real.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from lms.models import AuditEvent, ScimToken, User
from lms.models.organizations import OrganizationStats
from lms.services import organizations
from lms.services.api_tokens import issue_scim_token, revoke_scim_token
from tests.conftest import login

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Scim:
    """A SCIM client for one token."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def call(self, method, path, body=None, raw=None, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}"}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = self.client.open("/scim/v2" + path, method=method, data=data,
                                    content_type=SCIM, headers=headers, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)
        if response.status_code != 204:
            assert response.mimetype == SCIM
        return response

    def create(self, user_name, **fields):
        body = {"schemas": [USER_SCHEMA], "userName": user_name,
                "name": {"givenName": "Taro", "familyName": "Yamada"}, "active": True, **fields}
        return self.call("POST", "/Users", body)

    def patch(self, user_id, *operations):
        return self.call("PATCH", f"/Users/{user_id}",
                         {"schemas": [PATCH_SCHEMA], "Operations": list(operations)})


@pytest.fixture()
def companies(make, db):
    acme, other = make.org("acme", name="Acme 株式会社"), make.org("other", name="Other")
    return acme, other


@pytest.fixture()
def scim(client, companies):
    return Scim(client, issue_scim_token(companies[0].id, name="Okta").token)


@pytest.fixture()
def other_scim(client, companies):
    return Scim(client, issue_scim_token(companies[1].id, name="Entra").token)


def assert_error(response, status, scim_type=None):
    assert response.status_code == status
    body = response.get_json(force=True)
    assert body["schemas"] == [ERROR_SCHEMA] and body["status"] == str(status)
    assert body.get("detail")
    if scim_type:
        assert body["scimType"] == scim_type


def test_create_then_read_a_person_in_the_tokens_company(scim, companies, db):
    response = scim.create("Taro.Yamada@Acme.example", externalId="00u1")
    assert response.status_code == 201
    created = response.get_json(force=True)
    assert created["userName"] == "taro.yamada@acme.example" and created["active"] is True
    assert created["externalId"] == "00u1" and created["schemas"] == [USER_SCHEMA]
    assert response.headers["Location"].endswith(f"/scim/v2/Users/{created['id']}")
    user = db.session.get(User, int(created["id"]))
    # Always a learner of the token's company, whatever the body says.
    assert (user.role, user.organization_id, user.name) == ("learner", companies[0].id,
                                                              "Taro Yamada")
    assert user.password_hash is None
    got = scim.call("GET", f"/Users/{created['id']}").get_json(force=True)
    assert got["id"] == created["id"] and got["emails"][0]["value"] == created["userName"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scim.user.created"))
    assert event.target == "taro.yamada@acme.example" and event.detail["org"] == "acme"


def test_role_and_company_never_come_from_the_body(scim, companies, db):
    response = scim.create("sneaky@acme.example", role="admin", organization="other",
                           groups=[{"value": "admins"}])
    assert response.status_code == 201
    user = db.session.get(User, int(response.get_json(force=True)["id"]))
    assert user.role == "learner" and user.organization_id == companies[0].id


def test_filter_by_user_name_and_paging(scim, db):
    for i in range(5):
        assert scim.create(f"p{i}@acme.example").status_code == 201
    found = scim.call("GET", '/Users?filter=userName eq "P3@acme.example"').get_json(force=True)
    assert found["totalResults"] == 1 and found["Resources"][0]["userName"] == "p3@acme.example"
    none = scim.call("GET", '/Users?filter=userName eq "nobody@acme.example"').get_json(force=True)
    assert none["totalResults"] == 0 and none["Resources"] == []
    page = scim.call("GET", "/Users?startIndex=2&count=2").get_json(force=True)
    assert page["totalResults"] == 5 and page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [r["userName"] for r in page["Resources"]] == ["p1@acme.example", "p2@acme.example"]
    last = scim.call("GET", "/Users?startIndex=5&count=10").get_json(force=True)
    assert [r["userName"] for r in last["Resources"]] == ["p4@acme.example"]
    assert scim.call("GET", "/Users?count=0").get_json(force=True)["Resources"] == []
    assert_error(scim.call("GET", '/Users?filter=name co "x"'), 400, "invalidFilter")
    assert_error(scim.call("GET", "/Users?startIndex=abc"), 400, "invalidValue")


def test_patch_okta_and_azure_styles(scim, db):
    user_id = scim.create("hanako@acme.example").get_json(force=True)["id"]
    okta = scim.patch(user_id, {"op": "replace", "value": {"displayName": "山田 花子"}})
    assert okta.status_code == 200 and okta.get_json(force=True)["displayName"] == "山田 花子"
    azure = scim.patch(user_id, {"op": "Replace", "path": "name.givenName", "value": "Hana"},
                       {"op": "Add", "path": "externalId", "value": "aad-7"})
    body = azure.get_json(force=True)
    assert body["externalId"] == "aad-7" and body["name"]["formatted"] == "Hana 花子"
    replaced = scim.call("PUT", f"/Users/{user_id}", {
        "schemas": [USER_SCHEMA], "userName": "hanako@acme.example",
        "displayName": "Hanako Y", "active": True})
    assert replaced.get_json(force=True)["displayName"] == "Hanako Y"
    assert "externalId" not in replaced.get_json(force=True)  # PUT replaces the whole resource


@pytest.mark.parametrize("operation", [
    {"op": "replace", "path": "active", "value": False},
    {"op": "Replace", "path": "active", "value": "False"},   # Azure AD's string
    {"op": "replace", "value": {"active": False}},            # Okta
])
def test_deactivation_signs_the_person_out(scim, client, db, operation, password_hash):
    user_id = scim.create("leaver@acme.example").get_json(force=True)["id"]
    user = db.session.get(User, int(user_id))
    user.password_hash = password_hash
    db.session.commit()
    assert login(client, user).status_code == 302
    assert client.get("/").status_code == 200
    response = scim.patch(user_id, operation)
    assert response.status_code == 200 and response.get_json(force=True)["active"] is False
    assert client.get("/").status_code == 302  # the session died with the account
    assert login(client, db.session.get(User, int(user_id))).status_code != 302
    assert db.session.scalar(select(AuditEvent.target)
                             .where(AuditEvent.action == "scim.user.deactivated")) == \
        "leaver@acme.example"


def test_delete_deactivates_and_keeps_the_record(scim, db):
    user_id = scim.create("gone@acme.example").get_json(force=True)["id"]
    assert scim.call("DELETE", f"/Users/{user_id}").status_code == 204
    user = db.session.get(User, int(user_id))
    assert user is not None and user.active is False
    assert scim.call("GET", f"/Users/{user_id}").get_json(force=True)["active"] is False
    back = scim.patch(user_id, {"op": "replace", "path": "active", "value": True})
    assert back.get_json(force=True)["active"] is True


def test_a_company_token_never_reaches_another_companys_people(scim, other_scim, companies,
                                                                make, db):
    theirs = make.user("learner", org=companies[1], email="theirs@other.example")
    vendor = make.user("admin", email="boss@vendor.example")
    mine = scim.create("mine@acme.example").get_json(force=True)["id"]
    for person in (str(theirs.id), str(vendor.id)):
        assert_error(scim.call("GET", f"/Users/{person}"), 404)
        assert_error(scim.call("PUT", f"/Users/{person}", {"userName": "x@acme.example"}), 404)
        assert_error(scim.patch(person, {"op": "replace", "path": "active", "value": False}),
                     404)
        assert_error(scim.call("DELETE", f"/Users/{person}"), 404)
    assert_error(other_scim.call("GET", f"/Users/{mine}"), 404)
    assert_error(other_scim.call("DELETE", f"/Users/{mine}"), 404)
    listed = scim.call("GET", '/Users?filter=userName eq "theirs@other.example"')
    assert listed.get_json(force=True)["totalResults"] == 0
    everyone = scim.call("GET", "/Users").get_json(force=True)
    assert [r["userName"] for r in everyone["Resources"]] == ["mine@acme.example"]
    # Taking over another company's address is refused as a conflict, changing nothing.
    assert_error(scim.create("theirs@other.example"), 409, "uniqueness")
    assert_error(scim.patch(mine, {"op": "replace", "path": "userName",
                                   "value": "theirs@other.example"}), 409, "uniqueness")
    db.session.expire_all()
    assert db.session.get(User, theirs.id).active and db.session.get(User, vendor.id).active
    assert db.session.get(User, theirs.id).organization_id == companies[1].id


def test_an_address_in_another_companys_domain_is_refused(scim, companies, db):
    from lms.services.company_domains import set_domains
    set_domains(companies[1], ["other.example"], actor_id=None)
    db.session.commit()
    assert_error(scim.create("new@other.example"), 400, "invalidValue")
    assert db.session.scalar(select(User).where(User.email == "new@other.example")) is None


def test_tokens_that_do_not_count(client, scim, companies, make, db):
    no_token = client.get("/scim/v2/Users")
    assert_error(no_token, 401)
    assert no_token.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(Scim(client, "scim_forged").call("GET", "/Users"), 401)
    # An API token of an admin is not a SCIM token.
    assert_error(Scim(client, make.token(make.user("admin"))).call("GET", "/Users"), 401)
    row = db.session.scalar(select(ScimToken).where(ScimToken.organization_id == companies[0].id))
    assert scim.call("GET", "/Users").status_code == 200
    assert db.session.get(ScimToken, row.id).last_used_at is not None
    revoke_scim_token(companies[0].id, row.id, actor_id=make.user("admin").id)
    assert_error(scim.call("GET", "/Users"), 401)


def test_a_deactivated_company_token_stops_working(scim, companies, db):
    assert scim.call("GET", "/Users").status_code == 200
    companies[0].active = False
    db.session.commit()
    assert_error(scim.call("GET", "/Users"), 401)


@pytest.mark.parametrize("method,path,raw", [
    ("POST", "/Users", "{not json"),
    ("POST", "/Users", "[]"),
    ("POST", "/Users", '{"userName": 5}'),
    ("POST", "/Users", '{"userName": "no-at-sign"}'),
    ("POST", "/Users", '{"userName": "a@acme.example", "active": "maybe"}'),
    ("POST", "/Users", '{"userName": "a@acme.example", "name": "flat"}'),
    ("POST", "/Users", '{"userName": "a@acme.example", "emails": "x"}'),
    ("POST", "/Users", '{"userName": "' + "a" * 300 + '@acme.example"}'),
    ("POST", "/Users", '{"userName": "a\\u0000b@acme.example"}'),
    ("POST", "/Users", b"\xff\xfe"),
    ("PATCH", "/Users/{id}", '{"Operations": []}'),
    ("PATCH", "/Users/{id}", '{"Operations": [{"op": "move", "path": "active"}]}'),
    ("PATCH", "/Users/{id}", '{"Operations": [{"op": "replace", "path": "role", "value": "admin"}]}'),
    ("PATCH", "/Users/{id}", '{"Operations": [{"op": "remove", "path": "userName"}]}'),
    ("PATCH", "/Users/{id}", '{"Operations": [{"op": "replace", "value": 3}]}'),
    ("PATCH", "/Users/{id}", '{"Operations": [{"op": "replace", "path": 3, "value": 1}]}'),
    ("PUT", "/Users/{id}", '{"displayName": "no user name"}'),
])
def test_bad_bodies_get_scim_errors_and_change_nothing(scim, db, method, path, raw):
    user_id = scim.create("steady@acme.example").get_json(force=True)["id"]
    before = [(u.email, u.name, u.active, u.role) for u in db.session.scalars(select(User))]
    response = scim.call(method, path.format(id=user_id), raw=raw)
    assert_error(response, 400)
    db.session.expire_all()
    assert [(u.email, u.name, u.active, u.role) for u in db.session.scalars(select(User))] == before


def test_unknown_ids_and_methods(scim):
    assert_error(scim.call("GET", "/Users/99999999"), 404)
    assert_error(scim.call("GET", "/Users/not-a-number"), 404)
    assert_error(scim.call("GET", "/Users/" + "9" * 40), 404)
    assert_error(scim.call("POST", "/Users/1", {}), 405)


def test_discovery_documents(client):
    config = client.get("/scim/v2/ServiceProviderConfig")
    assert config.status_code == 200 and config.mimetype == SCIM
    body = config.get_json(force=True)
    assert body["patch"]["supported"] is True and body["filter"]["supported"] is True
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = client.get("/scim/v2/ResourceTypes").get_json(force=True)
    assert types["Resources"][0]["endpoint"] == "/Users"
    schemas = client.get("/scim/v2/Schemas").get_json(force=True)
    names = {a["name"] for a in schemas["Resources"][0]["attributes"]}
    assert {"userName", "name", "emails", "active"} <= names
    assert client.get(f"/scim/v2/Schemas/{USER_SCHEMA}").status_code == 200
    assert client.get("/scim/v2/Schemas/urn:nope").status_code == 404


def test_a_deactivated_person_stops_counting_and_the_tier_follows(scim, companies, certs,
                                                                  program, db):
    acme = companies[0]
    acme.deals_closed = 5
    acme.tier = "silver"
    db.session.commit()
    ids = [scim.create(f"s{i}@acme.example").get_json(force=True)["id"] for i in range(2)]
    for user_id in ids:
        certs.add(db.session.get(User, int(user_id)), "silver")
    row = db.session.get(OrganizationStats, acme.id, populate_existing=True)
    assert row.eligible_tier == "silver" and row.counts["silver"] == 2 and row.people == 2
    scim.patch(ids[0], {"op": "replace", "path": "active", "value": False})
    db.session.expire_all()
    row = db.session.get(OrganizationStats, acme.id)
    # Counted in the same transaction as the deactivation: one silver person is left.
    assert row.people == 1 and row.counts["silver"] == 1
    assert row.eligible_tier == "bronze" and row.next_tier == "silver"
    # The tier follows on the next sweep, like any other change of eligibility.
    organizations.follow_eligible_tiers(program, datetime.now(timezone.utc))
    db.session.expire_all()
    assert db.session.get(type(acme), acme.id).tier == "bronze"
    scim.patch(ids[0], {"op": "replace", "path": "active", "value": True})
    db.session.expire_all()
    assert db.session.get(OrganizationStats, acme.id).eligible_tier == "silver"


def test_parallel_creates_of_one_address_make_one_person(app, scim, db):
    """Identity providers retry: the same POST at once from several workers makes one
    person, and the others get 409 uniqueness, never a 500."""
    from tests.quiz.test_concurrency import in_parallel

    def post(_):
        return Scim(app.test_client(), scim.token).create("rush@acme.example").status_code

    statuses, errors = in_parallel(app, post)
    assert errors == []
    assert sorted(set(statuses)) == [201, 409], statuses
    assert statuses.count(201) == 1
    assert db.session.scalar(select(func.count(User.id))
                             .where(User.email == "rush@acme.example")) == 1
