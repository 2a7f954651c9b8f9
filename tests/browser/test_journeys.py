"""What a learner does in a real browser: sign in, study a Bronze lesson, switch language, use the keyboard."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import click, sign_in
from tests.live_server import BRONZE_COURSE, Account

COURSE_TITLE = "Koemoji 製品概要"
DONE_BUTTON = "form[action$='/done'] button[type=submit]"  # "完了にする" / "完了にして次へ"


def test_learner_studies_a_bronze_lesson_and_sees_progress(page: Page, learner: Account):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))  # signed out: sent to sign in
    page.get_by_label("メールアドレス").fill(learner.email)
    page.get_by_label("パスワード").fill(learner.password)
    page.get_by_role("button", name="サインイン").click()

    # The catalog, grouped by level, with the learner's name in the header.
    expect(page.get_by_role("heading", level=1, name="コース")).to_be_visible()
    expect(page.get_by_role("heading", name="Bronze 認定", exact=True)).to_be_visible()
    expect(page.locator(".site-header")).to_contain_text(learner.name)
    page.locator(".course-card").get_by_role("link", name=COURSE_TITLE).click()  # from the catalog

    expect(page.get_by_role("heading", level=1, name=COURSE_TITLE)).to_be_visible()
    expect(page.locator(".progress__text").first).to_have_text("0%")
    lessons = page.locator(".lesson-list__item")
    lesson_count = lessons.count()
    assert lesson_count >= 2
    first_title = lessons.first.get_by_role("link").inner_text()
    lessons.first.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1, name=first_title)).to_be_visible()
    expect(page.get_by_text(f"レッスン 1 / {lesson_count}")).to_be_visible()
    done_button = page.locator(DONE_BUTTON)
    expect(done_button).to_have_text(re.compile("^完了に"))
    click(done_button)

    # "Mark as done and continue": on to lesson 2, with a confirmation.
    expect(page.get_by_role("status")).to_contain_text("レッスンを完了にしました。")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(first_title)

    page.get_by_role("navigation", name="パンくずリスト").get_by_role("link", name=COURSE_TITLE).click()
    first = page.locator(".lesson-list__item").first
    expect(first).to_contain_text("完了")
    # Lessons plus the course quiz are the steps: one of them is done.
    expect(page.locator(".progress__text").first).to_have_text(f"{round(100 / (lesson_count + 1))}%")

    page.get_by_role("link", name="マイ学習").click()
    in_progress = page.locator("section", has=page.get_by_role("heading", name="受講中"))
    expect(in_progress).to_contain_text(COURSE_TITLE)
    expect(in_progress).to_contain_text(f"{lesson_count} レッスン中 1 完了")


def test_language_switches_to_english_and_back(as_user, learner: Account):
    page = as_user(learner)
    page.goto(f"/courses/{BRONZE_COURSE}")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ja")
    nav = page.get_by_role("navigation", name=re.compile("メイン|Main"))
    expect(nav.get_by_role("link", name="コース")).to_be_visible()

    page.locator("#lang-select").select_option("en")
    page.get_by_role("button", name="言語を切り替え").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/courses/{BRONZE_COURSE}$"))  # same page, new language
    expect(nav.get_by_role("link", name="Courses")).to_be_visible()
    expect(nav.get_by_role("link", name="My learning")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # The choice is the learner's: it holds on other pages too.
    page.goto("/settings")
    expect(page.get_by_role("heading", level=1, name="Settings")).to_be_visible()

    page.locator("#lang-select").select_option("ja")
    page.get_by_role("button", name="Change language").click()
    expect(html).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1, name="設定")).to_be_visible()
    expect(nav.get_by_role("link", name="コース")).to_be_visible()


def focused(page: Page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const box = el.getBoundingClientRect();
        return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'),
                cls: el.className, text: (el.innerText || el.value || '').trim(),
                visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
                         && box.top < window.innerHeight && box.left < window.innerWidth};
    }""")


def tab_until(page: Page, matches, limit: int = 40) -> dict:
    """Press Tab until the focused element matches; every stop must be visible."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append(now)
        assert now["visible"], f"keyboard focus went to an invisible element: {now}"
        if matches(now):
            return now
    raise AssertionError("never reached by Tab; stops were:\n" + "\n".join(map(str, seen)))


def test_keyboard_only_sign_in_and_study(page: Page, learner: Account):
    page.goto("/login")
    # The first Tab lands on the skip link, which shows itself when focused.
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["tag"] == "a" and "skip-link" in first["cls"], first
    assert first["visible"], "the skip link stays off screen when focused"
    assert first["text"] == "本文へスキップ"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main", "the skip link does not move focus to the main content"

    # From the main content, the next stops are the sign-in form's fields.
    assert tab_until(page, lambda el: el["id"] == "email", limit=3)
    page.keyboard.type(learner.email)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(learner.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="コース")).to_be_visible()

    # The header navigation works from the keyboard.
    tab_until(page, lambda el: el["text"] == "マイ学習")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="マイ学習")).to_be_visible()

    # Open a lesson and mark it done with the keyboard alone.
    page.goto(f"/courses/{BRONZE_COURSE}")
    tab_until(page, lambda el: el["tag"] == "a" and page.evaluate(
        "() => !!document.activeElement.closest('.lesson-list')"), limit=120)
    page.keyboard.press("Enter")
    expect(page.locator(DONE_BUTTON)).to_have_text(re.compile("^完了に"))
    tab_until(page, lambda el: el["tag"] == "button" and el["text"].startswith("完了に"), limit=200)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("レッスンを完了にしました。")


def test_the_pages_run_under_the_real_content_security_policy(new_context, learner: Account):
    """No CSP bypass here: the site's own policy must not block anything it serves."""
    page = new_context(bypass_csp=False).new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: violations.append(f"script error: {exc}"))
    sign_in(page, learner.email, learner.password)
    for path in ["/", f"/courses/{BRONZE_COURSE}", f"/courses/{BRONZE_COURSE}/lessons/what-is-koemoji",
                 "/my", "/settings"]:
        page.goto(path)
        page.wait_for_load_state("load")
        # The stylesheet applied: the skip link waits off screen until focused.
        assert page.evaluate(
            "() => document.querySelector('.skip-link').getBoundingClientRect().right <= 0"), path
    assert not violations, "\n".join(violations)
