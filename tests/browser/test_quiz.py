"""A timed exam in the browser: answers autosave, a reload loses nothing and keeps the clock."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.a11y.tools import assert_accessible
from tests.browser.conftest import click
from tests.browser.learning import complete_courses

EXAM = "/quizzes/bronze-exam"
CHOICES = "input[type=radio], input[type=checkbox]"
CHOICE_QUESTIONS = "li.question:has(input[type=radio]), li.question:has(input[type=checkbox])"


def begin(page) -> None:
    """From the exam page through its confirmation (a limited exam asks first)."""
    click(page.locator("main a[href$='/quizzes/bronze-exam/begin']"))
    expect(page.locator("#start-terms")).to_contain_text("残り")
    click(page.get_by_role("button", name="はい、今すぐ開始します"))


def test_timed_exam_survives_a_reload_and_submits(as_user, learner, live_server):
    page = as_user(learner)
    complete_courses(page, live_server, learner, "bronze")  # the demo exam waits for them
    page.goto(EXAM)
    expect(page.locator("h1")).to_contain_text("Bronze")
    assert_accessible(page, "exam start page")
    begin(page)
    expect(page.locator("#attempt-form")).to_be_visible()
    assert re.search(r"/attempts/[0-9a-f]{32}$", page.url)

    timer = page.locator("#timer")
    deadline = timer.get_attribute("data-deadline")
    expect(page.locator("#timer-value")).to_have_text(re.compile(r"^(29|30):\d\d$"))
    assert_accessible(page, "exam attempt page")

    # Answer the first two questions; the autosave confirms without a page load.
    # Questions are drawn and shuffled per attempt: answer the first two choice questions.
    questions = page.locator(CHOICE_QUESTIONS)
    first_choice = questions.nth(0).locator(CHOICES).first
    first_choice.check()
    first_id = first_choice.get_attribute("id")
    questions.nth(1).locator(CHOICES).first.check()
    expect(page.locator("#save-state")).to_contain_text("保存しました", timeout=10_000)

    page.reload()
    expect(page.locator(f"#{first_id}")).to_be_checked()
    assert page.locator("#timer").get_attribute("data-deadline") == deadline  # clock kept
    expect(page.locator("#timer-value")).not_to_have_text("30:00")

    click(page.get_by_role("button", name="回答を終えて提出前の確認へ"))
    expect(page.locator("h1")).to_have_text("提出しますか？")
    expect(page.locator("main")).to_contain_text("問中 2 問に回答しています")
    assert_accessible(page, "exam confirmation page")
    click(page.get_by_role("button", name="提出する"))
    expect(page.locator(".result__score")).to_contain_text("%")
    expect(page.locator("main")).to_contain_text("不合格")
    assert_accessible(page, "exam result page")
    # The exam reviews answers only after a pass: nothing of the key is shown.
    expect(page.locator(".review-choices")).to_have_count(0)


def test_the_exam_works_without_javascript(as_user, learner, live_server):
    complete_courses(as_user(learner), live_server, learner, "bronze")
    page = as_user(learner, java_script_enabled=False)
    page.goto(EXAM)
    begin(page)
    page.wait_for_load_state()
    choice = page.locator(CHOICE_QUESTIONS).first.locator(CHOICES).first
    choice_id = choice.get_attribute("id")
    choice.check()
    click(page.get_by_role("button", name="回答を保存"))
    page.wait_for_load_state()
    expect(page.locator(".flashes")).to_contain_text("回答を保存しました")
    expect(page.locator(f"#{choice_id}")).to_be_checked()
    click(page.get_by_role("button", name="回答を終えて提出前の確認へ"))
    page.wait_for_load_state()
    click(page.get_by_role("button", name="提出する"))
    page.wait_for_load_state()
    expect(page.locator(".result__score")).to_contain_text("%")
