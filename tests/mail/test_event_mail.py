"""Events mailed through the outbox: a graded essay (with the trainer's comment) and a reply to
a question, each mailed once per event however many requests race, and only as the person's
e-mail preferences allow; the notification centre keeps everything. Mail is read from a real
SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.database import begin_write
from lms.extensions import db as _db
from lms.mail.delivery import deliver_due
from lms.models import Notification, OutboxMessage, Post
from lms.models.types import utcnow
from lms.services import attempts, discussions, mail_prefs
from tests.conftest import csrf_token, login, post_form
from tests.quiz.test_concurrency import in_parallel
from tests.quiz.test_workbench import submit_essay
from tests.smtp_server import SmtpServer

THREAD = "/courses/getting-started/lessons/welcome/discussion"
COMMENT = "意思決定者の説明が足りません。"


@pytest.fixture()
def smtp(app):
    server = SmtpServer().start()
    saved = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = server.url
    yield server.mailbox
    app.config["SMTP_URL"] = saved
    server.stop()


def mails_to(db, address) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(OutboxMessage.id))
                             .where(OutboxMessage.recipient == address))


def notifications_of(db, user, kind) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.kind == kind))


def test_a_graded_essay_is_mailed_once_with_the_comment(app, db, make, smtp):
    learner = make.user("learner", org=make.org("essay-co"), email="essay.writer@example.com")
    _, attempt_id = submit_essay(app, learner)
    trainer = make.user("trainer")
    attempts.score_essay(trainer, attempt_id, "t-essay", 3, COMMENT, utcnow())
    attempts.score_essay(trainer, attempt_id, "t-essay", 4, COMMENT, utcnow())  # re-scored
    deliver_due()
    mail = smtp.wait_for("essay.writer@example.com")
    body = mail.get_content()
    assert COMMENT in body and "採点されました" in mail["Subject"]
    assert f"http://academy.test/attempts/{attempt_id}/result" in body
    assert len(smtp.to("essay.writer@example.com")) == 1
    assert notifications_of(db, learner, "essay_graded") == 1


def test_parallel_gradings_of_one_attempt_tell_and_mail_once(app, db, make):
    learner = make.user("learner", org=make.org("essay-co"), email="raced@example.com")
    _, attempt_id = submit_essay(app, learner)
    trainers = [make.user("trainer") for _ in range(8)]

    def grade(i):
        attempts.score_essay(_db.session.get(type(trainers[i]), trainers[i].id), attempt_id,
                             "t-essay", 3, COMMENT, utcnow())

    _, errors = in_parallel(app, grade)
    assert errors == []
    assert notifications_of(db, learner, "essay_graded") == 1
    assert mails_to(db, "raced@example.com") == 1


def answer_as(client, user, question_id, body="こちらの設定で解決します。"):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, user)
    return client.post(f"/posts/{question_id}/answers",
                       data={"csrf_token": csrf_token(client, THREAD), "body": body})


def ask_as(client, user, body="音声認識の精度を上げるには？"):
    login(client, user)
    client.post(THREAD, data={"csrf_token": csrf_token(client, THREAD), "body": body})
    _db.session.rollback()
    return _db.session.scalar(select(Post.id).order_by(Post.id.desc()))


def test_a_reply_is_mailed_to_the_asker_in_their_language(client, db, make, smtp):
    asker = make.user("learner", org=make.org("alpha"), email="asker@example.com", locale="en")
    helper = make.user("learner", org=make.org("beta"))
    helper.name = "佐藤 花子"
    db.session.commit()
    question = ask_as(client, asker)
    assert answer_as(client, asker, question).status_code == 302  # own answer: no mail
    assert answer_as(client, helper, question).status_code == 302
    deliver_due()
    mail = smtp.wait_for("asker@example.com")
    assert "佐藤 花子" in mail["Subject"] and "answered" in mail["Subject"]
    assert f"http://academy.test{THREAD}#post-{question}" in mail.get_content()
    assert len(smtp.to("asker@example.com")) == 1
    assert notifications_of(db, asker, "post_reply") == 1


def test_telling_of_one_reply_from_parallel_requests_happens_once(app, db, make):
    asker = make.user("learner", org=make.org("alpha"), email="once@example.com")
    helper = make.user("learner", org=make.org("beta"))
    with app.test_request_context():
        question = discussions.ask(asker, "getting-started", "welcome", "質問", False, utcnow())
        reply = discussions.answer(helper, question.id, "回答", "ようこそ", "/x", utcnow())
        reply_id = reply.id
    assert mails_to(db, "once@example.com") == 1

    def tell_again(_):
        with app.test_request_context():
            begin_write()
            discussions.tell_asker(_db.session.get(Post, reply_id), "ようこそ", "/x")
            _db.session.commit()

    _, errors = in_parallel(app, tell_again)
    assert errors == []
    assert notifications_of(db, asker, "post_reply") == 1
    assert mails_to(db, "once@example.com") == 1


def test_turned_off_mail_keeps_the_notification(client, db, make):
    asker = make.user("learner", org=make.org("alpha"), email="quiet@example.com")
    helper = make.user("learner", org=make.org("beta"))
    login(client, asker)
    page = client.get("/settings").text
    assert "誰かが私の質問に回答したとき" in page or "post_reply" in page
    wanted = [k for k in mail_prefs.PREFERENCES if k != "post_reply"]
    assert post_form(client, "/settings/mail", {"mail": wanted}).status_code == 302
    page = client.get("/settings").text
    assert 'value="post_reply" id="mail-post_reply">' in page           # unticked
    assert 'value="essay_graded" id="mail-essay_graded" checked>' in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    question = ask_as(client, asker)
    answer_as(client, helper, question)
    assert notifications_of(db, asker, "post_reply") == 1
    assert mails_to(db, "quiet@example.com") == 0


def test_unknown_mail_choices_are_refused_not_dropped(client, db, make):
    user = make.user("learner", org=make.org("alpha"))
    login(client, user)
    response = post_form(client, "/settings/mail", {"mail": ["essay_graded", "everything"]})
    assert response.status_code == 400
    _db.session.rollback()
    assert _db.session.get(type(user), user.id).mail_off == ""


def test_everything_can_be_turned_off_and_on_again(client, db, make):
    user = make.user("learner", org=make.org("alpha"))
    login(client, user)
    assert post_form(client, "/settings/mail", {}).status_code == 302
    _db.session.rollback()
    fresh = _db.session.get(type(user), user.id)
    assert mail_prefs.turned_off(fresh) == set(mail_prefs.PREFERENCES)
    assert not mail_prefs.wants_mail(fresh, "certification_expiring")
    assert mail_prefs.wants_mail(fresh, "certification_revoked")  # always told
    assert post_form(client, "/settings/mail", {"mail": list(mail_prefs.PREFERENCES)}).status_code == 302
    _db.session.rollback()
    assert mail_prefs.turned_off(_db.session.get(type(user), user.id)) == set()
