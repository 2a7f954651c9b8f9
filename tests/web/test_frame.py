"""The page frame's kept parts (lms/frame.py) never show one person's page to another.

The header, menu, footer and a lesson's body are rendered once per key and kept; these
tests change what the key is made of (role, language, counts, page, done-state) and
check that the very next page follows, and that what is about one person (name, form
tokens) is never kept.
"""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from lms.models import User
from tests.conftest import csrf_token, login, post_form

LESSON = "/courses/getting-started/lessons/welcome"
ADMIN_MENU = 'href="/admin/users"'
TRAINER_MENU = 'href="/grading"'


def menu_links(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="[^"]+">\s*<ul class="nav">(.*?)</ul>', html, re.S)
    assert nav, "no main menu"
    return re.findall(r'href="([^"]+)"', nav.group(1))


def current_links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"\s*aria-current="page"', html)


def test_menu_follows_a_role_change_at_once(client, make, db):
    admin = make.user("admin")
    login(client, admin)
    assert ADMIN_MENU in client.get("/my").get_data(as_text=True)
    db.session.get(User, admin.id).role = "trainer"
    db.session.commit()
    html = client.get("/my").get_data(as_text=True)
    assert ADMIN_MENU not in html and TRAINER_MENU in html
    db.session.get(User, admin.id).role = "learner"
    db.session.commit()
    html = client.get("/my").get_data(as_text=True)
    assert ADMIN_MENU not in html and TRAINER_MENU not in html
    assert menu_links(html) == ["/", "/my", "/certifications", "/leaderboard"]


def test_menu_words_follow_the_language(client, signed_in):
    signed_in("learner")
    japanese = client.get("/my").get_data(as_text=True)
    assert "マイ学習" in japanese and "My learning" not in japanese
    post_form(client, "/language", {"lang": "en", "next": "/my"})
    english = client.get("/my").get_data(as_text=True)
    assert "My learning" in english and "マイ学習" not in english
    assert '<html lang="en">' in english


def test_the_current_page_is_marked_in_the_menu(client, signed_in):
    signed_in("learner")
    assert current_links(client.get("/my").get_data(as_text=True)) == ["/my"]
    assert current_links(client.get("/certifications").get_data(as_text=True)) == [
        "/certifications"]
    assert current_links(client.get("/settings").get_data(as_text=True)) == []


def test_unread_count_is_shown_as_it_is_now(client, signed_in, db):
    user = signed_in("learner")
    assert "count-badge" not in client.get("/my").get_data(as_text=True)
    db.session.get(User, user.id).unread_notifications = 3
    db.session.commit()
    html = client.get("/my").get_data(as_text=True)
    assert html.count('<span class="count-badge">3<') == 2  # the menu toggle and the link
    db.session.get(User, user.id).unread_notifications = 0
    db.session.commit()
    assert "count-badge" not in client.get("/my").get_data(as_text=True)


def test_nothing_of_one_person_reaches_another(app, make, db):
    org = make.org()
    first, second = make.user("learner", org=org), make.user("learner", org=org)
    pages = {}
    for user in (first, second):
        client = app.test_client()
        login(client, user)
        pages[user.id] = (client, client.get(LESSON).get_data(as_text=True))
    (client_a, page_a), (client_b, page_b) = pages[first.id], pages[second.id]
    assert first.name in page_a and first.name not in page_b
    assert second.name in page_b and second.name not in page_a
    tokens_a = set(re.findall(r'name="csrf_token" value="([^"]+)"', page_a))
    tokens_b = set(re.findall(r'name="csrf_token" value="([^"]+)"', page_b))
    assert tokens_a and tokens_b and not tokens_a & tokens_b
    # Each page's own token is the one its session accepts (the lesson form posts).
    done = client_b.post(f"{LESSON}/done", data={"csrf_token": tokens_b.pop()})
    assert done.status_code == 302


def two_learners(app, make):
    """Two signed-in clients of two learners of one company."""
    org = make.org()
    clients = []
    for _ in range(2):
        client = app.test_client()
        login(client, make.user("learner", org=org))
        clients.append(client)
    return clients


def mark_done(client):
    return client.post(f"{LESSON}/done", data={"csrf_token": csrf_token(client, LESSON)})


