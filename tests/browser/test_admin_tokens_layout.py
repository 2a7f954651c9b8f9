"""The admin's user and company pages with tokens, at phone and desktop widths: a token is
shown once after its form, listed by name, revocable; nothing scrolls sideways.
Screenshots go to LMS_SCREENSHOTS (a folder) when it is set."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import click
from tests.live_server import DEMO_USERS, LiveServer


def fits(page, name: str, width: int, locale: str) -> None:
    expect(page.locator("main h1").first).to_be_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} at {width}px ({locale}) scrolls sideways by {overflow}px"
    shots = os.environ.get("LMS_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/{name}-{locale[:2]}-{width}.png", full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_tokens_on_the_user_and_company_pages(as_demo, live_server: LiveServer, width, locale):
    slug = f"co-{uuid.uuid4().hex[:8]}"
    live_server.lms("create-org", "--slug", slug, "--name", "株式会社テスト情報システム開発")
    person = live_server.create_user(org=slug)
    with live_server.http() as admin:
        admin.sign_in(DEMO_USERS["admin"])
        user_id = admin.user_id(person.email)
    # The browser's language, not the demo admin's saved setting: demo users are shared by
    # every test (the words-not-codes crawler reads the admin's pages in Japanese).
    page = as_demo("admin", locale=locale, viewport={"width": width, "height": 900},
                   extra_http_headers={"Accept-Language": locale[:2]})

    page.goto(f"/admin/users/{user_id}")
    page.locator("#token-name").fill("CRM 連携")
    click(page.locator("form[action$='/tokens'] button[type=submit]"))
    token = page.locator("#token").input_value()
    assert token.startswith("pa_")
    fits(page, "admin-token-shown", width, locale)
    page.reload()
    expect(page.locator("#token")).to_have_count(0)     # shown once
    page.goto(f"/admin/users/{user_id}")
    expect(page.get_by_role("row", name="CRM 連携")).to_have_count(1)
    fits(page, "admin-user-tokens", width, locale)
    click(page.get_by_role("row", name="CRM 連携").locator("button"))
    expect(page.locator(".tag--bad")).to_have_count(1)

    page.goto(f"/admin/organizations/{slug}")
    page.locator("#token-name").fill("Okta")
    click(page.locator("form[action$='/scim-tokens'] button[type=submit]"))
    assert page.locator("#token").input_value().startswith("scim_")
    page.goto(f"/admin/organizations/{slug}")
    expect(page.get_by_role("row", name="Okta")).to_have_count(1)
    fits(page, "admin-company", width, locale)
    page.goto("/admin/organizations")
    fits(page, "admin-companies", width, locale)
