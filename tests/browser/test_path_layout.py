"""The learner's path pages at phone and desktop widths, in Japanese and English: nothing
scrolls sideways. Screenshots go to LMS_SCREENSHOTS (a folder) when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.live_server import Account

PAGES = {
    "home": "/",
    "course": "/courses/koemoji-overview",
    "task-list-lesson": "/courses/koemoji-overview/lessons/value-and-roi",
    "guarded-exam": "/quizzes/bronze-exam",
    "confirm-start": "/quizzes/gold-exam/begin",
}


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_path_pages_fit_the_screen(as_user, learner: Account, width, locale):
    page = as_user(learner, locale=locale, viewport={"width": width, "height": 900})
    shots = os.environ.get("LMS_SCREENSHOTS")
    for name, path in PAGES.items():
        page.goto(path)   # layout check only; the journey test follows links
        expect(page.locator("main h1").first).to_be_visible()
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} at {width}px ({locale}) scrolls sideways by {overflow}px"
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/{name}-{locale[:2]}-{width}.png", full_page=True)
    page.goto(PAGES["task-list-lesson"])
    boxes = page.locator(".prose .task-list input[type=checkbox]")
    expect(boxes.first).to_be_disabled()
    assert boxes.count() >= 3
