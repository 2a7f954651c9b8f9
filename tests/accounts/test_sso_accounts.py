"""Single sign-on accounts made just in time, and the routes around the provider's answer
(the whole flow against a real provider is in tests/browser/test_sso.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.auth.oidc import SSOError, parse_providers
from lms.models import AuditEvent, OrganizationDomain, User
from lms.services import sso
from tests.conftest import csrf_token

PROVIDERS = parse_providers([
    {"name": "alpha", "label": "Alpha IdP", "issuer": "https://idp.alpha.example",
     "client_id": "academy", "client_secret": "s", "domains": ["alpha.example"]},
    {"name": "beta", "label": "Beta IdP", "issuer": "https://idp.beta.example",
     "client_id": "academy", "client_secret": "s", "domains": ["beta.example", "gamma.example"]},
])
ALPHA, BETA = PROVIDERS


@pytest.fixture()
def companies(db, make):
    alpha, beta = make.org("alpha-si"), make.org("beta-si")
    db.session.add_all([OrganizationDomain(domain="alpha.example", organization_id=alpha.id),
                        OrganizationDomain(domain="beta.example", organization_id=beta.id)])
    db.session.commit()
    return alpha, beta


@pytest.fixture()
def with_providers(app):
    before = app.config["OIDC_PROVIDERS"]
    app.config["OIDC_PROVIDERS"] = PROVIDERS
    yield PROVIDERS
    app.config["OIDC_PROVIDERS"] = before


def claims(email, verified=True, **more):
    return {"sub": "s-1", "email": email, "email_verified": verified, **more}


def actions(db):
    return [(e.action, e.detail.get("reason")) for e in
            db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def refused_with(db, provider, given) -> str:
    with pytest.raises(SSOError) as caught:
        sso.sign_in(provider, given, address="192.0.2.1")
    assert actions(db)[-1] == ("sso.refused", caught.value.code)
    return caught.value.code


def test_first_sign_in_makes_a_learner_in_the_domain_owner_and_the_second_finds_it(db, companies):
    alpha, _beta = companies
    first = sso.sign_in(ALPHA, claims("Hanako@Alpha.example", name="アルファ 花子"), address="x")
    assert (first.email, first.role, first.organization_id, first.name) == (
        "hanako@alpha.example", "learner", alpha.id, "アルファ 花子")
    assert first.password_hash is None
    again = sso.sign_in(ALPHA, claims("hanako@alpha.example"), address="x")
    assert again.id == first.id
    found = db.session.scalars(select(User.id).where(User.email == "hanako@alpha.example"))
    assert found.all() == [first.id]
    assert [a for a, _ in actions(db)] == ["sso.account_created", "sso.signed_in"]


def test_a_provider_signs_in_only_its_own_domains(db, companies):
    assert refused_with(db, BETA, claims("taro@alpha.example")) == "sso_foreign_domain"
    assert db.session.scalar(select(User).where(User.email == "taro@alpha.example")) is None


def test_an_unverified_or_missing_address_is_refused(db, companies):
    assert refused_with(db, ALPHA, claims("taro@alpha.example", verified=False)) == \
        "sso_email_unverified"
    assert refused_with(db, ALPHA, claims("taro@alpha.example", verified="true")) == \
        "sso_email_unverified"
    assert refused_with(db, ALPHA, {"sub": "s-1", "email_verified": True}) == "sso_no_email"


def test_a_deactivated_person_is_refused(db, make, companies):
    make.user(email="gone@alpha.example", org=companies[0], active=False)
    assert refused_with(db, ALPHA, claims("gone@alpha.example")) == "sso_account_inactive"


def test_a_served_domain_no_company_owns_makes_no_account(db, companies):
    assert refused_with(db, BETA, claims("someone@gamma.example")) == "sso_no_company"
    assert db.session.scalar(select(User).where(User.email == "someone@gamma.example")) is None


def test_the_sign_in_page_offers_each_provider_and_the_address_form(client, with_providers):
    html = client.get("/login").get_data(as_text=True)
    assert 'action="/login/sso/alpha"' in html and 'action="/login/sso/beta"' in html
    assert "Alpha IdP" in html and 'action="/login/sso"' in html
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "form-action 'self' https://idp.alpha.example https://idp.beta.example" in policy


def test_no_provider_no_single_sign_on(client):
    assert 'action="/login/sso"' not in client.get("/login").get_data(as_text=True)
    token = csrf_token(client)
    assert client.post("/login/sso", data={"company-csrf_token": token,
                                           "company-email": "a@alpha.example"}).status_code == 404


def test_an_address_no_provider_serves_gets_a_message(client, with_providers):
    token = csrf_token(client)
    response = client.post("/login/sso", data={"company-csrf_token": token,
                                               "company-email": "a@unknown.example"})
    assert response.status_code == 422
    assert "company-email-error" in response.get_data(as_text=True)


def test_an_answer_without_a_pending_sign_in_is_refused(client, db, with_providers):
    response = client.get("/login/sso/alpha/callback?code=abc&state=xyz")
    assert response.status_code == 400
    assert ("sso.failed", "sso_state_mismatch") in actions(db)
    assert client.get("/login/sso/nobody/callback?code=abc&state=xyz").status_code == 404


def test_an_answer_with_another_state_is_refused(client, db, with_providers):
    with client.session_transaction() as session:
        session["sso_pending"] = {"provider": "alpha", "state": "right", "nonce": "n",
                                  "verifier": "v", "next": ""}
    response = client.get("/login/sso/alpha/callback?code=abc&state=wrong")
    assert response.status_code == 400
    # The pending sign-in is spent: the right state afterwards does not work either.
    assert client.get("/login/sso/alpha/callback?code=abc&state=right").status_code == 400


def test_an_answer_meant_for_another_provider_is_refused(client, with_providers):
    with client.session_transaction() as session:
        session["sso_pending"] = {"provider": "beta", "state": "s", "nonce": "n",
                                  "verifier": "v", "next": ""}
    assert client.get("/login/sso/alpha/callback?code=abc&state=s").status_code == 400
