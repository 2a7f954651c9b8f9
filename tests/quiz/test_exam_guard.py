"""Exams that cannot be wasted, and the exam pages' error paths, without JavaScript.

- the certification's unfinished courses are listed before the exam (warn) or the start is
  refused with its reason (block);
- a limited or cooldown exam is started only from a confirmation page that states attempts
  left, time limit and waiting time;
- a refused start shows its reason; a passed exam says so;
- a time-up submits without JavaScript; an autosave answered 409 keeps the result link.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.models import Attempt
from lms.models.types import utcnow
from tests.conftest import csrf_token, login
from tests.quiz.test_exam_pages import choice_id, start, token_of
from tests.web.helpers import app_on, copy_fixture_content

PROGRAM = """\
certifications:
  bronze:
    title: Bronze
    courses: [getting-started]
    exams: {timed-exam: 60}
    courses_before_exam: %s
tiers:
  registered: {title: Registered}
"""


@pytest.fixture(params=["warn", "block"])
def guarded(request, app, tmp_path, make):
    content = copy_fixture_content(tmp_path / "content")
    (content / "courses/program.yml").write_text(PROGRAM % request.param, encoding="utf-8")
    with app_on(app, CONTENT_DIR=str(content)) as other:
        client = other.test_client()
        learner = make.user("learner", org=make.org())
        login(client, learner)
        yield request.param, client, learner


def test_unfinished_courses_are_listed_and_block_refuses_with_the_reason(guarded, make):
    mode, client, learner = guarded
    page = client.get("/quizzes/timed-exam").text
    assert 'id="unfinished-courses"' in page
    assert 'href="/courses/getting-started"' in page and "はじめてのKoemoji" in page
    if mode == "warn":
        assert 'href="/quizzes/timed-exam/begin"' in page
        begin = client.get("/quizzes/timed-exam/begin").text
        assert 'id="unfinished-courses"' in begin        # still told on the confirmation
        assert start(client, "timed-exam")
        return
    assert 'href="/quizzes/timed-exam/begin"' not in page
    assert "コースを修了すると、この試験を始められます" in page
    # Going around the page: the start is refused and the reason shown.
    refused = client.post("/quizzes/timed-exam/start",
                          data={"csrf_token": csrf_token(client, "/settings"), "confirmed": "yes"})
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/quizzes/timed-exam")
    shown = client.get("/quizzes/timed-exam").text
    assert "この試験を始める前に次のコースを修了してください：はじめてのKoemoji" in shown
    assert client.get("/quizzes/timed-exam/begin").headers["Location"].endswith(
        "/quizzes/timed-exam")
    api = client.post("/api/v1/quizzes/timed-exam/attempts",
                      headers={"Authorization": f"Bearer {make.token(learner)}"})
    assert api.status_code == 409
    assert api.get_json()["error"]["code"] == "courses_unfinished"
    assert api.get_json()["error"]["courses"] == ["getting-started"]
    # Once the course is complete the exam opens.
    for lesson in ("welcome", "pricing"):
        url = f"/courses/getting-started/lessons/{lesson}"
        client.post(f"{url}/done", data={"csrf_token": csrf_token(client, url)})
    page = client.get("/quizzes/timed-exam").text
    assert 'id="unfinished-courses"' not in page
    assert start(client, "timed-exam")


def test_a_limited_exam_starts_only_after_the_confirmation_page(client, signed_in, db):
    user = signed_in("learner")
    page = client.get("/quizzes/timed-exam").text
    assert 'href="/quizzes/timed-exam/begin"' in page
    assert 'action="/quizzes/timed-exam/start"' not in page
    begin = client.get("/quizzes/timed-exam/begin").text
    terms = re.search(r'<dl class="facts" id="start-terms">(.*?)</dl>', begin, re.S).group(1)
    assert "2 回中 残り 2 回" in terms and "10 分" in terms and "1 時間" in terms
    # A start without the confirmation creates nothing and leads to the confirmation.
    bare = client.post("/quizzes/timed-exam/start", data={"csrf_token": csrf_token(client, "/settings")})
    assert bare.status_code == 302 and bare.headers["Location"].endswith("/quizzes/timed-exam/begin")
    assert db.session.scalars(select(Attempt).where(Attempt.user_id == user.id)).all() == []
    # An unlimited quiz starts from its page at once.
    quiz_page = client.get("/quizzes/basics-quiz").text
    assert 'action="/quizzes/basics-quiz/start"' in quiz_page


def _finish(client, attempt_id):
    page = client.get(f"/attempts/{attempt_id}/confirm").text
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token_of(page)})


def test_a_refused_start_shows_its_reason(client, signed_in):
    signed_in("learner")
    attempt_id = start(client, "timed-exam")
    _finish(client, attempt_id)
    page = client.get("/quizzes/timed-exam").text
    assert "待ち時間が過ぎると次の受験を開始できます。" in page and "次回受験可能：" in page
    # The confirmation page is not offered while the cooldown runs...
    assert client.get("/quizzes/timed-exam/begin").headers["Location"].endswith(
        "/quizzes/timed-exam")
    # ...and a start posted anyway is refused, with the reason on the page it returns to.
    refused = client.post("/quizzes/timed-exam/start",
                          data={"csrf_token": csrf_token(client, "/settings"), "confirmed": "yes"})
    assert refused.status_code == 302
    shown = client.get(refused.headers["Location"]).text
    flash = re.search(r'<p class="flash flash--[a-z]+">(.*?)</p>', shown, re.S)
    assert flash and flash.group(1).strip() == "待ち時間が過ぎると次の受験を開始できます。", \
        "the refusal has no visible reason"
    assert "次回受験可能：" in shown


def test_a_passed_exam_says_so_instead_of_the_next_start(client, signed_in, db):
    user = signed_in("learner")
    attempt_id = start(client, "timed-exam")
    db.session.execute(Attempt.__table__.update().where(Attempt.id == attempt_id)
                       .values(status="graded", passed=True, percent=93.75,
                               submitted_at=utcnow(), graded_at=utcnow(), open_key=None))
    db.session.commit()
    page = client.get("/quizzes/timed-exam").text
    assert "この試験には合格済みです（最高得点：93.8%）" in page
    assert "次回受験可能" not in page and 'id="refusal"' not in page
    assert user


def test_time_up_without_javascript_submits_the_saved_answers(client, signed_in, db):
    signed_in("learner")
    attempt_id = start(client, "timed-exam")
    page = client.get(f"/attempts/{attempt_id}").text
    refresh = re.search(r'<noscript><meta http-equiv="refresh" content="(\d+);url=([^"]+)">',
                        page)
    assert refresh, "without JavaScript nothing would submit at the deadline"
    assert 600 < int(refresh.group(1)) <= 600 + 10
    assert refresh.group(2) == f"/attempts/{attempt_id}/result"
    saved = client.post(f"/attempts/{attempt_id}", data={
        "csrf_token": token_of(page), "seq": "1", "action": "save",
        "q-t-essay": "まず課題を伺います。"})
    assert saved.status_code == 302
    # The deadline passes with the page open: the refresh (or a late save) gets the result.
    past = utcnow() - timedelta(minutes=1)
    db.session.execute(Attempt.__table__.update().where(Attempt.id == attempt_id)
                       .values(deadline=past))
    db.session.commit()
    result = client.get(refresh.group(2))
    assert result.status_code == 200
    attempt = db.session.get(Attempt, attempt_id)
    db.session.refresh(attempt)
    assert attempt.status in ("graded", "pending_review")
    assert attempt.answers.get("t-essay") == "まず課題を伺います。"
    # A late form post after time-up says so and leads to the result too.
    late = client.post(f"/attempts/{attempt_id}", data={
        "csrf_token": token_of(page), "seq": "2", "action": "save", "q-t-essay": "late"})
    assert late.headers["Location"].endswith(f"/attempts/{attempt_id}/result")


def test_an_autosave_answered_409_keeps_the_link_to_the_result(client, signed_in, db):
    signed_in("learner")
    attempt_id = start(client, "timed-exam")
    page = client.get(f"/attempts/{attempt_id}").text
    assert f'data-result-url="/attempts/{attempt_id}/result"' in page
    csrf = token_of(page)
    db.session.execute(Attempt.__table__.update().where(Attempt.id == attempt_id)
                       .values(deadline=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    response = client.post(f"/attempts/{attempt_id}/autosave", json={"answers": {}, "seq": 5},
                           headers={"X-CSRFToken": csrf})
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"]["code"] == "attempt_closed"
    assert body["result_url"] == f"/attempts/{attempt_id}/result"
    # Saving again (a second tab) is still 409 with the link, never a dead end.
    again = client.post(f"/attempts/{attempt_id}/autosave", json={"answers": {}, "seq": 6},
                        headers={"X-CSRFToken": csrf})
    assert again.status_code == 409 and again.get_json()["result_url"] == body["result_url"]
    assert client.get(body["result_url"]).status_code == 200
