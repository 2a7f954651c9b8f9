"""Lesson discussions: questions and answers, moderation, the unanswered queue and the FAQ.

Posts are Markdown, rendered and sanitized once when written (as lessons are). Who sees
what is decided here, once, for pages and any API alike: learners and managers see public
questions that are not hidden, plus their own private ones; trainers and admins see all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from lms.content.markdown import render_markdown
from lms.database import begin_write
from lms.extensions import db
from lms.models import Organization, Post, User
from lms.services import inbox, notifications, points
from lms.services.errors import Forbidden, Invalid, NotFound, ServiceError

MAX_BODY = 10_000
PAGE_SIZE = 20
# Flooding: at most this many posts per person in the window.
FLOOD_POSTS, FLOOD_WINDOW = 10, timedelta(minutes=10)
ACTIONS = ("pin", "unpin", "hide", "unhide", "accept")


class TooManyPosts(ServiceError):
    status = 429


def moderates(user: User) -> bool:
    return user.role in ("trainer", "admin")


def _visible(user: User):
    if moderates(user):
        return True
    return and_(Post.hidden.is_(False), or_(Post.private.is_(False), Post.user_id == user.id))


def _clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise Invalid("post_empty", field="body")
    if len(text) > MAX_BODY or "\x00" in text:
        raise Invalid("post_too_long", field="body")
    return text


def _check_flood(user: User, now: datetime) -> None:
    recent = db.session.scalar(select(func.count(Post.id)).where(
        Post.user_id == user.id, Post.created_at > now - FLOOD_WINDOW))
    if recent >= FLOOD_POSTS and not moderates(user):
        raise TooManyPosts("post_flood", code="too_many_posts")


def ask(user: User, course_slug: str, lesson_slug: str, body: str, private: bool,
        now: datetime) -> Post:
    text = _clean_body(body)
    begin_write()
    _check_flood(user, now)
    post = Post(course_slug=course_slug, lesson_slug=lesson_slug, user_id=user.id, body=text,
                body_html=render_markdown(text).html, private=bool(private), created_at=now)
    db.session.add(post)
    db.session.commit()
    return post


def _post_for(user: User, post_id: int, *, lock: bool = False) -> Post:
    query = select(Post).where(Post.id == post_id)
    if lock:
        query = query.with_for_update()
    post = db.session.scalar(query)
    if post is None:
        raise NotFound("not_found")
    question = post if post.parent_id is None else db.session.get(Post, post.parent_id)
    if not moderates(user) and (question.hidden or post.hidden
                                or (question.private and question.user_id != user.id)):
        raise NotFound("not_found")
    return post


def answer(user: User, question_id: int, body: str, lesson_title: str, url: str,
           now: datetime) -> Post:
    text = _clean_body(body)
    begin_write()
    question = _post_for(user, question_id, lock=True)
    if question.parent_id is not None or question.deleted:
        raise NotFound("not_found")
    _check_flood(user, now)
    reply = Post(course_slug=question.course_slug, lesson_slug=question.lesson_slug,
                 parent_id=question.id, user_id=user.id, body=text,
                 body_html=render_markdown(text).html, created_at=now)
    db.session.add(reply)
    db.session.execute(update(Post).where(Post.id == question.id)
                       .values(answers=Post.answers + 1))
    db.session.flush()
    tell_asker(reply, lesson_title, url)
    db.session.commit()
    return reply


def tell_asker(reply: Post, lesson_title: str, url: str) -> None:
    """The question's author hears of a reply (not their own) in the notification centre and
    by e-mail, once per reply: the mail goes only with a new notification (its unique key)."""
    question = db.session.get(Post, reply.parent_id)
    if question is None or question.user_id == reply.user_id:
        return
    author = db.session.scalar(select(User.name).where(User.id == reply.user_id)) or ""
    if inbox.notify(question.user_id, "post_reply", f"post:{reply.id}:reply", url=url,
                    author=author, lesson=lesson_title):
        notifications.post_reply(db.session.get(User, question.user_id), author, lesson_title,
                                 url)


def edit(user: User, post_id: int, body: str, now: datetime) -> Post:
    text = _clean_body(body)
    begin_write()
    post = _post_for(user, post_id, lock=True)
    if post.user_id != user.id or post.deleted:
        raise Forbidden("not_yours")
    post.body, post.body_html, post.edited_at = text, render_markdown(text).html, now
    db.session.commit()
    return post


def delete(user: User, post_id: int, now: datetime) -> Post:
    """The author (or a trainer) removes a post; its place in the thread stays, its text goes."""
    begin_write()
    post = _post_for(user, post_id, lock=True)
    if post.user_id != user.id and not moderates(user):
        raise Forbidden("not_yours")
    post.deleted, post.body, post.body_html, post.edited_at = True, "", "", now
    db.session.commit()
    return post


def moderate(user: User, post_id: int, action: str, now: datetime) -> Post:
    if not moderates(user):
        raise Forbidden("not_allowed")
    if action not in ACTIONS:
        raise Invalid("unknown_action", field="action")
    begin_write()
    post = _post_for(user, post_id, lock=True)
    if action in ("pin", "unpin"):
        if post.parent_id is not None:
            raise Invalid("only_questions", field="action")
        post.pinned = action == "pin"
    elif action in ("hide", "unhide"):
        post.hidden = action == "hide"
    else:
        if post.parent_id is None or post.deleted:
            raise Invalid("only_answers", field="action")
        previous = db.session.scalars(select(Post).where(
            Post.parent_id == post.parent_id, Post.accepted.is_(True), Post.id != post.id)).all()
        for old in previous:
            old.accepted = False
            points.reverse(f"answer:{old.id}", "accepted_answer_withdrawn", now)
        post.accepted = True
        points.earn(post.user_id, "accepted_answer", f"answer:{post.id}", now=now)
    db.session.commit()
    return post


@dataclass(frozen=True)
class Entry:
    post: Post
    author: str
    company: str | None


@dataclass(frozen=True)
class Thread:
    question: Entry
    answers: list[Entry]


@dataclass(frozen=True)
class Page:
    threads: list[Thread]
    page: int
    pages: int


def _entries(rows) -> list[Entry]:
    return [Entry(post, name, company) for post, name, company in rows]


def _with_authors(query):
    return (query.add_columns(User.name, Organization.name)
            .join(User, User.id == Post.user_id)
            .outerjoin(Organization, Organization.id == User.organization_id))


def lesson_page(user: User, course_slug: str, lesson_slug: str, page: int) -> Page:
    """One page of a lesson's questions (pinned first, newest next) with their answers:
    two queries whatever the page holds."""
    where = [Post.course_slug == course_slug, Post.lesson_slug == lesson_slug,
             Post.parent_id.is_(None), _visible(user)]
    total = db.session.scalar(select(func.count(Post.id)).where(*where))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    questions = db.session.execute(_with_authors(
        select(Post).where(*where).order_by(Post.pinned.desc(), Post.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))).all()
    ids = [q.id for q, _, _ in questions]
    answers: dict[int, list[Entry]] = {i: [] for i in ids}
    if ids:
        rows = db.session.execute(_with_authors(
            select(Post).where(Post.parent_id.in_(ids), _visible(user))
            .order_by(Post.accepted.desc(), Post.id))).all()
        for entry in _entries(rows):
            answers[entry.post.parent_id].append(entry)
    threads = [Thread(e, answers[e.post.id]) for e in _entries(questions)]
    return Page(threads, page, pages)


def unanswered(limit: int = 100) -> list[Entry]:
    """Questions no one has answered yet, oldest first (the trainers' queue)."""
    rows = db.session.execute(_with_authors(
        select(Post).where(Post.parent_id.is_(None), Post.answers == 0, Post.deleted.is_(False),
                           Post.hidden.is_(False)).order_by(Post.id).limit(limit))).all()
    return _entries(rows)


def faq(course_slug: str, query: str = "") -> list[tuple[Entry, Entry]]:
    """Public questions of a course with their accepted answer, optionally matching words."""
    answer_post = db.aliased(Post)
    stmt = (select(Post, answer_post).join(answer_post, and_(answer_post.parent_id == Post.id,
                                                             answer_post.accepted.is_(True),
                                                             answer_post.hidden.is_(False),
                                                             answer_post.deleted.is_(False)))
            .where(Post.course_slug == course_slug, Post.parent_id.is_(None),
                   Post.private.is_(False), Post.hidden.is_(False), Post.deleted.is_(False)))
    words = [w for w in query.split() if w][:5]
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Post.body.ilike(pattern, escape="\\"),
                              answer_post.body.ilike(pattern, escape="\\")))
    pairs = db.session.execute(stmt.order_by(Post.id.desc()).limit(200)).all()
    names = dict(db.session.execute(
        select(User.id, User.name).where(User.id.in_({p.user_id for pair in pairs for p in pair})))
        .all()) if pairs else {}
    return [(Entry(q, names.get(q.user_id, ""), None), Entry(a, names.get(a.user_id, ""), None))
            for q, a in pairs]
