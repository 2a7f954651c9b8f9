"""Trainers' workbench: menu and queue count, quiz index, preview with keys, rubric grading,
and the trainer's comment reaching the learner."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.content.problems import ContentError
from lms.content.quiz_questions import QuestionBlock, parse_question
from lms.models import Attempt
from tests.conftest import login
from tests.quiz.test_exam_pages import start, token_of

RUBRIC_LINE = "導入を段階に分けて示している"
EXPLANATION = "電子カルテとの連携を最初に確認するのが要点です。"


def block(heading, *lines):
    return QuestionBlock(1, heading, [(n + 2, text) for n, text in enumerate(lines)])


def test_rubric_block_is_kept_apart_from_the_explanation():
    question = parse_question(block("説明してください {essay}", "> 解説です。", "> rubric:",
                                    "> - 要点を挙げている：2点"))
    assert "解説です。" in question.explanation_html and "要点" not in question.explanation_html
    assert "要点を挙げている" in question.rubric_html and "解説" not in question.rubric_html


def test_rubric_text_may_start_on_the_marker_line():
    question = parse_question(block("説明してください {essay}", "> Rubric: 二点を挙げれば満点"))
    assert "二点を挙げれば満点" in question.rubric_html
    assert question.explanation_html == ""


def test_a_rubric_on_a_question_that_is_not_an_essay_is_an_error_on_its_line():
    with pytest.raises(ContentError) as error:
        parse_question(block("基本マージンは？", "- (x) 30%", "- ( ) 20%", "> rubric: 採点基準"))
    assert error.value.line == 4
    assert "essay" in str(error.value)


def submit_essay(app, learner, answer="まず課題を伺います。"):
    learner_client = app.test_client()
    login(learner_client, learner)
    attempt_id = start(learner_client, "timed-exam")
    page = learner_client.get(f"/attempts/{attempt_id}").text
    learner_client.post(f"/attempts/{attempt_id}", data={
        "csrf_token": token_of(page), "seq": "1", "q-t-essay": answer})
    confirm = learner_client.get(f"/attempts/{attempt_id}/confirm").text
    learner_client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token_of(confirm)})
    return learner_client, attempt_id


def test_grading_shows_the_whole_question_the_rubric_and_the_answer(client, signed_in, make, app):
    learner = make.user("learner", org=make.org("essay-co"))
    _, attempt_id = submit_essay(app, learner)
    signed_in("trainer")
    page = client.get(f"/grading/{attempt_id}").text
    assert "医療機関への提案の進め方を説明してください。" in page   # the stem
    assert "院内の意思決定の流れに触れてください。" in page         # the body under it
    assert "採点基準" in page and RUBRIC_LINE in page               # the rubric
    assert "まず課題を伺います。" in page                           # the answer


def test_the_trainers_comment_reaches_the_learner(client, signed_in, make, app):
    learner = make.user("learner", org=make.org("essay-co"))
    learner_client, attempt_id = submit_essay(app, learner)
    result = learner_client.get(f"/attempts/{attempt_id}/result").text
    assert "講師からのコメント" not in result
    signed_in("trainer")
    grade_page = client.get(f"/grading/{attempt_id}").text
    client.post(f"/grading/{attempt_id}", data={
        "csrf_token": token_of(grade_page), "question": "t-essay", "points": "3",
        "comment": "意思決定者の説明が足りません。"})
    result = learner_client.get(f"/attempts/{attempt_id}/result").text
    assert "講師からのコメント" in result and "意思決定者の説明が足りません。" in result
    token = make.token(learner)
    body = client.get(f"/api/v1/attempts/{attempt_id}",
                      headers={"Authorization": f"Bearer {token}"}).json
    assert body["comments"] == [{"question_id": "t-essay", "comment": "意思決定者の説明が足りません。"}]


def test_the_rubric_never_reaches_the_learner(client, signed_in, make, app):
    learner = make.user("learner", org=make.org("essay-co"))
    learner_client, attempt_id = submit_essay(app, learner)
    token = make.token(learner)
    pages = [learner_client.get(f"/attempts/{attempt_id}/result").text,
             learner_client.get("/quizzes/timed-exam").text,
             client.get(f"/api/v1/attempts/{attempt_id}",
                        headers={"Authorization": f"Bearer {token}"}).text]
    for page in pages:
        assert RUBRIC_LINE not in page


def test_trainer_menu_links_every_workbench_page_with_the_queue_count(client, signed_in, make, app):
    signed_in("trainer")
    home = client.get("/").text
    for path in ("/admin/content", "/grading", "/quizzes/all", "/preview"):
        assert f'href="{path}"' in home, path
    assert "count-badge" not in home
    submit_essay(app, make.user("learner", org=make.org("essay-co")))
    badge = re.search(r'class="count-badge">(\d+)<', client.get("/").text)
    assert badge and badge.group(1) == "1"
    for path in ("/grading", "/quizzes/all", "/preview", "/preview/quizzes/timed-exam"):
        assert client.get(path).status_code == 200, path


def test_learner_menu_has_no_workbench(client, signed_in):
    signed_in("learner")
    home = client.get("/").text
    for path in ("/grading", "/quizzes/all", "/preview"):
        assert f'href="{path}"' not in home


def test_quiz_index_lists_every_quiz_with_its_attempts(client, signed_in, make, app):
    submit_essay(app, make.user("learner", org=make.org("essay-co")))
    signed_in("trainer")
    page = client.get("/quizzes/all").text
    for quiz in app.extensions["lms.content"].quizzes():
        assert quiz.title in page
    row = re.search(r"時間制限つき試験.*?</tr>", page, re.S).group(0)
    assert re.findall(r'class="num">(\d+)<', row)[:2] == ["1", "1"]   # attempts, learners


def test_preview_shows_every_question_and_keys_only_on_request(client, signed_in, db, app):
    signed_in("trainer")
    before = db.session.scalar(select(func.count(Attempt.id)))
    plain = client.get("/preview/quizzes/timed-exam").text
    quiz = app.extensions["lms.content"].quiz("timed-exam")
    for question in quiz.questions:
        assert question.stem in plain
    assert EXPLANATION not in plain and RUBRIC_LINE not in plain and "is-correct" not in plain
    keyed = client.get("/preview/quizzes/timed-exam?keys=1").text
    assert EXPLANATION in keyed and RUBRIC_LINE in keyed
    assert "基本は30%です。" in keyed and keyed.count("is-correct") == 3   # 30%, 紹介, 再販
    assert db.session.scalar(select(func.count(Attempt.id))) == before   # never an attempt


def test_preview_lists_drafts_and_opens_them(client, signed_in, app):
    draft = app.extensions["lms.content"].course("draft-course")
    assert draft is not None and draft.draft
    signed_in("trainer")
    index = client.get("/preview").text
    entry = re.search(rf'href="/courses/draft-course">{re.escape(draft.title)}</a>\s*<span class="tag">([^<]+)<', index)
    assert entry and entry.group(1) == "下書き"
    assert client.get("/courses/draft-course").status_code == 200


@pytest.mark.parametrize("path", ["/preview", "/preview/quizzes/timed-exam", "/quizzes/import",
                                  "/preview/quizzes/timed-exam?keys=1", "/quizzes/all"])
@pytest.mark.parametrize("role", ["learner", "manager"])
def test_workbench_pages_are_closed_to_learners_and_managers(client, signed_in, path, role):
    signed_in(role)
    response = client.get(path)
    assert response.status_code == 403
    assert EXPLANATION not in response.text and RUBRIC_LINE not in response.text


def test_trainers_hear_of_a_waiting_essay_and_the_learner_of_its_grade(client, signed_in, make, app, db):
    from lms.models import Notification
    from lms.services.inbox import text_of

    trainer = signed_in("trainer")
    learner = make.user("learner", org=make.org("essay-co"))
    learner_client, attempt_id = submit_essay(app, learner)
    waiting = db.session.scalars(select(Notification).where(Notification.user_id == trainer.id)).all()
    assert [n.kind for n in waiting] == ["essay_waiting"]
    assert waiting[0].url == f"/grading/{attempt_id}"
    grade_page = client.get(f"/grading/{attempt_id}").text
    client.post(f"/grading/{attempt_id}", data={
        "csrf_token": token_of(grade_page), "question": "t-essay", "points": "3",
        "comment": "意思決定者の説明が足りません。"})
    told = db.session.scalars(select(Notification).where(Notification.user_id == learner.id)).all()
    assert [n.kind for n in told] == ["essay_graded"]
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert "意思決定者の説明が足りません。" in text_of(told[0])
    assert "意思決定者の説明が足りません。" in learner_client.get("/notifications").text
