"""Invitations: who may invite whom, one by one, by CSV and with `lms invite`; the link read
from a real mail creates the account in the right company and role, once."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from lms.cli import main
from lms.models import AccountToken, User
from lms.models.types import utcnow
from lms.services import account_links
from tests.conftest import csrf_token, post_form

INVITE_LINK = r"https?://[^\s]+/invite/[A-Za-z0-9_-]+"
PASSWORD = "invited person passphrase"


def path_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def accept(client, link, name="招待 太郎", password=PASSWORD):
    return client.post(link, data={"name": name, "password": password, "confirm": password,
                                   "csrf_token": csrf_token(client, link)})


def test_partner_manager_invites_into_their_own_company_only(app, client, signed_in, make, mail):
    own, other = make.org("own-co"), make.org("other-co")
    signed_in("manager", org=own)
    ok = post_form(client, "/invitations", {"email": "new@own.example.com", "role": "learner",
                                            "org": "own-co"}, page="/invitations")
    assert ok.status_code == 302
    refused = post_form(client, "/invitations", {"email": "x@other.example.com",
                                                 "role": "learner", "org": "other-co"},
                        page="/invitations")
    assert refused.status_code in (400, 422)
    admin = post_form(client, "/invitations", {"email": "boss@own.example.com", "role": "admin",
                                               "org": "own-co"}, page="/invitations")
    assert admin.status_code in (400, 422)
    link = path_of(mail.link("new@own.example.com", INVITE_LINK))
    assert mail.to("x@other.example.com") == []
    invited = app.test_client()
    assert invited.get(link).status_code == 200
    assert accept(invited, link).status_code == 302
    assert invited.get("/settings").status_code == 200  # signed in
    user = make.db.session.scalar(select(User).where(User.email == "new@own.example.com"))
    assert (user.role, user.organization_id, user.name) == ("learner", own.id, "招待 太郎")
    assert other.id != own.id
    # Single use.
    assert app.test_client().get(link).status_code == 410
    assert accept(app.test_client(), link).status_code == 410


def test_learners_may_not_invite(client, signed_in):
    signed_in("learner")
    assert client.get("/invitations").status_code == 403


def test_csv_invites_everyone_or_nobody(app, client, signed_in, make, mail):
    make.org("acme")
    signed_in("admin")
    bad = "email,role,org\na@acme.example.com,learner,acme\nnot-an-address,learner,acme\n"
    response = client.post("/invitations/csv", data={
        "file": (io.BytesIO(bad.encode()), "people.csv"),
        "csrf_token": csrf_token(client, "/invitations")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "3" in response.get_data(as_text=True)  # the bad line
    assert mail.to("a@acme.example.com") == []
    good = "email,role,org\na@acme.example.com,learner,acme\nb@acme.example.com,manager,acme\n"
    response = client.post("/invitations/csv", data={
        "file": (io.BytesIO(good.encode()), "people.csv"),
        "csrf_token": csrf_token(client, "/invitations")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert len(mail.to("a@acme.example.com")) == len(mail.to("b@acme.example.com")) == 1


def test_pending_invitations_are_listed_revoked_and_resent(app, client, signed_in, make, mail,
                                                           db):
    make.org("acme")
    signed_in("admin")
    post_form(client, "/invitations", {"email": "p@acme.example.com", "role": "learner",
                                       "org": "acme"}, page="/invitations")
    first = path_of(mail.link("p@acme.example.com", INVITE_LINK))
    row = db.session.scalar(select(AccountToken).where(AccountToken.purpose == "invite"))
    assert "p@acme.example.com" in client.get("/invitations").get_data(as_text=True)
    assert post_form(client, f"/invitations/{row.id}/resend",
                     page="/invitations").status_code == 302
    second = path_of(mail.link("p@acme.example.com", INVITE_LINK, count=2))
    assert app.test_client().get(first).status_code == 410  # replaced
    assert app.test_client().get(second).status_code == 200
    new_row = db.session.scalar(select(AccountToken).where(AccountToken.revoked_at.is_(None)))
    assert post_form(client, f"/invitations/{new_row.id}/revoke",
                     page="/invitations").status_code == 302
    assert app.test_client().get(second).status_code == 410
    client.get("/invitations")  # shows the flash message, which names the address
    assert "p@acme.example.com" not in client.get("/invitations").get_data(as_text=True)


def test_another_companys_invitation_cannot_be_touched(app, client, signed_in, make, db):
    mine, theirs = make.org("mine"), make.org("theirs")
    token, row = account_links.issue("invite", "t@theirs.example.com",
                                     lifetime=timedelta(days=7), now=utcnow(), role="learner",
                                     organization_id=theirs.id)
    db.session.commit()
    signed_in("manager", org=mine)
    assert "t@theirs.example.com" not in client.get("/invitations").get_data(as_text=True)
    assert post_form(client, f"/invitations/{row.id}/revoke",
                     page="/invitations").status_code == 404
    assert app.test_client().get(f"/invite/{token}").status_code == 200


def test_expired_forged_and_foreign_invitation_tokens(app, client, make, db):
    org = make.org("acme")
    user = make.user("learner", org=org)
    expired, _ = account_links.issue("invite", "late@example.com", lifetime=timedelta(days=7),
                                     now=utcnow() - timedelta(days=8), role="learner",
                                     organization_id=org.id)
    reset, _ = account_links.issue("reset", user.email, lifetime=timedelta(hours=1),
                                   now=utcnow(), user_id=user.id)
    db.session.commit()
    assert client.get(f"/invite/{expired}").status_code == 410
    assert accept(client, f"/invite/{expired}").status_code == 410
    assert client.get(f"/invite/{reset}").status_code == 404
    assert client.get("/invite/forged-token-forged-token-forged-token-x").status_code == 404
    assert db.session.scalar(select(User).where(User.email == "late@example.com")) is None


def test_lms_invite_prints_the_url_alone_and_mails_it(app, db, make, mail):
    make.org("acme")
    result = app.test_cli_runner().invoke(main, ["invite", "--email", "cli@acme.example.com",
                                                 "--role", "learner", "--org", "acme"])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert "\n" not in url and "/invite/" in url
    assert mail.link("cli@acme.example.com", INVITE_LINK) == url
    bad = app.test_cli_runner().invoke(main, ["invite", "x@example.com", "--role", "learner"])
    assert bad.exit_code != 0


def test_the_documented_fields_alone_are_enough_and_a_wrong_confirmation_is_refused(
        app, db, make, mail):
    make.org("acme")
    runner = app.test_cli_runner()
    url = runner.invoke(main, ["invite", "--email", "fields@acme.example.com", "--role",
                               "learner", "--org", "acme"]).stdout.strip()
    link = path_of(url)
    client = app.test_client()
    mismatch = client.post(link, data={"name": "A", "password": PASSWORD, "confirm": "other",
                                       "csrf_token": csrf_token(client, link)})
    assert mismatch.status_code == 400
    response = client.post(link, data={"name": "Only Fields", "password": PASSWORD,
                                       "csrf_token": csrf_token(client, link)})
    assert response.status_code == 302
    assert db.session.scalar(select(User.name).where(User.email == "fields@acme.example.com")) \
        == "Only Fields"


def test_channel_managers_invite_partner_staff_in_any_company_but_no_staff_roles(
        app, client, signed_in, make, mail):
    make.org("north"), make.org("south")
    signed_in("manager")  # no company: a channel manager
    for org in ("north", "south"):
        response = post_form(client, "/invitations", {"email": f"m@{org}.example.com",
                                                      "role": "manager", "org": org},
                             page="/invitations")
        assert response.status_code == 302
    for role in ("admin", "trainer"):
        response = post_form(client, "/invitations", {"email": f"{role}@x.example.com",
                                                      "role": role, "org": "north"},
                             page="/invitations")
        assert response.status_code in (400, 422)
    assert len(mail.to("m@south.example.com")) == 1


def test_trainers_may_not_invite(client, signed_in):
    signed_in("trainer")
    assert client.get("/invitations").status_code == 403


def test_lms_invite_takes_the_address_as_an_argument_and_company_for_org(app, db, make, mail):
    org = make.org("acme")
    result = app.test_cli_runner().invoke(main, ["invite", "arg@acme.example.com", "--company",
                                                 "acme", "--role", "manager"])
    assert result.exit_code == 0, result.output
    row = db.session.scalar(select(AccountToken).where(AccountToken.email == "arg@acme.example.com"))
    assert (row.role, row.organization_id) == ("manager", org.id)
