"""Open Badges hosting, baking, the verify page and revocation (public, no sign-in)."""

from __future__ import annotations

import hashlib
import json

from lms.services import certifications as certs
from lms.services.badges import bake_png, unbake_png


def awarded(make, facts, award, email="holder@example.com"):
    user = make.user("learner", org=make.org(), email=email)
    facts.bronze_ready(user)
    return user, award(user).awarded[0]


def test_issuer_and_badge_class_are_absolute_json_ld(client):
    issuer = client.get("/badges/issuer.json")
    assert issuer.status_code == 200 and issuer.headers["Access-Control-Allow-Origin"] == "*"
    data = issuer.get_json()
    assert data["type"] == "Issuer" and data["id"] == "http://academy.test/badges/issuer.json"
    badge = client.get("/badges/classes/silver.json").get_json()
    assert badge["type"] == "BadgeClass" and badge["name"] == "Silver Certification"
    assert badge["issuer"] == data["id"] and badge["image"].startswith("http://academy.test/")
    assert "at least 80%" in badge["criteria"]["narrative"]
    assert client.get("/badges/classes/platinum.json").status_code == 404


def test_badge_images_per_level(client):
    svg = client.get("/badges/images/gold.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data and b"GOLD" in svg.data and b"<script" not in svg.data
    png = client.get("/badges/images/bronze.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    assert client.get("/badges/images/bronze.gif").status_code == 404
    assert client.get("/badges/images/nope.png").status_code == 404


def test_assertion_has_a_salted_hashed_recipient_and_hosted_verification(client, make, facts, award):
    user, cert = awarded(make, facts, award)
    data = client.get(f"/badges/assertions/{cert.id}.json").get_json()
    recipient = data["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True
    assert len(recipient["salt"]) >= 16 and user.email not in json.dumps(data)
    expected = hashlib.sha256((user.email + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == "sha256$" + expected
    assert data["verification"] == {"type": "hosted"}
    assert data["id"] == f"http://academy.test/badges/assertions/{cert.id}.json"
    assert data["badge"] == "http://academy.test/badges/classes/bronze.json"
    assert data["issuedOn"].endswith("Z") and data["expires"] > data["issuedOn"]


def test_base_url_sets_every_absolute_url(app, client, make, facts, award):
    _, cert = awarded(make, facts, award)
    app.config["BASE_URL"] = "https://academy.example.com"
    try:
        data = client.get(f"/badges/assertions/{cert.id}.json").get_json()
    finally:
        app.config["BASE_URL"] = ""
    assert data["id"].startswith("https://academy.example.com/badges/assertions/")
    assert data["badge"].startswith("https://academy.example.com/")


def test_unknown_and_malformed_ids_are_404(client):
    assert client.get("/badges/assertions/" + "0" * 32 + ".json").status_code == 404
    assert client.get("/badges/assertions/../../etc.json").status_code == 404
    assert client.get("/verify/not-an-id").status_code == 404


def test_baked_png_carries_the_assertion_url(client, make, facts, award):
    _, cert = awarded(make, facts, award)
    response = client.get(f"/badges/assertions/{cert.id}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert unbake_png(response.data) == f"http://academy.test/badges/assertions/{cert.id}.json"
    # Baking twice replaces the badge instead of adding a second one.
    again = bake_png(response.data, "https://other.example/a.json")
    assert unbake_png(again) == "https://other.example/a.json"
    assert again.count(b"openbadges\x00") == 1


def test_verify_page_says_who_what_when(client, make, facts, award):
    user, cert = awarded(make, facts, award)
    html = client.get(f"/verify/{cert.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Valid certification" in html and user.name in html and "Bronze Certification" in html
    assert user.email not in html
    qr = client.get(f"/verify/{cert.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


def test_revoked_assertion_is_gone_and_the_verify_page_says_revoked(client, make, facts, award):
    _, cert = awarded(make, facts, award)
    certs.revoke(cert.id, "Misconduct", actor_id=None)
    response = client.get(f"/badges/assertions/{cert.id}.json")
    assert response.status_code == 410 and response.get_json()["revoked"] is True
    assert client.get(f"/badges/assertions/{cert.id}.png").status_code == 410
    html = client.get(f"/verify/{cert.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Revoked certification" in html
    ja = client.get(f"/verify/{cert.id}").get_data(as_text=True)
    assert "取り消された認定" in ja


def test_cli_revoke(app, make, facts, award):
    from lms.cli import main

    _, cert = awarded(make, facts, award)
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["revoke", cert.id, "--reason", "Duplicate account"])
    assert result.exit_code == 0, result.output
    assert certs.status(certs.certifications_of(cert.user_id)[0]) == "revoked"
    again = runner.invoke(main, ["revoke", cert.id, "--reason", "x"])
    assert again.exit_code != 0 and "already_revoked" in again.output
    missing = runner.invoke(main, ["revoke", "f" * 32, "--reason", "x"])
    assert missing.exit_code != 0


def test_cli_revoke_without_a_reason_says_so_in_words(app, make, facts, award):
    from lms.cli import main

    _, cert = awarded(make, facts, award)
    result = app.test_cli_runner().invoke(main, ["revoke", cert.id, "--reason", " "])
    assert result.exit_code == 1 and "Give a reason." in result.output, result.output
