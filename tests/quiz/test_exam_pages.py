"""The exam in the browser without JavaScript: plain form posts all the way."""

from __future__ import annotations

import re

import pytest

from lms.models import Attempt
from tests.conftest import csrf_token


def token_of(html):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def start(client, slug):
    """Start as a person does: a limited or cooldown exam through its confirmation page."""
    page = client.get(f"/quizzes/{slug}")
    assert page.status_code == 200
    if f'href="/quizzes/{slug}/begin"' not in page.text:
        data = {"csrf_token": token_of(page.text)}
    else:
        page = client.get(f"/quizzes/{slug}/begin")
        assert page.status_code == 200 and 'name="confirmed" value="yes"' in page.text
        data = {"csrf_token": token_of(page.text), "confirmed": "yes"}
    response = client.post(f"/quizzes/{slug}/start", data=data)
    assert response.status_code == 302
    assert "/attempts/" in response.headers["Location"]
    return response.headers["Location"].rsplit("/", 1)[-1]


def choice_id(html, question_id, label):
    pattern = rf'name="q-{question_id}" id="q-{question_id}-([^"]+)" value="[^"]+"[^>]*>\s*<label for="[^"]+">{re.escape(label)}'
    match = re.search(pattern, html)
    assert match, f"choice {label!r} of {question_id} not on the page"
    return match.group(1)


def test_start_page_shows_the_rules(client, signed_in):
    signed_in("learner")
    page = client.get("/quizzes/timed-exam").text
    assert "時間制限つき試験" in page
    assert "10 分" in page          # time limit, in Japanese
    assert "2 回中 残り 2 回" in page     # attempts left: the word 残り is kept


def test_whole_exam_without_javascript(client, signed_in, db):
    signed_in("learner")
    attempt_id = start(client, "basics-quiz")
    page = client.get(f"/attempts/{attempt_id}").text
    assert 'id="attempt-form"' in page
    form = {
        "csrf_token": token_of(page), "seq": "1", "action": "save",
        "q-margin": choice_id(page, "margin", "30%"),
        "q-levels": [choice_id(page, "levels", x) for x in ("Bronze", "Silver", "Gold")],
        "q-ttfd": "time to first deal",
        "q-max-margin": "40",
    }
    saved = client.post(f"/attempts/{attempt_id}", data=form)
    assert saved.status_code == 302
    page = client.get(f"/attempts/{attempt_id}").text
    assert "保存しました" in page or "回答を保存しました" in page
    assert 'value="time to first deal"' in page          # saved answers come back
    form.update(csrf_token=token_of(page), seq="2", action="finish")
    finish = client.post(f"/attempts/{attempt_id}", data=form)
    assert finish.headers["Location"].endswith(f"/attempts/{attempt_id}/confirm")
    confirm = client.get(f"/attempts/{attempt_id}/confirm").text
    assert "4 問中 4 問" in confirm
    done = client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token_of(confirm)})
    assert done.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    result = client.get(f"/attempts/{attempt_id}/result").text
    assert ">100%<" in result            # one rounding, no ".0"
    assert "合格" in result
    assert "基本30% + 目標達成5%" in result              # review after submit shows the explanation


def test_no_key_or_explanation_in_the_attempt_page(client, signed_in):
    signed_in("learner")
    attempt_id = start(client, "basics-quiz")
    page = client.get(f"/attempts/{attempt_id}").text
    assert "基本30% + 目標達成5%" not in page
    assert "Time To First Deal" not in page
    assert "correct" not in page.lower().replace("correct-horse", "")
    assert "40 +- 0.5" not in page


def test_stale_page_changes_nothing(client, signed_in, db):
    signed_in("learner")
    attempt_id = start(client, "basics-quiz")
    page = client.get(f"/attempts/{attempt_id}").text
    client.post(f"/attempts/{attempt_id}", data={"csrf_token": token_of(page), "seq": "3",
                                                 "q-ttfd": "newer"})
    old = client.post(f"/attempts/{attempt_id}", data={"csrf_token": token_of(page), "seq": "2",
                                                       "q-ttfd": "older"}, follow_redirects=True)
    assert "古くなっていた" in old.text
    assert db.session.get(Attempt, attempt_id).answers == {"ttfd": "newer"}


