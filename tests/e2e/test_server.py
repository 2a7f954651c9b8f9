"""The real server as deployed: gunicorn workers, demo data, health, headers, sessions."""

from __future__ import annotations

from tests.live_server import DEMO_USERS, LiveServer
from lms.demo import DEMO_PASSWORD, USERS


def test_healthz_answers_ok_without_sign_in(http):
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_demo_logins_are_printed_and_work(live_server: LiveServer, http):
    log = live_server.startup_log()
    assert f"password for all: {DEMO_PASSWORD}" in log
    for email, *_ in USERS:
        assert email in log
    http.sign_in(DEMO_USERS["learner"])
    catalog = http.get("/")
    assert catalog.status_code == 200
    assert "鈴木 一郎" in catalog.text  # the demo learner's name in the header


def test_signed_out_visitor_is_sent_to_sign_in(http):
    response = http.get("/my", allow_redirects=False)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_pages_carry_the_security_headers(http):
    response = http.get("/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_session_holds_across_every_worker(live_server: LiveServer, http):
    """Two gunicorn workers share the generated secret key: no random sign-outs."""
    assert "with 2 workers" in live_server.startup_log()
    http.sign_in(DEMO_USERS["learner_with_progress"])
    for _ in range(30):  # new connections each time, spread over the workers
        response = http.get("/my", allow_redirects=False, headers={"Connection": "close"})
        assert response.status_code == 200, "signed out by another worker"
        assert "高橋 美咲" in response.text


def test_sign_out_over_http_ends_the_session(live_server: LiveServer, http):
    user = live_server.create_user()
    http.sign_in(user.email)
    assert http.get("/my", allow_redirects=False).status_code == 200
    response = http.post_form("/logout", page="/my", allow_redirects=False)
    assert response.status_code == 302
    assert http.get("/my", allow_redirects=False).status_code == 302


def test_lesson_progress_over_http_shows_in_my_learning(live_server: LiveServer, http):
    user = live_server.create_user()
    http.sign_in(user.email)
    lesson = "/courses/koemoji-overview/lessons/speech-recognition"
    assert http.get(lesson).status_code == 200
    done = http.post_form(lesson + "/done", page=lesson)
    assert done.status_code == 200
    assert done.url.endswith(lesson)
    assert "レッスンを完了にしました。" in done.text
    my = http.get("/my").text
    started = my.split('id="started-heading"', 1)[1].split('id="todo-heading"', 1)[0]
    assert "Koemoji 製品概要" in started
    assert "5 レッスン中 1 完了" in started


def test_a_locked_course_says_why_instead_of_failing(live_server: LiveServer, http):
    """sales-basics needs koemoji-overview first: the learner is told so, nothing is recorded."""
    user = live_server.create_user()
    http.sign_in(user.email)
    lesson = "/courses/sales-basics/lessons/what-is-partner-sales"
    response = http.post_form(lesson + "/done", page="/courses/sales-basics")
    assert response.status_code == 200
    assert response.url.endswith("/courses/sales-basics")
    assert "先に前提コースを修了してください。" in response.text
    course = http.get("/courses/sales-basics").text
    assert '<progress max="100" value="0"' in course