def test_lesson_body_follows_the_done_state_per_person(app, make, db):
    client_a, client_b = two_learners(app, make)
    form = f'action="{LESSON}/done"'
    assert form in client_a.get(LESSON).get_data(as_text=True)
    assert mark_done(client_a).status_code == 302
    page_a = client_a.get(LESSON).get_data(as_text=True)
    assert form not in page_a and "tag--done" in page_a
    page_b = client_b.get(LESSON).get_data(as_text=True)
    assert form in page_b and "tag--done" not in page_b


def card_percent(html: str, course_slug: str) -> str:
    card = re.search(r'<li class="course-card">\s*<h4[^>]*><a href="/courses/' + course_slug
                     + r'">.*?</li>', html, re.S)
    assert card, f"no card for {course_slug}"
    return re.search(r'<progress max="100" value="(\d+)"', card.group(0)).group(1)


def test_home_course_listing_shows_each_persons_own_progress(app, make, db):
    client_a, client_b = two_learners(app, make)
    assert card_percent(client_a.get("/").get_data(as_text=True), "getting-started") == "0"
    assert mark_done(client_a).status_code == 302
    after = card_percent(client_a.get("/").get_data(as_text=True), "getting-started")
    assert after != "0"
    assert card_percent(client_b.get("/").get_data(as_text=True), "getting-started") == "0"
    # The second person catching up is shown the same card as the first, from the kept part.
    assert mark_done(client_b).status_code == 302
    assert card_percent(client_b.get("/").get_data(as_text=True), "getting-started") == after


# The lesson page as a whole is kept (lms/frame.py render_page), with the reader's own
# values filled in per request.

def kept_lesson(client) -> str:
    client.get(LESSON)  # a message flashed at sign-in is shown once, on a page not kept
    return client.get(LESSON).get_data(as_text=True)


def kept_pages(app) -> list:
    return [key for key in app.extensions["lms.frame"] if key[0] == "page"]


def test_a_kept_lesson_page_carries_each_readers_own_name_and_token(app, make, db):
    org = make.org()
    names = ['<b>Ann & "Co"</b>', "田中 花子"]
    readers = []
    for name in names:
        client = app.test_client()
        login(client, make.user("learner", org=org, name=name))
        readers.append((client, name, kept_lesson(client)))
    assert kept_pages(app), "the lesson page was not kept"
    tokens = []
    for client, name, page in readers:
        assert str(escape(name)) in page and name not in page.replace(str(escape(name)), "")
        assert all(str(escape(other)) not in page for other in names if other != name)
        assert "\ue000" not in page  # every slot filled
        found = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
        assert len(found) == 1
        tokens.append(found.pop())
    assert tokens[0] != tokens[1]
    for (client, _name, _page), token in zip(readers, tokens):
        assert client.post(f"{LESSON}/done", data={"csrf_token": token}).status_code == 302


def test_a_kept_lesson_page_follows_role_and_unread_count(app, client, make, db):
    user = make.user("learner", org=make.org())
    login(client, user)
    page = kept_lesson(client)
    assert 'href="/partners/"' not in page and "count-badge" not in page
    db.session.get(User, user.id).unread_notifications = 2
    db.session.commit()
    page = client.get(LESSON).get_data(as_text=True)
    assert page.count('<span class="count-badge">2<') == 2 and 'href="/partners/"' not in page
    db.session.get(User, user.id).role = "manager"
    db.session.commit()
    page = client.get(LESSON).get_data(as_text=True)
    assert 'href="/partners/"' in page and page.count('<span class="count-badge">2<') == 2


def test_flashed_messages_and_query_strings_are_never_kept(app, client, make, db):
    login(client, make.user("learner", org=make.org()))
    kept_lesson(client)
    assert mark_done(client).status_code == 302
    flashed = client.get(LESSON).get_data(as_text=True)
    assert 'class="flash flash--success"' in flashed
    assert 'class="flash' not in client.get(LESSON).get_data(as_text=True)
    before = len(kept_pages(app))
    page = client.get(f"{LESSON}?from=search").get_data(as_text=True)
    assert 'name="next" value="/courses/getting-started/lessons/welcome?from=search"' in page
    assert len(kept_pages(app)) == before


def test_a_kept_page_cannot_read_more_of_the_person_than_its_key(make, db):
    from lms.frame import _KeyedReader

    reader = _KeyedReader(make.user("learner", org=make.org()))
    assert reader.role == "learner" and reader.unread_notifications == 0
    with pytest.raises(AttributeError, match="current_user.email"):
        reader.email  # noqa: B018
