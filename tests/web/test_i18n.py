"""Two languages: Japanese by default, English on request; every string translated."""

from __future__ import annotations

import gettext
import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import select

from lms.models import User
from tests.conftest import csrf_token, login, post_form
from tests.web.helpers import REPO_ROOT

PO = REPO_ROOT / "lms/translations/ja/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
# As in `pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "no lang attribute"
    return match.group(1)


# -- choosing the language ------------------------------------------------------------


def test_japanese_by_default(client):
    response = client.get("/login")
    assert html_lang(response) == "ja"
    html = response.get_data(as_text=True)
    assert "パートナーアカデミー" in html and "パスワード" in html
    assert "Password" not in html


def test_english_through_accept_language(client):
    response = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert html_lang(response) == "en"
    html = response.get_data(as_text=True)
    assert "Partner Academy" in html and "Password" in html
    assert "パスワード" not in html


def test_unsupported_languages_fall_back_to_japanese(client):
    for header in ("fr-FR,fr;q=0.9", "de", "*"):
        assert html_lang(client.get("/login", headers={"Accept-Language": header})) == "ja"
    assert html_lang(client.get("/login", headers={"Accept-Language": "fr, en;q=0.5"})) == "en"


def test_language_switch_for_a_visitor(client):
    response = client.post("/language", data={"lang": "en", "next": "/login",
                                              "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    # The switch outranks the browser's preference.
    response = client.get("/login", headers={"Accept-Language": "ja"})
    assert html_lang(response) == "en" and "Sign in" in response.get_data(as_text=True)
    client.post("/language", data={"lang": "ja", "csrf_token": csrf_token(client)})
    assert html_lang(client.get("/login")) == "ja"


def test_language_switch_needs_csrf_and_a_known_language(client):
    assert client.post("/language", data={"lang": "en"}).status_code == 400
    response = client.post("/language", data={"lang": "xx", "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert html_lang(client.get("/login")) == "ja"


def test_language_switch_refuses_an_offsite_next(client):
    response = client.post("/language", data={"lang": "en", "next": "//evil.example/",
                                              "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_signed_in_switch_is_saved_to_the_user(client, signed_in, db):
    user = signed_in("learner")
    response = post_form(client, "/language", {"lang": "en", "next": "/my"}, page="/my")
    assert response.headers["Location"].endswith("/my")
    assert db.session.get(User, user.id).locale == "en"
    page = client.get("/my", headers={"Accept-Language": "ja"})
    assert html_lang(page) == "en" and "My learning" in page.get_data(as_text=True)


def test_the_users_setting_wins_over_the_browser(app, make, db):
    user = make.user("learner", org=make.org(), locale="en")
    browser = app.test_client()
    login(browser, user)
    page = browser.get("/", headers={"Accept-Language": "ja"})
    assert html_lang(page) == "en" and "Courses" in page.get_data(as_text=True)
    # ...and the setting is changed on the settings page.
    post_form(browser, "/settings/preferences", {"locale": "ja", "timezone": "Asia/Tokyo"})
    assert db.session.scalar(select(User.locale).where(User.id == user.id)) == "ja"
    page = browser.get("/", headers={"Accept-Language": "en"})
    assert html_lang(page) == "ja" and "コース" in page.get_data(as_text=True)


def test_english_pages_show_english_content_chrome(client, signed_in):
    signed_in("learner", locale="en")
    html = client.get("/courses/getting-started/lessons/welcome").get_data(as_text=True)
    assert "Mark as done and continue" in html and "Contents" in html
    assert "完了" not in html
    # Course content stays in the language it was written in.
    assert "ようこそ" in html


# -- the catalog is complete and compiled ---------------------------------------------


def extracted_messages() -> dict[str, str]:
    """msgid -> first file using it, extracted as pybabel does with babel.cfg."""
    with open(REPO_ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(REPO_ROOT), method_map, options_map, keywords=KEYWORDS):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, filename)
    return found


def test_every_ui_string_has_a_japanese_translation():
    with open(PO, "rb") as fh:
        catalog = read_po(fh, locale="ja")
    messages = extracted_messages()
    assert len(messages) > 100 and "Partner Academy" in messages
    missing = []
    for msgid, filename in sorted(messages.items(), key=lambda item: (item[1], item[0])):
        entry = catalog.get(msgid)
        strings = [] if entry is None else (
            [entry.string] if isinstance(entry.string, str) else list(entry.string))
        if not strings or not all(s.strip() for s in strings) or (entry and entry.fuzzy):
            missing.append(f"{filename}: {msgid!r}")
    assert missing == [], f"{len(missing)} untranslated string(s)"


def test_translations_keep_their_placeholders():
    with open(PO, "rb") as fh:
        catalog = read_po(fh, locale="ja")
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []


def test_compiled_catalog_matches_the_po_file():
    """Compare the translations, not the bytes: the header (tool version, dates) is not meaning."""
    with open(PO, "rb") as fh:
        catalog = read_po(fh, locale="ja")
    with open(MO, "rb") as fh:
        shipped = gettext.GNUTranslations(fh)._catalog
    expected = {
        message.id: message.string
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }
    shipped_messages = {key: value for key, value in shipped.items() if key != ""}
    # Plural entries are keyed (msgid, n) in the compiled catalog; flatten both the same way.
    flat_expected = {}
    for key, value in expected.items():
        if isinstance(key, tuple):
            for n, form in enumerate(value):
                flat_expected[(key[0], n)] = form
        else:
            flat_expected[key] = value
    assert shipped_messages == flat_expected, (
        "messages.mo is stale: run `.venv/bin/pybabel compile -d lms/translations -l ja`")


def test_lazy_strings_follow_the_request_and_force_locale(app):
    from flask_babel import force_locale

    from lms.i18n import lazy_gettext

    text = lazy_gettext("My learning")
    counted = lazy_gettext("%(num)d unread", num=3)
    with app.test_request_context("/", headers={"Accept-Language": "ja"}):
        assert str(text) == "マイ学習"
        with force_locale("en"):  # an e-mail in its recipient's language
            assert str(text) == "My learning" and str(counted) == "3 unread"
        assert str(text) == "マイ学習"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert str(text) == "My learning"
