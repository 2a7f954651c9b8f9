"""JSON API v1: bearer tokens, the caller, the catalog, lesson completion, errors, OpenAPI."""

from __future__ import annotations

import re

import pytest
from flask import abort
from openapi_spec_validator import validate
from sqlalchemy import select

from lms.models import LessonProgress
from tests.conftest import login, post_form
from tests.web.helpers import app_on

COMPLETE = "/api/v1/courses/{course}/lessons/{lesson}/complete"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def learner(make):
    return make.user("learner", org=make.org("tokyo-si", name="東京SI"))


@pytest.fixture()
def token(make, learner):
    return make.token(learner)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


# -- authentication ----------------------------------------------------------------


def test_me_describes_the_caller(client, learner, token):
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": learner.id, "email": learner.email, "name": learner.name, "role": "learner",
        "organization": {"slug": "tokyo-si", "name": "東京SI"},
        "points": 0, "next_steps": [],   # this test content has no program.yml
    }


def test_vendor_staff_have_no_organization(client, make):
    trainer = make.user("trainer")
    body = client.get("/api/v1/me", headers=bearer(make.token(trainer))).get_json()
    assert body["role"] == "trainer" and body["organization"] is None


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer pa_not-a-real-token"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer " + "x" * 5000},
], ids=["none", "empty", "unknown", "basic", "huge"])
def test_missing_or_bad_token_is_401_json(client, token, headers):
    for path in ("/api/v1/me", "/api/v1/courses"):
        response = client.get(path, headers=headers)
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.post(COMPLETE.format(course="getting-started", lesson="welcome"),
                           headers=headers)
    assert_error(response, 401)


def test_token_of_a_deactivated_user_stops_working(client, db, learner, token):
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    learner.active = False
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_the_api_does_not_accept_session_cookies(client, signed_in):
    signed_in("admin")
    assert client.get("/").status_code == 200  # the browser session works for pages
    assert_error(client.get("/api/v1/me"), 401)
    assert_error(client.get("/api/v1/courses"), 401)
    response = client.post(COMPLETE.format(course="getting-started", lesson="welcome"))
    assert_error(response, 401)


def test_tokens_are_stored_hashed(db, learner, token):
    from lms.models import ApiToken

    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert stored and token not in stored and all(len(h) == 64 for h in stored)


# -- the catalog ------------------------------------------------------------------


def test_courses_have_the_documented_shape_with_absolute_urls(client, token):
    response = client.get("/api/v1/courses", headers=bearer(token))
    assert response.status_code == 200
    courses = response.get_json()
    assert [c["slug"] for c in courses] == ["getting-started", "advanced"]  # no draft
    first = courses[0]
    assert set(first) == {"slug", "title", "level", "track", "url", "complete", "lessons"}
    assert first == {
        "slug": "getting-started", "title": "はじめてのKoemoji", "level": "bronze",
        "track": "core", "url": "http://academy.test/courses/getting-started", "complete": False,
        "lessons": [
            {"slug": "welcome", "title": "ようこそ", "done": False,
             "url": "http://academy.test/courses/getting-started/lessons/welcome"},
            {"slug": "pricing", "title": "料金とマージン", "done": False,
             "url": "http://academy.test/courses/getting-started/lessons/pricing"},
        ],
    }
    assert courses[1]["level"] == "silver" and courses[1]["track"] == "technical"


def test_trainers_see_drafts_through_the_api(client, make):
    trainer = make.user("trainer")
    slugs = [c["slug"] for c in client.get("/api/v1/courses",
                                           headers=bearer(make.token(trainer))).get_json()]
    assert "draft-course" in slugs


# -- lesson completion ------------------------------------------------------------


def test_complete_is_idempotent_and_shows_in_the_catalog(client, db, learner, token):
    url = COMPLETE.format(course="getting-started", lesson="welcome")
    first = client.post(url, headers=bearer(token))
    assert first.status_code == 200
    assert first.get_json() == {"course": "getting-started", "lesson": "welcome", "done": True,
                                "course_complete": False, "newly_done": True}
    again = client.post(url, headers=bearer(token))
    assert again.status_code == 200
    assert again.get_json()["done"] is True and again.get_json()["newly_done"] is False
    rows = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == learner.id))
    assert len(rows.all()) == 1
    last = client.post(COMPLETE.format(course="getting-started", lesson="pricing"),
                       headers=bearer(token))
    assert last.get_json()["course_complete"] is True
    course = client.get("/api/v1/courses", headers=bearer(token)).get_json()[0]
    assert course["complete"] is True and all(lesson["done"] for lesson in course["lessons"])


@pytest.mark.parametrize("course,lesson", [
    ("nope", "welcome"), ("getting-started", "nope"), ("draft-course", "secret"),
    ("getting-started", "01-welcome"),
])
def test_complete_unknown_or_draft_lesson_is_404(client, db, token, course, lesson):
    response = client.post(COMPLETE.format(course=course, lesson=lesson), headers=bearer(token))
    assert_error(response, 404, "not_found")
    assert db.session.scalars(select(LessonProgress)).all() == []


