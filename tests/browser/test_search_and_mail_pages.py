"""Search from the header and the e-mail choices, at phone and desktop widths, in Japanese
and English: the box works, matches are marked, nothing scrolls sideways. Screenshots go to
LMS_SCREENSHOTS (a folder) when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import click, open_menu
from tests.live_server import Account


def fits(page, name, width, locale):
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} at {width}px ({locale}) scrolls sideways by {overflow}px"
    shots = os.environ.get("LMS_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/{name}-{locale[:2]}-{width}.png", full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_search_from_the_header_and_mail_choices(as_user, learner: Account, width, locale):
    page = as_user(learner, locale=locale, viewport={"width": width, "height": 900})
    page.goto("/")
    open_menu(page)
    page.locator("#header-search-q").fill("音声認識")
    click(page.locator(".header-search button"))
    page.wait_for_url("**/search?q=*")
    expect(page.locator(".search-result mark").first).to_have_text("音声認識")
    fits(page, "search", width, locale)
    click(page.locator(".search-result__title a").first)
    expect(page.locator("main h1").first).to_be_visible()
    assert "/courses/" in page.url

    page.goto("/settings")
    box = page.locator("#mail-post_reply")
    expect(box).to_be_checked()
    box.uncheck()
    click(page.locator("form[action='/settings/mail'] button[type=submit]"))
    page.wait_for_load_state()
    expect(page.locator("#mail-post_reply")).not_to_be_checked()
    expect(page.locator("#mail-awarded")).to_be_checked()
    fits(page, "settings", width, locale)
