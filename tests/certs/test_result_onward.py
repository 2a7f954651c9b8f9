"""Results that lead on: the course, the next step, the certification page; an award is
celebrated on the result page with its share and verify links; the last lesson of a course
links to its quiz."""

from __future__ import annotations

import re

from tests.conftest import csrf_token, login
from tests.web.helpers import REPO_ROOT, app_on


def _take_bronze_exam(client, answer: str) -> str:
    page = client.get("/quizzes/bronze-exam").text
    started = client.post("/quizzes/bronze-exam/start",
                          data={"csrf_token": csrf_token(client, "/quizzes/bronze-exam")})
    assert started.status_code == 302, page
    attempt_id = started.headers["Location"].rsplit("/", 1)[-1]
    sheet = client.get(f"/attempts/{attempt_id}").text
    qid = re.search(r'name="q-([^"]+)"', sheet).group(1)
    choice = re.search(rf'name="q-{qid}" id="q-{qid}-[^"]+" value="([^"]+)"[^>]*>\s*<label[^>]*>'
                       rf'{re.escape(answer)}<', sheet).group(1)
    token = csrf_token(client, f"/attempts/{attempt_id}")
    client.post(f"/attempts/{attempt_id}", data={"csrf_token": token, "seq": "1",
                                                 "action": "finish", f"q-{qid}": choice})
    confirm = f"/attempts/{attempt_id}/confirm"
    done = client.post(f"/attempts/{attempt_id}/submit",
                       data={"csrf_token": csrf_token(client, confirm)})
    assert done.headers["Location"].endswith("/result")
    return client.get(done.headers["Location"]).text


def test_an_award_is_celebrated_with_share_and_verify_links(client, make, facts):
    learner = make.user("learner", org=make.org("alpha"), locale="en")
    login(client, learner)
    facts.lessons(learner)
    facts.signoff(learner, "bronze", "practical")
    failed = _take_bronze_exam(client, "20%")
    assert 'id="award"' not in failed
    assert 'href="/certifications#level-bronze"' in failed
    # (the exam has no cooldown or attempt limit in this program)
    result = _take_bronze_exam(client, "30%")
    assert "Congratulations! You are now certified: Bronze Certification" in result
    verify = re.search(r'href="(http://academy.test/verify/[0-9a-f]+)"', result)
    assert verify, "no verification link on the celebration"
    assert "https://www.linkedin.com/profile/add?" in result
    assert re.search(r'href="/certificates/[0-9a-f]+"', result)
    # And it leads on: the next step toward Silver.
    assert 'data-step="next"' in result and "silver-exam" in result.replace("Silver exam", "silver-exam")


def test_last_lesson_links_to_the_course_quiz_and_results_lead_on(app, make):
    with app_on(app, CONTENT_DIR=str(REPO_ROOT)) as demo:
        client = demo.test_client()
        login(client, make.user("learner", org=make.org("beta"), locale="ja"))
        last = client.get("/courses/koemoji-overview/lessons/value-and-roi")
        assert last.status_code == 200
        assert 'href="/quizzes/koemoji-overview-check"' in last.text
        first = client.get("/courses/koemoji-overview/lessons/what-is-koemoji").text
        assert 'href="/quizzes/koemoji-overview-check"' not in first


def test_a_course_quiz_result_leads_to_the_course_the_next_step_and_the_certification(app, make):
    with app_on(app, CONTENT_DIR=str(REPO_ROOT)) as demo:
        client = demo.test_client()
        login(client, make.user("learner", org=make.org("gamma"), locale="ja"))
        start = client.post("/quizzes/koemoji-overview-check/start",
                            data={"csrf_token": csrf_token(client,
                                                           "/quizzes/koemoji-overview-check")})
        attempt_id = start.headers["Location"].rsplit("/", 1)[-1]
        confirm = f"/attempts/{attempt_id}/confirm"
        done = client.post(f"/attempts/{attempt_id}/submit",
                           data={"csrf_token": csrf_token(client, confirm)})
        result = client.get(done.headers["Location"]).text
        onward = re.search(r'<nav class="card onward".*?</nav>', result, re.S).group(0)
        assert 'href="/courses/koemoji-overview"' in onward          # back to the course
        assert 'href="/certifications#level-bronze"' in onward       # the certification page
        assert 'data-step="next"' in onward                          # the next step
        assert "次のステップ" in onward


def test_home_continues_where_the_learner_left_off(app, make):
    with app_on(app, CONTENT_DIR=str(REPO_ROOT)) as demo:
        client = demo.test_client()
        login(client, make.user("learner", org=make.org("delta"), locale="ja"))
        assert "前回の続きから" not in client.get("/").text
        lesson = "/courses/koemoji-overview/lessons/what-is-koemoji"
        client.post(f"{lesson}/done", data={"csrf_token": csrf_token(client, lesson)})
        home = client.get("/").text
        resume = re.search(r'<div class="path__resume">.*?</div>', home, re.S).group(0)
        assert "前回の続きから" in resume
        assert 'href="/courses/koemoji-overview/lessons/speech-recognition"' in resume
        # The first next step is that same lesson.
        first = re.search(r'<a href="([^"]+)" data-step="next"', home).group(1)
        assert first == "/courses/koemoji-overview/lessons/speech-recognition"
