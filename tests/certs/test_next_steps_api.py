"""The learner's path through the API and on the home page: GET /api/v1/me's next_steps and
points, continue where you left off, expiring certifications with the way to renew."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from openapi_spec_validator import validate
from sqlalchemy import event

from lms.extensions import db as _db
from lms.models import Certification
from tests.conftest import login


def me(client, make, user) -> dict:
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {make.token(user)}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_me_lists_next_steps_in_order_with_points(client, make, facts, award):
    learner = make.user("learner", org=make.org("alpha"))
    body = me(client, make, learner)
    assert body["points"] == 0
    assert body["next_steps"] == [
        {"kind": "course", "title": "Basics", "certification": "bronze",
         "url": "http://academy.test/courses/basics"},
        {"kind": "exam", "title": "Bronze exam", "certification": "bronze",
         "url": "http://academy.test/quizzes/bronze-exam"},
        {"kind": "practical", "title": body["next_steps"][2]["title"], "certification": "bronze",
         "url": "http://academy.test/certifications#level-bronze"},
    ]
    token = make.token(learner)
    done = client.post("/api/v1/courses/basics/lessons/intro/complete",
                       headers={"Authorization": f"Bearer {token}"})
    assert done.status_code == 200
    facts.exam(learner, "bronze-exam", 90)
    body = me(client, make, learner)
    assert body["points"] == 10
    assert [s["kind"] for s in body["next_steps"]] == ["practical"]
    facts.signoff(learner, "bronze", "practical")
    award(learner)
    body = me(client, make, learner)
    assert body["points"] == 210
    assert [(s["kind"], s["certification"]) for s in body["next_steps"]] == [
        ("exam", "silver"), ("evidence", "silver"), ("evidence", "silver")]


def test_me_answers_in_the_callers_language(client, make):
    learner = make.user("learner", locale="en")
    steps = me(client, make, learner)["next_steps"]
    assert steps[2]["title"] == "Practical assessment"
    learner_ja = make.user("learner", locale="ja")
    assert me(client, make, learner_ja)["next_steps"][2]["title"] == "実技評価"


def test_openapi_documents_next_steps_and_points(client, make):
    learner = make.user("learner")
    doc = client.get("/api/v1/openapi.json",
                     headers={"Authorization": f"Bearer {make.token(learner)}"}).get_json()
    validate(doc)
    schema = doc["components"]["schemas"]["Me"]
    assert {"points", "next_steps"} <= set(schema["required"])
    assert doc["components"]["schemas"]["NextStep"]["properties"]["kind"]["enum"] == [
        "course", "lesson", "exam", "practical", "evidence", "approval", "renew"]


def test_the_path_is_read_in_a_fixed_number_of_queries(app, make, facts, store):
    from lms.services.next_steps import path_of

    learner = make.user("learner")
    facts.lessons(learner)
    facts.exam(learner, "bronze-exam", 90)
    statements = []

    def count(*_args):
        statements.append(1)

    engine = _db.engine
    with app.test_request_context("/"):
        event.listen(engine, "before_cursor_execute", count)
        try:
            path = path_of(learner, store)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert [s.kind for s in path.steps] == ["practical"]
    assert len(statements) <= 7


def test_home_page_leads_on_and_shows_expiring_certifications(client, make, facts, award, db):
    learner = make.user("learner", locale="en")
    login(client, learner)
    page = client.get("/").get_data(as_text=True)
    assert "Next steps toward Bronze Certification" in page
    assert 'data-step="next" class="path__first"' in page and 'href="/courses/basics"' in page
    assert "Continue where you left off" not in page
    facts.bronze_ready(learner, at=datetime.now(timezone.utc) - timedelta(days=200))
    [cert] = award(learner).awarded
    db.session.get(Certification, cert.id).expires_at = (datetime.now(timezone.utc)
                                                        + timedelta(days=20))
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Certifications about to expire" in page
    assert 'href="/quizzes/bronze-exam">How to renew' in page
    assert "Next steps toward Silver Certification" in page



def test_home_page_step_links_carry_the_application_root(client, make):
    # Step links are built once and kept (next_steps._url): per application root, so a
    # site served under a path prefix links under it.
    login(client, make.user("learner", locale="en"))
    plain = client.get("/").get_data(as_text=True)
    assert 'data-step="next" class="path__first"' in plain and 'href="/courses/basics"' in plain
    prefixed = client.get("/", environ_overrides={"SCRIPT_NAME": "/academy"})
    assert 'href="/academy/courses/basics"' in prefixed.get_data(as_text=True)
    assert 'href="/courses/basics"' in client.get("/").get_data(as_text=True)