def test_someone_elses_attempt_page_is_404(client, signed_in, app, make):
    signed_in("learner")
    attempt_id = start(client, "basics-quiz")
    other = app.test_client()
    from tests.conftest import login

    login(other, make.user("learner", org=make.org("second-co")))
    for path in (f"/attempts/{attempt_id}", f"/attempts/{attempt_id}/result",
                 f"/attempts/{attempt_id}/confirm"):
        assert other.get(path).status_code == 404
    token = csrf_token(other, "/settings")
    assert other.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token}).status_code == 404
    assert other.post(f"/attempts/{attempt_id}", data={"csrf_token": token, "seq": "1"}).status_code == 404


def test_autosave_endpoint_needs_the_csrf_header(client, signed_in):
    signed_in("learner")
    attempt_id = start(client, "basics-quiz")
    page = client.get(f"/attempts/{attempt_id}").text
    body = {"answers": {"ttfd": "x"}, "seq": 1}
    assert client.post(f"/attempts/{attempt_id}/autosave", json=body).status_code == 400
    ok = client.post(f"/attempts/{attempt_id}/autosave", json=body,
                     headers={"X-CSRFToken": token_of(page)})
    assert ok.status_code == 200
    assert ok.json["seq"] == 1


def test_trainer_grades_an_essay_and_reads_statistics(client, signed_in, make, app):
    learner = make.user("learner", org=make.org("essay-co"))
    learner_client = app.test_client()
    from tests.conftest import login

    login(learner_client, learner)
    attempt_id = start(learner_client, "timed-exam")
    page = learner_client.get(f"/attempts/{attempt_id}").text
    learner_client.post(f"/attempts/{attempt_id}", data={
        "csrf_token": token_of(page), "seq": "1", "q-t-essay": "まず課題を伺います。"})
    confirm = learner_client.get(f"/attempts/{attempt_id}/confirm").text
    learner_client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token_of(confirm)})

    signed_in("trainer")
    queue = client.get("/grading").text
    assert learner.name in queue
    grade_page = client.get(f"/grading/{attempt_id}").text
    assert "まず課題を伺います。" in grade_page
    bad = client.post(f"/grading/{attempt_id}", data={"csrf_token": token_of(grade_page),
                                                      "question": "t-essay", "points": "99"})
    assert bad.status_code == 422
    ok = client.post(f"/grading/{attempt_id}", data={"csrf_token": token_of(grade_page),
                                                     "question": "t-essay", "points": "4",
                                                     "comment": "良い"})
    assert ok.status_code == 302
    assert learner.name not in client.get("/grading").text
    # The grader's comment reaches the learner on the result page.
    result = learner_client.get(f"/attempts/{attempt_id}/result").text
    assert "良い" in result and 'class="trainer-comment__text"' in result
    stats = client.get("/quizzes/timed-exam/statistics")
    assert stats.status_code == 200
    assert "<svg" in stats.text
    csv_text = client.get("/quizzes/timed-exam/results.csv").text
    assert learner.email in csv_text.splitlines()[1]


@pytest.mark.parametrize("path", ["/grading", "/quizzes/timed-exam/statistics"])
def test_trainer_pages_are_closed_to_learners_and_managers(client, signed_in, make, path):
    signed_in("learner")
    assert client.get(path).status_code == 403


def test_partner_manager_csv_has_only_their_company(client, make, app):
    from lms.models.types import utcnow
    from lms.services import attempts as service
    from tests.quiz.conftest import GRACE
    from tests.conftest import login

    ours, theirs = make.org("ours"), make.org("theirs")
    a, b = make.user("learner", org=ours), make.user("learner", org=theirs)
    quiz = app.extensions["lms.content"].quiz("basics-quiz")
    for user in (a, b):
        attempt, _ = service.start_attempt(user, quiz, utcnow(), GRACE)
        service.submit(user, attempt.id, utcnow(), GRACE)
    manager = make.user("manager", org=ours)
    login(client, manager)
    text = client.get("/quizzes/basics-quiz/results.csv").text
    assert a.email in text
    assert b.email not in text
