"""An answer is stored as given or refused with a reason: never acknowledged and dropped.

Browsers post line breaks as CRLF; the server counts an essay the way ``maxlength`` does
(in LF), so 9,995 characters with line breaks are stored, not silently dropped.
"""

from __future__ import annotations

import html

import pytest

from lms.models import Attempt
from tests.quiz.test_exam_pages import start, token_of

# 9,995 characters with ten line breaks; as CRLF the browser sends 10,004.
ESSAY = "\n".join(["x" * 998] * 10) + "y" * 6
TOO_LONG = "z" * 10_001


def _saved(db, attempt_id):
    db.session.expire_all()
    return db.session.get(Attempt, attempt_id).answers


@pytest.fixture()
def exam(client, signed_in, db):
    signed_in("learner")
    attempt_id = start(client, "timed-exam")
    page = client.get(f"/attempts/{attempt_id}").text
    form = {"csrf_token": token_of(page), "seq": "1", "action": "save",
            "q-t-essay": "first draft"}
    assert client.post(f"/attempts/{attempt_id}", data=form).status_code == 302
    return attempt_id


def test_no_js_essay_with_crlf_line_breaks_within_maxlength_is_stored(client, db, exam):
    assert len(ESSAY) == 9_995 and len(ESSAY.replace("\n", "\r\n")) > 10_000
    page = client.get(f"/attempts/{exam}").text
    response = client.post(f"/attempts/{exam}", data={
        "csrf_token": token_of(page), "seq": "2", "action": "save",
        "q-t-essay": ESSAY.replace("\n", "\r\n")})
    assert response.status_code == 302
    assert _saved(db, exam)["t-essay"] == ESSAY
    assert "回答を保存しました" in client.get(f"/attempts/{exam}").text


def test_no_js_oversized_essay_is_refused_and_the_text_kept(client, db, exam):
    page = client.get(f"/attempts/{exam}").text
    response = client.post(f"/attempts/{exam}", data={
        "csrf_token": token_of(page), "seq": "2", "action": "save", "q-t-essay": TOO_LONG})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "回答を保存しました" not in text
    assert "回答は保存されていません" in text
    assert 'id="q-t-essay-error"' in text and "10,000" in text
    assert TOO_LONG in html.unescape(text)  # the learner's own text comes back
    assert _saved(db, exam)["t-essay"] == "first draft"
    # The page still works: the next save with the same sequence number goes through.
    again = client.post(f"/attempts/{exam}", data={
        "csrf_token": token_of(text), "seq": "2", "action": "save", "q-t-essay": "shorter"})
    assert again.status_code == 302 and _saved(db, exam)["t-essay"] == "shorter"


def test_page_autosave_refuses_an_oversized_essay_with_422(client, db, exam):
    token = token_of(client.get(f"/attempts/{exam}").text)
    response = client.post(f"/attempts/{exam}/autosave", headers={"X-CSRFToken": token},
                           json={"answers": {"t-essay": TOO_LONG}, "seq": 2})
    assert response.status_code == 422
    assert response.json["error"]["errors"]["t-essay"]["code"] == "answer_too_long"
    assert _saved(db, exam)["t-essay"] == "first draft"
    stored = client.post(f"/attempts/{exam}/autosave", headers={"X-CSRFToken": token},
                         json={"answers": {"t-essay": ESSAY.replace("\n", "\r\n")}, "seq": 2})
    assert stored.status_code == 200 and _saved(db, exam)["t-essay"] == ESSAY


@pytest.fixture()
def api_attempt(client, make):
    user = make.user("learner", org=make.org("answers-co"))
    headers = {"Authorization": f"Bearer {make.token(user)}"}
    attempt = client.post("/api/v1/quizzes/timed-exam/attempts", headers=headers).json
    return client, headers, attempt["id"]


def test_api_stores_crlf_essay_and_refuses_oversized_with_422(api_attempt, db):
    client, headers, attempt_id = api_attempt
    path = f"/api/v1/attempts/{attempt_id}/answers"
    ok = client.put(path, headers=headers,
                    json={"answers": {"t-essay": ESSAY.replace("\n", "\r\n")}, "seq": 1})
    assert ok.status_code == 200 and ok.json["answers"]["t-essay"] == ESSAY
    refused = client.put(path, headers=headers, json={"answers": {"t-essay": TOO_LONG}, "seq": 2})
    assert refused.status_code == 422
    error = refused.json["error"]
    assert error["code"] == "invalid_answers"
    assert error["errors"] == {"t-essay": {"code": "answer_too_long",
                                           "message": "An answer can be at most 10,000 characters."}}
    assert _saved(db, attempt_id)["t-essay"] == ESSAY


@pytest.mark.parametrize("value, code", [
    (["not", "a", "string"], "invalid_answer"),
    ({"a": 1}, "invalid_answer"),
    (True, "invalid_answer"),
])
def test_api_refuses_values_of_the_wrong_shape(api_attempt, db, value, code):
    client, headers, attempt_id = api_attempt
    response = client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=headers,
                          json={"answers": {"t-essay": value}, "seq": 1})
    assert response.status_code == 422
    assert response.json["error"]["errors"]["t-essay"]["code"] == code
    assert _saved(db, attempt_id) == {}
