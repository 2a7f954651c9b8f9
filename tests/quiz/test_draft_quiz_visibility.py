"""A draft course's quiz is 404 for learners on every page and API route, and visible to
trainers and admins for preview (lms/content/visibility.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.models.types import utcnow
from lms.services import attempts as service
from tests.conftest import csrf_token, login
from tests.web.helpers import app_on, copy_fixture_content

GRACE = timedelta(seconds=5)


@pytest.fixture()
def draft_app(app, db, tmp_path):
    """The fixture content with its draft course ending in its own quiz, draft-exam."""
    root = copy_fixture_content(tmp_path / "content")
    course = root / "courses" / "draft-course" / "course.md"
    course.write_text(course.read_text(encoding="utf-8").replace(
        "draft: true\n", "draft: true\nquiz: draft-exam\n"), encoding="utf-8")
    quiz = (root / "quizzes" / "basics-quiz.md").read_text(encoding="utf-8")
    (root / "quizzes" / "draft-exam.md").write_text(
        quiz.replace("title: 基本クイズ", "title: 下書き試験"), encoding="utf-8")
    with app_on(app, CONTENT_DIR=str(root)) as other:
        assert other.extensions["lms.content"].quiz("draft-exam") is not None
        yield other


def _attempt_for(draft_app, user, *, submitted=False):
    """An attempt at the draft quiz, as one started before the course was made a draft."""
    quiz = draft_app.extensions["lms.content"].quiz("draft-exam")
    attempt, _created = service.start_attempt(user, quiz, utcnow(), GRACE)
    if submitted:
        service.submit(user, attempt.id, utcnow(), GRACE)
    return attempt.id


def _bearer(make, user):
    return {"Authorization": f"Bearer {make.token(user)}"}


def test_learner_gets_404_on_every_api_route(draft_app, make):
    learner = make.user("learner", org=make.org("draft-co"))
    headers = _bearer(make, learner)
    open_id = _attempt_for(draft_app, learner)
    client = draft_app.test_client()
    calls = [
        ("GET", "/api/v1/quizzes/draft-exam", None),
        ("POST", "/api/v1/quizzes/draft-exam/attempts", None),
        ("GET", f"/api/v1/attempts/{open_id}", None),
        ("PUT", f"/api/v1/attempts/{open_id}/answers", {"answers": {"ttfd": "x"}, "seq": 1}),
        ("POST", f"/api/v1/attempts/{open_id}/submit", None),
    ]
    for method, path, body in calls:
        response = client.open(path, method=method, headers=headers, json=body)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json["error"]["code"] == "not_found"
    # The attempt was neither answered nor submitted through the refused calls.
    row = service.owned_attempt(learner, open_id, utcnow(), GRACE)
    assert row.status == "in_progress" and row.answers == {}


def test_learner_never_sees_the_review_of_a_closed_attempt(draft_app, make):
    learner = make.user("learner", org=make.org("draft-co"))
    closed_id = _attempt_for(draft_app, learner, submitted=True)
    client = draft_app.test_client()
    response = client.get(f"/api/v1/attempts/{closed_id}", headers=_bearer(make, learner))
    assert response.status_code == 404
    assert "review" not in response.get_data(as_text=True)
    assert login(client, learner).status_code == 302
    assert client.get(f"/attempts/{closed_id}/result").status_code == 404


def test_learner_gets_404_on_every_page(draft_app, make):
    learner = make.user("learner", org=make.org("draft-co"))
    open_id = _attempt_for(draft_app, learner)
    client = draft_app.test_client()
    assert login(client, learner).status_code == 302
    token = csrf_token(client, "/settings")
    assert client.get("/quizzes/draft-exam").status_code == 404
    assert client.post("/quizzes/draft-exam/start", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/attempts/{open_id}").status_code == 404
    assert client.post(f"/attempts/{open_id}", data={"csrf_token": token, "seq": "1",
                                                     "q-ttfd": "x"}).status_code == 404
    autosave = client.post(f"/attempts/{open_id}/autosave", json={"answers": {"ttfd": "x"}, "seq": 1},
                           headers={"X-CSRFToken": token})
    assert autosave.status_code == 404 and autosave.json["error"]["code"] == "not_found"
    assert client.get(f"/attempts/{open_id}/confirm").status_code == 404
    assert client.post(f"/attempts/{open_id}/submit", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/attempts/{open_id}/result").status_code == 404
    row = service.owned_attempt(learner, open_id, utcnow(), GRACE)
    assert row.status == "in_progress" and row.answers == {}


def test_a_partner_manager_cannot_export_its_results(draft_app, make):
    manager = make.user("manager", org=make.org("draft-co"))
    client = draft_app.test_client()
    assert login(client, manager).status_code == 302
    assert client.get("/quizzes/draft-exam/results.csv").status_code == 404
    assert client.get("/quizzes/basics-quiz/results.csv").status_code == 200


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_staff_can_preview_and_try_it(draft_app, make, role):
    user = make.user(role)
    client = draft_app.test_client()
    started = client.post("/api/v1/quizzes/draft-exam/attempts", headers=_bearer(make, user))
    assert started.status_code == 201
    assert client.get(f"/api/v1/attempts/{started.json['id']}",
                      headers=_bearer(make, user)).status_code == 200
    assert login(client, user).status_code == 302
    assert client.get("/quizzes/draft-exam").status_code == 200
    assert client.get("/preview/quizzes/draft-exam").status_code == 200


def test_a_quiz_also_used_by_a_published_course_stays_visible(app, db, make, tmp_path):
    root = copy_fixture_content(tmp_path / "content")
    for slug, marker in (("draft-course", "draft: true\n"), ("getting-started", "order: 10\n")):
        course = root / "courses" / slug / "course.md"
        course.write_text(course.read_text(encoding="utf-8").replace(
            marker, marker + "quiz: basics-quiz\n"), encoding="utf-8")
    learner = make.user("learner", org=make.org("draft-co"))
    with app_on(app, CONTENT_DIR=str(root)) as other:
        response = other.test_client().post("/api/v1/quizzes/basics-quiz/attempts",
                                            headers=_bearer(make, learner))
    assert response.status_code == 201
