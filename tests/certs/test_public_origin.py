"""Absolute URLs in mail and public badge files come from configuration, never from Host.

A forged Host header must not reach an award e-mail, the assertion JSON, the baked PNG,
the QR code or the verify page (they are mailed, cached and copied elsewhere).
"""

from __future__ import annotations

import io
import json

import pytest
import qrcode
from qrcode.image.svg import SvgPathImage

from lms.security.urls import PublicOriginMissing, absolute_url, public_origin
from lms.services.badges import unbake_png

ORIGIN = "https://academy.example.com"
FORGED = {"Host": "evil.example"}


@pytest.fixture()
def configured(app):
    app.config["BASE_URL"] = ORIGIN
    yield ORIGIN
    app.config["BASE_URL"] = ""


def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    qrcode.make(url, image_factory=SvgPathImage, box_size=10, border=2).save(out)
    return out.getvalue()


def awarded_in_a_forged_request(app, make, facts, award, caplog):
    user = make.user("learner", org=make.org(), email="holder@example.com")
    facts.bronze_ready(user)
    caplog.set_level("INFO", logger=app.logger.name)
    # The award runs inside a request whose Host header the client chose.
    with app.test_request_context("/", headers=FORGED):
        cert = award(user).awarded[0]
    mails = [r.getMessage() for r in caplog.records if r.getMessage().startswith("mail to=")]
    return cert, "\n".join(mails)


def test_forged_host_reaches_no_mail_nor_badge_file(app, client, configured, make, facts, award,
                                                     caplog):
    cert, mail = awarded_in_a_forged_request(app, make, facts, award, caplog)
    assert f"{ORIGIN}/verify/{cert.id}" in mail and "evil.example" not in mail

    data = client.get(f"/badges/assertions/{cert.id}.json", headers=FORGED).get_json()
    assert data["id"] == f"{ORIGIN}/badges/assertions/{cert.id}.json"
    assert "evil.example" not in json.dumps(data)
    assert data["badge"].startswith(ORIGIN + "/") and data["image"].startswith(ORIGIN + "/")

    issuer = client.get("/badges/issuer.json", headers=FORGED).get_json()
    assert issuer["id"] == f"{ORIGIN}/badges/issuer.json" and issuer["url"].startswith(ORIGIN)
    badge_class = client.get("/badges/classes/bronze.json", headers=FORGED).get_json()
    assert badge_class["id"] == f"{ORIGIN}/badges/classes/bronze.json"
    assert "evil.example" not in json.dumps(badge_class)

    png = client.get(f"/badges/assertions/{cert.id}.png", headers=FORGED)
    assert unbake_png(png.data) == f"{ORIGIN}/badges/assertions/{cert.id}.json"

    page = client.get(f"/verify/{cert.id}", headers=FORGED).get_data(as_text=True)
    assert f"{ORIGIN}/badges/assertions/{cert.id}.json" in page and "evil.example" not in page

    qr = client.get(f"/verify/{cert.id}/qr.svg", headers=FORGED)
    assert qr.data == qr_svg(f"{ORIGIN}/verify/{cert.id}")


def test_without_lms_base_url_the_configured_server_name_is_used_not_the_host(
        app, client, make, facts, award, caplog):
    # The test app names SERVER_NAME = academy.test (configuration, like LMS_BASE_URL).
    cert, mail = awarded_in_a_forged_request(app, make, facts, award, caplog)
    assert f"http://academy.test/verify/{cert.id}" in mail and "evil.example" not in mail
    data = client.get(f"/badges/assertions/{cert.id}.json", headers=FORGED).get_json()
    assert data["id"] == f"http://academy.test/badges/assertions/{cert.id}.json"
    qr = client.get(f"/verify/{cert.id}/qr.svg", headers=FORGED)
    assert qr.data == qr_svg(f"http://academy.test/verify/{cert.id}")


def test_api_links_ignore_a_forged_host(client, configured, make):
    from lms.services import accounts

    user = make.user("learner", org=make.org())
    token = accounts.create_token(user.email)
    headers = {**FORGED, "Authorization": f"Bearer {token}"}
    courses = client.get("/api/v1/courses", headers=headers)
    assert courses.status_code == 200
    urls = [c["url"] for c in courses.get_json()] + [
        lesson["url"] for c in courses.get_json() for lesson in c["lessons"]]
    assert urls and all(u.startswith(ORIGIN + "/") for u in urls)


def test_no_configured_origin_is_an_error_not_localhost(app):
    saved = app.config["SERVER_NAME"]
    app.config["SERVER_NAME"] = None
    try:
        with app.app_context():
            with pytest.raises(PublicOriginMissing, match="LMS_BASE_URL"):
                public_origin()
            with app.test_request_context("/", headers=FORGED):
                with pytest.raises(PublicOriginMissing):
                    absolute_url("badges.issuer")
    finally:
        app.config["SERVER_NAME"] = saved


def test_cli_mailing_commands_refuse_without_an_origin(app, make, facts, award):
    from lms.cli import main
    from lms.services import certifications as certs

    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    cert = award(user).awarded[0]
    saved = app.config["SERVER_NAME"]
    app.config["SERVER_NAME"] = None
    try:
        runner = app.test_cli_runner()
        for args in (["sweep"], ["revoke", cert.id, "--reason", "Duplicate account"]):
            result = runner.invoke(main, args)
            assert result.exit_code == 1, result.output
            assert "LMS_BASE_URL is not set" in result.output
    finally:
        app.config["SERVER_NAME"] = saved
    assert certs.status(certs.certifications_of(user.id)[0]) != "revoked"  # nothing was done


def test_serve_uses_the_listening_address():
    from lms.cli import listening_origin

    assert listening_origin("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert listening_origin("::1", 8000) == "http://[::1]:8000"
    assert not listening_origin("0.0.0.0", 8000).startswith("http://0.0.0.0")
