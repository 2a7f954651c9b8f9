"""The page frame's menu is kept per (language, role, page), never per person, and still
follows a change of role or language on the very next request (SECURITY 9)."""

from __future__ import annotations

from lms.frame import CACHE
from lms.models import User
from tests.conftest import login

ADMIN_LINK = 'href="/admin/users"'
GRADING_LINK = 'href="/grading"'


def nav(html: str) -> str:
    return html.split('<ul class="nav">', 1)[1].split("</ul>", 1)[0]


def test_the_menu_is_kept_per_language_and_role_not_per_person(app, make):
    app.extensions[CACHE].clear()
    org = make.org()
    pages = []
    for _ in range(4):
        client = app.test_client()
        login(client, make.user("learner", org=org))
        pages.append(client.get("/my").get_data(as_text=True))
    assert len({nav(page) for page in pages}) == 1
    assert 'href="/my" aria-current="page"' in pages[0]
    kept = [key for key in app.extensions[CACHE] if key[0] == "nav_learning"]
    assert len(kept) == 1  # four people, one language, one page: rendered once


def test_a_demoted_admin_loses_the_admin_menu_on_the_next_page(client, make, db):
    admin = make.user("admin")
    login(client, admin)
    assert ADMIN_LINK in nav(client.get("/my").get_data(as_text=True))
    db.session.get(User, admin.id).role = "trainer"
    db.session.commit()
    menu = nav(client.get("/my").get_data(as_text=True))
    assert ADMIN_LINK not in menu and GRADING_LINK in menu
    db.session.get(User, admin.id).role = "learner"
    db.session.commit()
    menu = nav(client.get("/my").get_data(as_text=True))
    assert ADMIN_LINK not in menu and GRADING_LINK not in menu


def test_each_person_gets_the_menu_in_their_own_language(app, make):
    org = make.org()
    japanese, english = app.test_client(), app.test_client()
    login(japanese, make.user("manager", org=org, locale="ja"))
    login(english, make.user("manager", org=org, locale="en"))
    for _ in range(2):  # the second time from what was kept
        ja = japanese.get("/my").get_data(as_text=True)
        en = english.get("/my").get_data(as_text=True)
        assert "マイ学習" in nav(ja)
        assert "My learning" in nav(en) and "My company" in nav(en)
        assert "My learning" not in nav(ja)
        assert '<option value="en" lang="en" selected>' in en
        assert '<option value="ja" lang="ja" selected>' in ja
