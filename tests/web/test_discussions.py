"""Lesson discussions: sanitized posts, private questions,
moderation, accepted answers and their points, replies told, flooding refused, scoping."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.models import Notification, Post
from tests.content.test_sanitizer import (FORBIDDEN_TAGS, PAYLOADS, SAFE_SCHEMES, URL_ATTRIBUTES,
                                          _scheme_of, assert_safe, elements)
from tests.conftest import csrf_token, login

THREAD = "/courses/getting-started/lessons/welcome/discussion"


def ask(client, body, private=False):
    data = {"csrf_token": csrf_token(client, THREAD), "body": body}
    if private:
        data["private"] = "1"
    return client.post(THREAD, data=data)


def last_post(db):
    db.session.expire_all()
    return db.session.scalar(select(Post).order_by(Post.id.desc()))


def as_user(client, user):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, user)


@pytest.fixture()
def people(make):
    a, b = make.org("alpha"), make.org("beta")
    return {"asker": make.user("learner", org=a), "peer": make.user("learner", org=b),
            "trainer": make.user("trainer"), "pm_b": make.user("manager", org=b)}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_in_posts_are_neutralised(client, db, people, payload):
    login(client, people["asker"])
    assert ask(client, payload).status_code == 302
    post = last_post(db)
    assert_safe(post.body_html)
    page = client.get(THREAD).text
    thread = page.split(f'id="post-{post.id}"', 1)[1].split('class="post__actions"', 1)[0]
    assert "<script" not in thread.lower()
    for tag, attrs in elements(thread):          # the page around the post is ours
        assert tag not in FORBIDDEN_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", name
            if name in URL_ATTRIBUTES and value:
                assert _scheme_of(value) in ("",) + SAFE_SCHEMES, value


def test_question_answer_accept_and_points_once(client, db, people):
    login(client, people["asker"])
    ask(client, "**料金**の改定はいつ反映されますか？")
    question = last_post(db)
    as_user(client, people["peer"])
    page = client.get(THREAD).text
    assert "<strong>料金</strong>" in page and people["asker"].name in page and "Alpha" in page
    client.post(f"/posts/{question.id}/answers", data={"csrf_token": csrf_token(client, THREAD),
                                                        "body": "翌月 1 日から反映されます。"})
    reply = last_post(db)
    told = db.session.scalars(select(Notification).where(
        Notification.user_id == people["asker"].id)).all()
    assert [n.kind for n in told] == ["post_reply"]
    as_user(client, people["trainer"])
    for _ in range(2):
        client.post(f"/posts/{reply.id}/moderate", data={"csrf_token": csrf_token(client, THREAD),
                                                         "action": "accept"})
    db.session.expire_all()
    assert db.session.get(Post, reply.id).accepted is True
    faq = client.get("/courses/getting-started/faq").text
    assert "翌月 1 日から反映されます。" in faq
    assert "翌月" in client.get("/courses/getting-started/faq?q=翌月").text
    assert "翌月" not in client.get("/courses/getting-started/faq?q=存在しない語").text


def test_a_private_question_reaches_only_its_author_and_trainers(client, db, people, make):
    login(client, people["asker"])
    ask(client, "社内の秘密の事情について相談です", private=True)
    secret = last_post(db)
    assert secret.private
    assert "社内の秘密の事情" in client.get(THREAD).text
    for viewer in (people["peer"], people["pm_b"]):
        as_user(client, viewer)
        assert "社内の秘密の事情" not in client.get(THREAD).text
        assert client.post(f"/posts/{secret.id}/answers", data={
            "csrf_token": csrf_token(client, THREAD), "body": "x"}).status_code == 404
        assert "社内の秘密の事情" not in client.get("/courses/getting-started/faq").text
    as_user(client, people["trainer"])
    assert "社内の秘密の事情" in client.get(THREAD).text
    assert "社内の秘密の事情" in client.get("/discussions/unanswered").text


def test_a_hidden_post_is_gone_for_learners(client, db, people):
    login(client, people["asker"])
    ask(client, "不適切な内容の投稿")
    post = last_post(db)
    as_user(client, people["trainer"])
    client.post(f"/posts/{post.id}/moderate", data={"csrf_token": csrf_token(client, THREAD),
                                                    "action": "hide"})
    assert "不適切な内容の投稿" in client.get(THREAD).text        # trainers still see it
    for viewer in (people["asker"], people["peer"]):
        as_user(client, viewer)
        assert "不適切な内容の投稿" not in client.get(THREAD).text


def test_authors_edit_and_delete_only_their_own(client, db, people):
    login(client, people["asker"])
    ask(client, "最初の文面")
    post = last_post(db)
    token = csrf_token(client, THREAD)
    client.post(f"/posts/{post.id}/edit", data={"csrf_token": token, "body": "直した文面"})
    assert "直した文面" in client.get(THREAD).text
    as_user(client, people["peer"])
    token = csrf_token(client, THREAD)
    assert client.post(f"/posts/{post.id}/edit", data={"csrf_token": token, "body": "乗っ取り"}).status_code == 404
    assert client.post(f"/posts/{post.id}/delete", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/posts/{post.id}/moderate", data={"csrf_token": token, "action": "hide"}).status_code == 403
    as_user(client, people["asker"])
    client.post(f"/posts/{post.id}/delete", data={"csrf_token": csrf_token(client, THREAD)})
    page = client.get(THREAD).text
    assert "直した文面" not in page and "この投稿は削除されました。" in page


def test_flooding_is_refused_with_a_reason(client, db, people):
    login(client, people["asker"])
    for i in range(10):
        ask(client, f"質問 {i}")
    response = ask(client, "11 件目")
    assert response.status_code == 302
    assert "数分待ってから" in client.get(THREAD).text
    assert db.session.scalar(select(func.count(Post.id))) == 10


def test_empty_and_oversized_posts_are_refused(client, db, people):
    login(client, people["asker"])
    ask(client, "   ")
    ask(client, "あ" * 10_001)
    assert db.session.scalar(select(func.count(Post.id))) == 0
    assert "投稿は 10,000 文字までです。" in client.get(THREAD).text


def test_threads_are_paginated(client, db, people, make):
    from lms.models.types import utcnow
    asker = people["asker"]
    for i in range(25):
        db.session.add(Post(course_slug="getting-started", lesson_slug="welcome", user_id=asker.id,
                            body=f"q{i}", body_html=f"<p>質問番号{i}</p>", created_at=utcnow()))
    db.session.commit()
    login(client, people["peer"])
    first = client.get(THREAD).text
    shown = re.findall(r"質問番号(\d+)<", first)
    assert shown == [str(n) for n in range(24, 4, -1)], shown     # newest first
    assert len(re.findall(r'class="post post--question', first)) == 20
    second = client.get(THREAD + "?page=2").text
    assert len(re.findall(r'class="post post--question', second)) == 5
    assert client.get(THREAD + "?page=999999999999").status_code == 200


def test_draft_course_discussion_is_closed_to_learners(client, people):
    login(client, people["asker"])
    assert client.get("/courses/draft-course/lessons/secret/discussion").status_code == 404
    assert client.get("/courses/draft-course/faq").status_code == 404
