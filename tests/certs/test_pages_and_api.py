"""Certification pages and API: what each role sees and may do, two companies × roles."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.extensions import db as _db
from lms.models import AuditEvent, Certification, PersonEvidence, Signoff
from tests.conftest import csrf_token, login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture()
def world(make):
    """Two companies, each with a learner and a partner manager, plus vendor staff."""
    a, b = make.org("alpha"), make.org("beta")
    return {
        "learner_a": make.user("learner", org=a), "learner_b": make.user("learner", org=b),
        "pm_a": make.user("manager", org=a), "pm_b": make.user("manager", org=b),
        "channel": make.user("manager"), "trainer": make.user("trainer"),
        "admin": make.user("admin"),
    }


def api(client, make, user, method, path, json=None):
    token = make.token(user)
    return client.open(path, method=method, json=json,
                       headers={"Authorization": f"Bearer {token}"})


# -- the API ---------------------------------------------------------------------------


def test_certifications_api_is_scoped(client, make, world, facts, award):
    facts.bronze_ready(world["learner_a"])
    cert = award(world["learner_a"]).awarded[0]
    path = f"/api/v1/users/{world['learner_a'].id}/certifications"
    allowed = ("learner_a", "pm_a", "channel", "trainer", "admin")
    for role, user in world.items():
        response = api(client, make, user, "GET", path)
        if role in allowed:
            assert response.status_code == 200, role
            [item] = response.get_json()
            assert item["level"] == "bronze" and item["status"] == "active" and item["id"] == cert.id
            assert item["verify_url"] == f"http://academy.test/verify/{cert.id}"
            assert item["assertion_url"].endswith(f"/badges/assertions/{cert.id}.json")
            assert item["awarded_at"].endswith("Z") and item["expires_at"].endswith("Z")
        else:
            assert response.status_code == 404, role
    assert api(client, make, world["admin"], "GET", "/api/v1/users/999999/certifications"
               ).status_code == 404


def test_evidence_api_only_channel_managers_and_admins(client, make, world):
    target = world["learner_a"]
    path = f"/api/v1/users/{target.id}/evidence"
    body = {"deals_closed": 4, "csat": 4.2}
    expected = {"learner_a": 403, "learner_b": 404, "pm_a": 403, "pm_b": 404, "trainer": 403,
                "channel": 200, "admin": 200}
    for role, status in expected.items():
        response = api(client, make, world[role], "PUT", path, body)
        assert response.status_code == status, (role, response.get_json())
    row = _db.session.get(PersonEvidence, target.id)
    assert (row.deals_closed, row.csat) == (4, 4.2)


@pytest.mark.parametrize("body", [{"deals_closed": -1}, {"deals_closed": 2.5}, {"csat": "high"},
                                  {"csat": 1e9}, {"role": "admin"}, {}, {"deals_closed": True},
                                  # CSAT is a 1–5 average: a 0–100 score is refused, not passed
                                  {"csat": 0}, {"csat": 0.99}, {"csat": 5.01}, {"csat": 80}])
def test_evidence_api_refuses_bad_input(client, make, world, body):
    response = api(client, make, world["channel"], "PUT",
                   f"/api/v1/users/{world['learner_a'].id}/evidence", body)
    assert response.status_code == 422 and response.get_json()["error"]["code"]
    assert _db.session.get(PersonEvidence, world["learner_a"].id) is None


@pytest.mark.parametrize("body, field", [({"csat": "high"}, "csat"), ({"deals_closed": -1}, "deals_closed"),
                                         ({}, "deals_closed")])
def test_api_errors_say_in_words_what_is_wrong(client, make, world, body, field):
    # {"error": {"code", "message"}}: the message is a sentence, never a service code.
    response = api(client, make, world["channel"], "PUT",
                   f"/api/v1/users/{world['learner_a'].id}/evidence", body)
    error = response.get_json()["error"]
    assert error["field"] == field
    assert " " in error["message"] and "_" not in error["message"], error


def test_evidence_then_exam_awards_silver_through_the_api(client, make, world, facts, award):
    learner = world["learner_a"]
    facts.bronze_ready(learner)
    award(learner)
    facts.exam(learner, "silver-exam", 81)
    response = api(client, make, world["channel"], "PUT",
                   f"/api/v1/users/{learner.id}/evidence", {"deals_closed": 3, "csat": 4.0})
    assert response.get_json()["awarded"] == ["silver"]


def test_signoff_api_roles_and_requirements(client, make, world, facts):
    learner = world["learner_a"]
    path = f"/api/v1/users/{learner.id}/signoffs"
    practical = {"certification": "bronze", "requirement": "practical", "note": "Demo ok"}
    assert api(client, make, learner, "POST", path, practical).status_code == 403
    assert api(client, make, world["pm_b"], "POST", path, practical).status_code == 404
    assert api(client, make, world["pm_a"], "POST", path,
               {"certification": "gold", "requirement": "paper"}).status_code == 403
    assert api(client, make, world["channel"], "POST", path, practical).status_code == 403
    first = api(client, make, world["trainer"], "POST", path, practical)
    assert first.status_code == 201 and first.get_json()["requirement"] == "practical"
    again = api(client, make, world["admin"], "POST", path, practical)
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert api(client, make, world["channel"], "POST", path,
               {"certification": "gold", "requirement": "interview"}).status_code == 201
    for bad in ({"certification": "gold", "requirement": "practical"},
                {"certification": "platinum", "requirement": "paper"},
                {"certification": "bronze"}, {"certification": 1, "requirement": "x"}):
        assert api(client, make, world["trainer"], "POST", path, bad).status_code == 422, bad
    assert api(client, make, world["trainer"], "POST",
               f"/api/v1/users/{world['trainer'].id}/signoffs", practical).status_code == 403
    actions = [e.action for e in AuditEvent.query.all()]
    assert actions.count("signoff.given") == 2


def test_openapi_lists_the_certification_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/users/{user_id}/certifications"]
    assert "put" in paths["/users/{user_id}/evidence"]
    assert "post" in paths["/users/{user_id}/signoffs"]


# -- pages -----------------------------------------------------------------------------


def test_my_certifications_page_in_japanese_by_default(client, make, world, facts, award):
    learner = world["learner_a"]
    facts.lessons(learner)
    facts.exam(learner, "bronze-exam", 72, passed=False)
    login(client, learner)
    html = client.get("/certifications").get_data(as_text=True)
    assert "マイ認定" in html and "certs.css" in html
    assert "Bronze exam で 80% 以上が必要です（現在 72%）" in html
    assert "実技評価の合格（トレーナーの承認）が必要です" in html
    assert "コース「Basics」を修了しました" in html
    assert "style=" not in html and "<script>" not in html


def test_a_pass_from_before_a_revocation_is_not_shown_as_the_score_to_beat(
        client, make, world, facts, award):
    from lms.services.certifications import revoke

    learner = world["learner_a"]
    facts.bronze_ready(learner)
    cert = award(learner).awarded[0]
    revoke(cert.id, "test", actor_id=None)
    login(client, learner)
    html = client.get("/certifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "(best so far: 85%)" not in html
    assert "Score at least 80% on Bronze exam (not passed yet)" in html


def test_my_page_shows_held_certificates_and_the_certificate_page(client, make, world, facts, award):
    learner = world["learner_a"]
    facts.bronze_ready(learner)
    cert = award(learner).awarded[0]
    login(client, learner)
    html = client.get("/certifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"/certificates/{cert.id}" in html
    page = client.get(f"/certificates/{cert.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/verify/{cert.id}/qr.svg" in text
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in text
    assert f"certId={cert.id}" in text and "issueYear=" in text and "expirationYear=" in text


def test_person_and_certificate_pages_are_scoped(client, make, world, facts, award):
    facts.bronze_ready(world["learner_a"])
    cert = award(world["learner_a"]).awarded[0]
    target = world["learner_a"].id
    allowed = {"pm_a", "channel", "trainer", "admin"}
    for role, user in world.items():
        if role == "learner_a":
            continue
        login(client, user)
        person = client.get(f"/users/{target}/certifications")
        certificate = client.get(f"/certificates/{cert.id}")
        want = 200 if role in allowed else 404
        assert (person.status_code, certificate.status_code) == (want, want), role
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_trainer_signs_off_on_the_page_and_the_level_is_awarded(client, make, world, facts):
    learner = world["learner_a"]
    facts.lessons(learner)
    facts.exam(learner, "bronze-exam", 90)
    login(client, world["trainer"])
    page = f"/users/{learner.id}/certifications"
    response = client.post(f"/users/{learner.id}/signoffs", data={
        "certification": "bronze", "requirement": "practical", "note": "good",
        "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert Signoff.query.filter_by(user_id=learner.id).count() == 1
    assert Certification.query.filter_by(user_id=learner.id, level="bronze").count() == 1
    # No CSRF token, no sign-off.
    assert client.post(f"/users/{learner.id}/signoffs", data={
        "certification": "gold", "requirement": "paper"}).status_code == 400


def test_partner_manager_cannot_record_evidence_for_own_staff_on_the_page(client, world):
    login(client, world["pm_a"])
    page = f"/users/{world['learner_a'].id}/certifications"
    html = client.get(page).get_data(as_text=True)
    assert 'name="deals_closed"' not in html
    response = client.post(f"/users/{world['learner_a'].id}/evidence", data={
        "deals_closed": "9", "csrf_token": csrf_token(client, page)})
    assert response.status_code == 403
    assert _db.session.get(PersonEvidence, world["learner_a"].id) is None


def test_channel_manager_records_evidence_on_the_page(client, world):
    login(client, world["channel"])
    page = f"/users/{world['learner_b'].id}/certifications"
    response = client.post(f"/users/{world['learner_b'].id}/evidence", data={
        "deals_closed": "5", "csat": "4.5", "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    row = _db.session.get(PersonEvidence, world["learner_b"].id)
    assert (row.deals_closed, row.csat) == (5, 4.5)


def test_people_list_is_scoped(client, world):
    login(client, world["pm_a"])
    html = client.get("/certifications/people").get_data(as_text=True)
    assert world["learner_a"].email in html and world["learner_b"].email not in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world["learner_a"])
    assert client.get("/certifications/people").status_code == 403


def test_revoke_page_is_for_admins_only(client, make, world, facts, award):
    facts.bronze_ready(world["learner_a"])
    cert = award(world["learner_a"]).awarded[0]
    login(client, world["channel"])
    assert client.get(f"/certificates/{cert.id}/revoke").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world["admin"])
    page = f"/certificates/{cert.id}/revoke"
    assert client.post(page, data={"reason": "", "csrf_token": csrf_token(client, page)}
                       ).status_code == 422
    response = client.post(page, data={"reason": "Fraud", "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    row = _db.session.get(Certification, cert.id)
    assert row.revoked_at is not None and row.revoke_reason == "Fraud"
    assert client.get(f"/badges/assertions/{cert.id}.json").status_code == 410


# -- uploads ---------------------------------------------------------------------------


def upload(client, data: bytes, name="paper.pdf", target="gold:paper"):
    token = csrf_token(client, "/certifications")
    return client.post("/certifications/uploads", data={
        "target": target, "file": (io.BytesIO(data), name), "csrf_token": token},
        content_type="multipart/form-data")


def test_upload_is_stored_in_the_database_and_served_as_attachment_to_allowed_people(
        app, client, world):
    from lms.models import Upload, UploadChunk

    login(client, world["learner_a"])
    assert upload(client, PDF, name='../../etc/"evil".pdf.exe').status_code == 303
    row = Upload.query.one()
    assert row.content_type == "application/pdf" and row.size == len(PDF)
    assert "/" not in row.filename and '"' not in row.filename and row.filename.endswith(".pdf")
    # In the database, where every server finds it; nothing on this server's disk.
    assert not list(Path(app.config["UPLOAD_DIR"]).iterdir())
    assert b"".join(_db.session.scalars(select(UploadChunk.data).where(
        UploadChunk.upload_id == row.id).order_by(UploadChunk.seq))) == PDF
    own = client.get(f"/uploads/{row.id}")
    assert own.status_code == 200 and own.data == PDF
    assert own.headers["Content-Disposition"].startswith("attachment")
    allowed = {"pm_a", "channel", "trainer", "admin"}
    for role, user in world.items():
        if role == "learner_a":
            continue
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        login(client, user)
        assert client.get(f"/uploads/{row.id}").status_code == (200 if role in allowed else 404), role


@pytest.mark.parametrize("data,name", [
    (b"<html><script>alert(1)</script>", "paper.pdf"),   # wrong content, right name
    (b"GIF89a....", "badge.gif"),
    (b"", "empty.pdf"),
])
def test_upload_refuses_types_by_content(client, world, data, name):
    from lms.models import Upload

    login(client, world["learner_a"])
    upload(client, data, name=name)
    assert Upload.query.count() == 0


def test_upload_size_limit_and_unknown_target(app, client, world):
    from lms.models import Upload

    login(client, world["learner_a"])
    too_big = PDF + b"0" * app.config["UPLOAD_MAX_BYTES"]
    upload(client, too_big)
    upload(client, PDF, target="gold:karaoke")
    assert Upload.query.count() == 0
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    upload(client, png, name="practical.png", target="bronze:practical")
    assert Upload.query.one().content_type == "image/png"


def test_no_get_route_of_ours_writes(client, make, world, facts, award):
    facts.bronze_ready(world["learner_a"])
    cert = award(world["learner_a"]).awarded[0]
    before = Certification.query.count(), AuditEvent.query.count()
    login(client, world["admin"])
    after_login = AuditEvent.query.count()
    for path in ("/certifications", f"/users/{world['learner_a'].id}/certifications",
                 f"/certificates/{cert.id}", f"/certificates/{cert.id}/revoke",
                 "/certifications/people", f"/verify/{cert.id}", "/badges/issuer.json"):
        assert client.get(path).status_code == 200, path
    assert Certification.query.count() == before[0]
    assert AuditEvent.query.count() == after_login
    assert db_query_certs(cert.id).revoked_at is None


def db_query_certs(cert_id):
    from lms.extensions import db

    return db.session.scalar(select(Certification).where(Certification.id == cert_id))


@pytest.mark.parametrize("value", [1, 4.0, 5])
def test_csat_on_the_1_to_5_scale_is_kept(client, make, world, value):
    response = api(client, make, world["channel"], "PUT",
                   f"/api/v1/users/{world['learner_a'].id}/evidence", {"csat": value})
    assert response.status_code == 200 and response.get_json()["csat"] == value


def test_the_evidence_form_states_the_csat_scale_and_refuses_others(client, world):
    login(client, world["channel"])
    person = f"/users/{world['learner_a'].id}/certifications"
    assert "顧客満足度（平均、1〜5）" in client.get(person).text
    response = client.post(f"/users/{world['learner_a'].id}/evidence", data={
        "deals_closed": "", "csat": "80", "csrf_token": csrf_token(client, person)},
        follow_redirects=True)
    assert "1〜5 の平均値で入力してください" in response.get_data(as_text=True)
    assert _db.session.get(PersonEvidence, world["learner_a"].id) is None


def test_a_revoked_certificate_looks_revoked_and_tells_its_holder_why(client, make, world, facts, award):
    from lms.services.certifications import revoke

    holder = world["learner_a"]
    facts.bronze_ready(holder)
    cert = award(holder).awarded[0]
    revoke(cert.id, "試験の不正受験が確認されたため", actor_id=world["admin"].id)
    verify = client.get(f"/verify/{cert.id}").text
    assert "verify--revoked" in verify and 'class="verify__badge"' in verify
    assert "試験の不正受験" not in verify          # the reason is the holder's, not the public's
    login(client, holder)
    mine = client.get("/certifications").text
    assert "取り消しの理由：試験の不正受験が確認されたため" in mine
    assert "まで有効" not in mine.split("取り消しの理由")[0].rsplit("<section", 1)[-1]
    page = client.get(f"/certificates/{cert.id}").text
    assert "certificate--void" in page and "取り消しの理由" in page
    assert "linkedin.com" not in page and "バッジをダウンロード" not in page


def test_share_buttons_are_for_the_holder_only(client, make, world, facts, award):
    holder = world["learner_a"]
    facts.bronze_ready(holder)
    cert = award(holder).awarded[0]
    login(client, holder)
    assert "linkedin.com" in client.get(f"/certificates/{cert.id}").text
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world["admin"])
    page = client.get(f"/certificates/{cert.id}")
    assert page.status_code == 200 and "linkedin.com" not in page.text
