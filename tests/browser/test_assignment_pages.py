"""Assignments in the browser, at phone and desktop widths, in Japanese and English: a
partner manager assigns a certification through the form, the learner sees it on the home
page with its due date, and no page scrolls sideways; on a phone the assignment tables are
stacked, each cell named by its column. Screenshots go to LMS_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import click

TEXT = {
    "ja-JP": {"assigned": "人に割り当てました", "yours": "あなたの課題", "due": "期限"},
    "en-US": {"assigned": "Assigned to 1 person.", "yours": "Your assignments", "due": "due on"},
}


def _fits(page, name: str, width: int, locale: str) -> None:
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
def test_assign_then_see_it_everywhere(as_user, live_server, width, locale):
    manager = live_server.create_user("manager")
    learner = live_server.create_user("learner")
    viewport = {"width": width, "height": 900}
    page = as_user(manager, locale=locale, viewport=viewport)
    page.goto("/partners/tokyo-si")
    click(page.locator("a[href='/partners/tokyo-si/assignments']"))
    _fits(page, "company-assignments", width, locale)
    due = date.today() + timedelta(days=20)
    page.locator("#target").select_option("certification:bronze")
    page.locator("#due_on").fill(due.isoformat())
    box = page.get_by_label(re.compile(re.escape(learner.email)))
    box.scroll_into_view_if_needed()
    box.check()
    click(page.locator("main form.assign-form button[type=submit]"))
    expect(page.locator(".flash--success")).to_contain_text(TEXT[locale]["assigned"])
    row = page.locator("table.assignments tbody tr", has_text=learner.email)
    expect(row).to_have_count(1)
    if width < 600:
        # Stacked: the header row is hidden and every cell says which column it is.
        expect(page.locator("table.assignments thead")).to_have_css("position", "absolute")
        cell = row.locator("td[data-label]").first
        table_width = page.locator("table.assignments").bounding_box()["width"]
        assert cell.bounding_box()["width"] >= table_width * 0.8
    _fits(page, "company-assignments-after", width, locale)
    page.goto("/partners/tokyo-si")
    _fits(page, "company", width, locale)
    page.goto("/partners/assignments?status=all")
    _fits(page, "assignments-list", width, locale)

    home = as_user(learner, locale=locale, viewport=viewport)
    home.goto("/")
    section = home.locator("section.assignments-home")
    expect(section.locator("h2")).to_have_text(TEXT[locale]["yours"])
    expect(section).to_contain_text(TEXT[locale]["due"])
    expect(section.locator("a").first).to_have_attribute("href", "/certifications")
    _fits(home, "home-assignments", width, locale)
