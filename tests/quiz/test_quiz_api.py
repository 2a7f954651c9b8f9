"""The quiz and attempt API (docs/api.md): shapes, errors, no leaks."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from lms.models import Attempt

FORBIDDEN_KEYS = ("correct", "accepted", "explanation", "explanation_html", "partial")


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def api(client, make):
    user = make.user("learner", org=make.org("api-co"))
    headers = auth(make.token(user))

    def call(method, path, body=None):
        kwargs = {"headers": headers}
        if body is not None:
            kwargs["data"] = json.dumps(body) if not isinstance(body, str) else body
            kwargs["content_type"] = "application/json"
        return client.open(f"/api/v1{path}", method=method, **kwargs)

    call.user = user
    return call


def walk_keys(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from walk_keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk_keys(v)


def test_quiz_info(api):
    response = api("GET", "/quizzes/timed-exam")
    assert response.status_code == 200
    body = response.json
    assert body["title"] == "時間制限つき試験"
    assert body["time_limit"] == 600
    assert body["pass_mark"] == 60
    assert (body["attempts_used"], body["attempts_left"], body["next_attempt_at"]) == (0, 2, None)


def test_unknown_quiz_is_a_json_404(api):
    response = api("GET", "/quizzes/no-such-quiz")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_start_then_resume(api):
    first = api("POST", "/quizzes/timed-exam/attempts")
    assert first.status_code == 201
    body = first.json
    assert body["status"] == "in_progress"
    assert {"id", "status", "started_at", "deadline", "now", "questions"} <= set(body)
    assert len(body["questions"]) == 4
    for q in body["questions"]:
        assert q["type"] in {"single", "multiple", "text", "numeric", "essay"}
    again = api("POST", "/quizzes/timed-exam/attempts")
    assert again.status_code == 200
    assert again.json["id"] == body["id"]
    assert again.json["deadline"] == body["deadline"]


def test_no_key_or_explanation_before_submission(api):
    started = api("POST", "/quizzes/basics-quiz/attempts").json
    fetched = api("GET", f"/attempts/{started['id']}").json
    for payload in (started, fetched):
        keys = set(walk_keys(payload))
        assert not keys & set(FORBIDDEN_KEYS), keys & set(FORBIDDEN_KEYS)
        text = json.dumps(payload, ensure_ascii=False)
        assert "基本30% + 目標達成5%" not in text        # the explanation
        assert "Time To First Deal" not in text          # the text key


def test_autosave_submit_and_review(api):
    attempt = api("POST", "/quizzes/basics-quiz/attempts").json
    questions = {q["id"]: q for q in attempt["questions"]}
    margin_30 = next(c["id"] for c in questions["margin"]["choices"] if "30" in c["html"])
    levels = [c["id"] for c in questions["levels"]["choices"] if "Platinum" not in c["html"]]
    saved = api("PUT", f"/attempts/{attempt['id']}/answers",
                {"answers": {"margin": margin_30, "levels": levels}, "seq": 1})
    assert saved.status_code == 200
    saved = api("PUT", f"/attempts/{attempt['id']}/answers",
                {"answers": {"ttfd": "ｔｉｍｅ  to first deal", "max-margin": "４０"}, "seq": 2})
    assert saved.json["answers"]["ttfd"]
    stale = api("PUT", f"/attempts/{attempt['id']}/answers", {"answers": {"ttfd": "x"}, "seq": 2})
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "stale_seq"
    result = api("POST", f"/attempts/{attempt['id']}/submit")
    assert result.status_code == 200
    assert result.json["status"] == "graded"
    assert result.json["score_percent"] == 100.0
    assert result.json["passed"] is True
    again = api("POST", f"/attempts/{attempt['id']}/submit")
    assert again.json == result.json
    closed = api("PUT", f"/attempts/{attempt['id']}/answers", {"answers": {"ttfd": "x"}, "seq": 3})
    assert closed.status_code == 409
    review = api("GET", f"/attempts/{attempt['id']}").json
    assert review["passed"] is True
    explanation = next(item for item in review["review"] if item["id"] == "margin")
    assert "基本30%" in explanation["explanation_html"]


def test_review_after_pass_hides_answers_of_a_failed_attempt(api):
    attempt = api("POST", "/quizzes/timed-exam/attempts").json
    result = api("POST", f"/attempts/{attempt['id']}/submit").json
    assert result["passed"] in (False, None)
    body = api("GET", f"/attempts/{attempt['id']}").json
    assert "review" not in body
    assert not set(walk_keys(body)) & set(FORBIDDEN_KEYS)


@pytest.mark.parametrize("body, status", [
    ("not json", 400),
    ([1, 2], 400),
    ({"answers": [], "seq": 1}, 422),
    ({"answers": {}, "seq": "1"}, 422),
    ({"answers": {}}, 422),
])
def test_malformed_autosave_bodies_are_clear_errors(api, body, status):
    attempt = api("POST", "/quizzes/basics-quiz/attempts").json
    response = api("PUT", f"/attempts/{attempt['id']}/answers", body)
    assert response.status_code == status
    assert response.json["error"]["message"]


def test_garbage_answers_are_refused_with_a_reason_per_question(api):
    attempt = api("POST", "/quizzes/basics-quiz/attempts").json
    response = api("PUT", f"/attempts/{attempt['id']}/answers",
                   {"answers": {"margin": ["x"], "nope": "y", "ttfd": {"a": 1}, "max-margin": "40"},
                    "seq": 1})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid_answers" and error["field"] == "answers"
    assert {k: v["code"] for k, v in error["errors"].items()} == {
        "margin": "not_a_choice", "nope": "unknown_question", "ttfd": "invalid_answer"}
    assert all(v["message"] for v in error["errors"].values())
    # Nothing of the refused save was kept, not even the valid answer or its seq.
    body = api("GET", f"/attempts/{attempt['id']}").json
    assert body["answers"] == {} and body["seq"] == 0


def test_forged_attempt_id_is_404(api, make, client):
    other = make.user("learner", org=make.org("api-other"))
    token = make.token(other)
    theirs = client.post("/api/v1/quizzes/basics-quiz/attempts", headers=auth(token)).json
    for method, path in [("GET", f"/attempts/{theirs['id']}"),
                         ("PUT", f"/attempts/{theirs['id']}/answers"),
                         ("POST", f"/attempts/{theirs['id']}/submit"),
                         ("GET", "/attempts/ffffffffffffffffffffffffffffffff")]:
        response = api(method, path, {"answers": {}, "seq": 9} if method == "PUT" else None)
        assert response.status_code == 404, path


def test_a_late_save_after_deadline_is_refused(api, db):
    attempt = api("POST", "/quizzes/timed-exam/attempts").json
    row = db.session.get(Attempt, attempt["id"])
    # Move the attempt 11 minutes into the past: its 10-minute deadline has gone by.
    row.started_at -= timedelta(minutes=11)
    row.deadline -= timedelta(minutes=11)
    db.session.commit()
    response = api("PUT", f"/attempts/{attempt['id']}/answers", {"answers": {"t-bonus": "5"}, "seq": 1})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "attempt_closed"
    body = api("GET", f"/attempts/{attempt['id']}").json
    assert body["status"] in ("graded", "pending_review")
    assert body["answers"] == {}


def test_cooldown_refusal_says_when(api):
    attempt = api("POST", "/quizzes/timed-exam/attempts").json
    api("POST", f"/attempts/{attempt['id']}/submit")
    refused = api("POST", "/quizzes/timed-exam/attempts")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "cooldown"
    assert refused.json["error"]["next_attempt_at"].endswith("Z")
    info = api("GET", "/quizzes/timed-exam").json
    assert info["next_attempt_at"] and info["attempts_left"] == 1
