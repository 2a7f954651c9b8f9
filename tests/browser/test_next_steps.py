"""A new learner follows only "next step" links from the home page to Bronze certification.

After signing in, the learner never types a URL: every page is reached by a link or button
the site offers as the next thing to do (the home page's first step, a course's start
button, "mark as done and continue", the last lesson's quiz link, the quiz's start and
confirmation, the result page's next step). The practical assessment is signed off by a
trainer in another session, as it would be in reality.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import click
from tests.browser.learning import DONE_BUTTON, take_quiz
from tests.live_server import DEMO_USERS, Account

def sign_off_practical(live_server, learner: Account) -> None:
    trainer = live_server.http()
    trainer.sign_in(DEMO_USERS["trainer"])
    people = trainer.get("/certifications/people", params={"q": learner.email}).text
    user_id = re.search(r'href="/users/(\d+)/certifications"', people).group(1)
    person = f"/users/{user_id}/certifications"
    done = trainer.post_form(f"/users/{user_id}/signoffs",
                             {"certification": "bronze", "requirement": "practical"},
                             page=person, allow_redirects=False)
    assert done.status_code == 302


def test_a_new_learner_reaches_bronze_by_next_step_links_only(page: Page, learner: Account,
                                                               live_server):
    page.goto("/login")
    page.get_by_label("メールアドレス").fill(learner.email)
    page.get_by_label("パスワード").fill(learner.password)
    page.get_by_role("button", name="サインイン").click()
    expect(page.get_by_role("heading", name=re.compile("Bronze 認定 への次のステップ"))).to_be_visible()

    kinds_seen = []
    for _ in range(80):
        if "/certifications" in page.url:              # the practical: a trainer signs off
            kinds_seen.append("practical")
            sign_off_practical(live_server, learner)
            click(page.locator("a.brand"))
            break
        nxt = page.locator("[data-step=next]").first
        if "/lessons/" in page.url:
            done = page.locator(DONE_BUTTON)
            if done.count():
                click(done)
                page.wait_for_load_state()
                continue
            click(page.locator("[data-step=quiz]"))
            continue
        quiz = re.search(r"/quizzes/([a-z0-9-]+)$", page.url)
        if quiz:
            kinds_seen.append(quiz.group(1))
            take_quiz(page, quiz.group(1))
            continue
        if nxt.count() == 0:
            click(page.locator("a.brand"))             # home, by the header's link
            nxt = page.locator("[data-step=next]").first
        click(nxt)
        page.wait_for_load_state()
    else:
        raise AssertionError(f"never reached the practical; at {page.url}")

    assert kinds_seen == ["koemoji-overview-check", "partner-program-check",
                          "sales-basics-check", "bronze-exam", "practical"]
    # Home: Bronze is held, the path now leads toward Silver.
    expect(page.get_by_role("heading", name=re.compile("Silver 認定 への次のステップ"))).to_be_visible()
    click(page.locator(".site-header nav a[href='/certifications']"))
    expect(page.locator("#level-bronze")).to_be_visible()
    expect(page.locator(".certificate-link, main a[href^='/certificates/']").first).to_be_visible()
