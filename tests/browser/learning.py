"""Learning steps browser tests share: answer a quiz correctly from its file, take a quiz
through its pages, complete a level's courses (lessons over HTTP, check quizzes in the
browser) so that an exam the demo program guards can start."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from lms.content.quiz_questions import NumericAnswer, RegexAnswer
from lms.content.store import ContentStore
from tests.browser.conftest import click
from tests.live_server import Account, LiveServer

REPO = Path(__file__).resolve().parents[2]
STORE = ContentStore(REPO)
DONE_BUTTON = "form[action$='/done'] button[type=submit]"


def _answer_for(question) -> str:
    accepted = question.accepted[0]
    if isinstance(accepted, NumericAnswer):
        value = accepted.value
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(accepted, RegexAnswer):
        raise AssertionError(f"no literal answer for {question.id}")
    return accepted.text


def answer_correctly(page: Page, quiz_slug: str) -> None:
    quiz = STORE.quiz(quiz_slug)
    questions = {q.id: q for q in quiz.questions}
    served = page.locator("#attempt-form [name^='q-']").evaluate_all(
        "els => [...new Set(els.map(e => e.name))]")
    for name in served:
        question = questions[name[2:]]
        if question.choices:
            for choice in question.choices:
                if choice.correct:
                    page.locator(f"#{name}-{choice.id}").check()
        else:
            page.locator(f"#{name}").fill(_answer_for(question))


def take_quiz(page: Page, slug: str) -> None:
    """From the quiz page: start (through the confirmation when it asks), answer, submit."""
    begin = page.locator(f"main a[href$='/quizzes/{slug}/begin']")
    if begin.count():
        click(begin)
        expect(page.locator("#start-terms")).to_contain_text("残り")
        click(page.get_by_role("button", name="はい、今すぐ開始します"))
    else:
        click(page.locator(f"form[action$='/quizzes/{slug}/start'] button[type=submit]"))
    expect(page.locator("#attempt-form")).to_be_visible()
    answer_correctly(page, slug)
    click(page.locator("button[name=action][value=finish]"))
    click(page.locator("form[action$='/submit'] button[type=submit]"))
    expect(page.locator(".result__score")).to_be_visible()
    expect(page.locator(".result__status")).to_contain_text("合格")


def complete_courses(page: Page, live_server: LiveServer, account: Account, level: str) -> None:
    """Every course of ``level`` complete for ``account`` (signed in on ``page``): lessons
    marked done over HTTP as their buttons do, each course's check quiz passed in the page."""
    STORE.refresh(force=True)
    with live_server.http() as session:
        session.sign_in(account.email, account.password)
        for slug in STORE.program().certification(level).courses:
            course = STORE.course(slug)
            for lesson in course.lessons:
                lesson_page = f"/courses/{slug}/lessons/{lesson.slug}"
                done = session.post_form(f"{lesson_page}/done", page=lesson_page,
                                         allow_redirects=False)
                assert done.status_code in (302, 303), f"{lesson_page}: {done.status_code}"
            if course.quiz:
                page.goto(f"/quizzes/{course.quiz}")
                take_quiz(page, course.quiz)
