"""axe-core on every page a learner sees, in Japanese and English: no serious or critical violations."""

from __future__ import annotations

import pytest

from tests.a11y.tools import assert_accessible
from tests.live_server import ADMIN_PAGES, ANONYMOUS_PAGES, LEARNER_PAGES, LiveServer

LANGS = ["ja", "en"]


@pytest.fixture(scope="module")
def learner_states(browser, live_server: LiveServer):
    """Signed-in cookies of one fresh learner per language (signing in once per language)."""
    from tests.browser.conftest import sign_in

    states = {}
    for lang in LANGS:
        account = live_server.create_user()
        context = browser.new_context(base_url=live_server.url)
        page = sign_in(context.new_page(), account.email, account.password)
        if lang != "ja":
            page.locator("#lang-select").select_option(lang)
            page.locator(".lang-form button[type=submit]").click()
            page.wait_for_function(f"document.documentElement.lang === '{lang}'")
        states[lang] = context.storage_state()
        context.close()
    return states


def check(page, path: str, name: str, lang: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page, f"{name} ({lang})")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(ANONYMOUS_PAGES))
def test_signed_out_pages(new_context, name: str, lang: str):
    page = new_context(locale={"ja": "ja-JP", "en": "en-US"}[lang]).new_page()
    check(page, ANONYMOUS_PAGES[name], name, lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(LEARNER_PAGES))
def test_learner_pages(new_context, learner_states, name: str, lang: str):
    page = new_context(storage_state=learner_states[lang]).new_page()
    check(page, LEARNER_PAGES[name], name, lang)


@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_admin_pages(as_demo, name: str):
    check(as_demo("admin"), ADMIN_PAGES[name], name, "ja")


def test_sign_in_error_state(page):
    """The form as re-rendered with an error message is accessible too."""
    page.goto("/login")
    page.locator("#email").fill("nobody@example.com")
    page.locator("#password").fill("not the password")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("main").inner_text() != ""
    assert_accessible(page, "login with an error (ja)")