def test_complete_before_prerequisites_is_409(client, db, token):
    response = client.post(COMPLETE.format(course="advanced", lesson="deep"), headers=bearer(token))
    assert_error(response, 409, "prerequisites_unmet")
    assert db.session.scalars(select(LessonProgress)).all() == []
    for lesson in ("welcome", "pricing"):
        client.post(COMPLETE.format(course="getting-started", lesson=lesson), headers=bearer(token))
    response = client.post(COMPLETE.format(course="advanced", lesson="deep"), headers=bearer(token))
    assert response.status_code == 200


# -- JSON errors everywhere under /api/ --------------------------------------------


def test_unknown_api_path_is_a_json_404(client, token):
    assert_error(client.get("/api/v1/nope", headers=bearer(token)), 404)
    assert_error(client.get("/api/v1/nope"), 404)


def test_wrong_method_is_a_json_405(client, token):
    response = client.get(COMPLETE.format(course="getting-started", lesson="welcome"),
                          headers=bearer(token))
    assert_error(response, 405)
    assert_error(client.delete("/api/v1/me", headers=bearer(token)), 405)


def test_bad_request_is_a_json_400(app, db):
    # No v1 endpoint reads a body yet, so the app-wide handler is checked on a route of
    # a separate app; json_body() is checked in a request of the real app.
    from lms.api import json_body
    from lms.services.errors import ServiceError

    with app_on(app) as other:
        other.add_url_rule("/api/v1/test-bad-request", "bad", lambda: abort(400))
        assert_error(other.test_client().get("/api/v1/test-bad-request"), 400, "bad_request")
    with app.test_request_context("/api/v1/me", method="POST", data="[1, 2]",
                                  content_type="application/json"):
        with pytest.raises(ServiceError) as caught:
            json_body()
    assert caught.value.status == 400 and caught.value.code == "invalid_body"


def test_pages_outside_the_api_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


# -- the OpenAPI document ----------------------------------------------------------


def test_openapi_document_is_valid_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    validate(document)


def _rule_template(rule: str) -> str:
    """/courses/<course_slug>/x -> /courses/{}/x (parameter names may differ)."""
    return re.sub(r"<(?:[^>:]+:)?[^>]+>", "{}", rule)


def _doc_template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_openapi_document_covers_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    prefix = document["servers"][0]["url"].rstrip("/")
    documented = {(_doc_template(prefix + path), method.upper())
                  for path, item in document["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    routed = {(_rule_template(rule.rule), method)
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              and rule.endpoint != "api.openapi"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert sorted(routed - documented) == [], "API routes missing from openapi.json"
    assert sorted(documented - routed) == [], "openapi.json documents routes that do not exist"


def test_openapi_path_parameters_match_the_routes(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        placeholders = set(re.findall(r"\{([^}]+)\}", path))
        for method, op in item.items():
            declared = {p["name"] for p in op.get("parameters", []) + item.get("parameters", [])
                        if p.get("in") == "path"}
            assert declared == placeholders, (path, method)


def test_api_through_a_session_and_a_token_agree(client, make, learner, token):
    # The page and the API read the same progress: done in one shows in the other.
    login(client, learner)
    post_form(client, "/courses/getting-started/lessons/welcome/done",
              page="/courses/getting-started/lessons/welcome")
    course = client.get("/api/v1/courses", headers=bearer(token)).get_json()[0]
    assert [lesson["done"] for lesson in course["lessons"]] == [True, False]


def test_wrong_tokens_are_throttled_per_address(app, client, make):
    user = make.user("learner", org=make.org("throttle-co"))
    good = make.token(user)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        bad = client.get("/api/v1/me", headers={"Authorization": f"Bearer pa_guess{i}"})
        assert bad.status_code == 401
    refused = client.get("/api/v1/me", headers={"Authorization": "Bearer pa_one-more-guess"})
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "too_many_requests"
    # The holder of a real token is not locked out by someone else's guessing.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200


# -- a token's last use ------------------------------------------------------------------

def commits_during(app, call) -> tuple[int, object]:
    """Write transactions committed (lms.database.begin_write, either database) while
    ``call`` runs, and its result."""
    from sqlalchemy import event

    from lms.database import _WRITE
    from lms.extensions import db as _db

    seen = []
    engine = _db.engine

    def listener(conn):
        if conn.get_execution_options().get(_WRITE):
            seen.append(1)

    event.listen(engine, "commit", listener)
    try:
        result = call()
    finally:
        event.remove(engine, "commit", listener)
    return len(seen), result


def last_used(db, learner):
    from lms.models import ApiToken

    db.session.expire_all()
    return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == learner.id))


def test_a_tokens_first_use_rides_in_the_requests_own_write(app, client, db, learner, token):
    assert last_used(db, learner) is None
    url = COMPLETE.format(course="getting-started", lesson="welcome")
    commits, response = commits_during(app, lambda: client.post(url, headers=bearer(token)))
    assert response.status_code == 200 and response.get_json()["newly_done"] is True
    # One transaction wrote both the lesson and the token's use: not one each.
    assert commits == 1
    assert last_used(db, learner) is not None


def test_a_read_only_request_still_notes_the_tokens_use(app, client, db, learner, token):
    commits, response = commits_during(app, lambda: client.get("/api/v1/me",
                                                                headers=bearer(token)))
    assert response.status_code == 200
    assert commits == 1 and last_used(db, learner) is not None
    # Within the hour the note is not written again.
    commits, _response = commits_during(app, lambda: client.get("/api/v1/me",
                                                                 headers=bearer(token)))
    assert commits == 0
