"""Getting in, in a real browser, with the mail read from a real SMTP server: `lms serve`
delivers it through its own outbox worker (no test code sends anything).

forgot → reset → other sessions dead; invite → accept → signed in.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DEFAULT_TIMEOUT_MS, sign_in
from tests.live_server import DEMO_USERS, LiveServer
from tests.smtp_server import SmtpServer

NEW_PASSWORD = "ブラウザで選んだ新しいパスワード"


class MailingLiveServer(LiveServer):
    """The live server, with LMS_SMTP_URL pointing at the test's SMTP server."""

    def __init__(self, smtp_url: str):
        super().__init__(workers=1)
        self.smtp_url = smtp_url

    def env(self) -> dict[str, str]:
        return {**super().env(), "LMS_SMTP_URL": self.smtp_url}


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(smtp):
    server = MailingLiveServer(smtp.url)
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def context(browser: Browser, site):
    contexts = []

    def make():
        ctx = browser.new_context(base_url=site.url, locale="ja-JP",
                                  viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def local(url: str, site) -> str:
    return re.sub(r"^https?://[^/]+", site.url, url)


def test_forgot_reset_signs_in_and_ends_other_sessions(site, smtp, context):
    person = site.create_user("learner")
    elsewhere = sign_in(context(), person.email, person.password)
    elsewhere.goto("/settings")
    expect(elsewhere).to_have_url(re.compile(r"/settings$"))

    page = context()
    page.goto("/login")
    page.locator("a[href$='/password/forgot']").click()
    page.locator("#email").fill(person.email)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("メールを確認してください")

    link = smtp.mailbox.link(person.email, r"https?://\S+/password/reset/[\w-]+", timeout=30)
    page.goto(local(link, site))
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1, name="コース")).to_be_visible()
    expect(page.locator(".site-header")).to_contain_text(person.name)

    elsewhere.goto("/settings")  # the session from before the reset is over
    expect(elsewhere).to_have_url(re.compile(r"/login"))
    again = context()
    again.goto(local(link, site))  # the link worked once
    expect(again.get_by_role("heading", level=1)).to_have_text("このリンクは使えません")
    sign_in(context(), person.email, NEW_PASSWORD)


def test_invite_accept_signed_in_in_the_right_company(site, smtp, context):
    manager = sign_in(context(), DEMO_USERS["partner_manager"])
    manager.goto("/invitations")
    manager.locator("#email").fill("invited-browser@tokyo-si.example.com")
    manager.locator("#role").select_option("learner")
    manager.locator("form[action$='/invitations'] button[type=submit]").click()
    expect(manager.locator(".flash")).to_contain_text("invited-browser@tokyo-si.example.com")
    expect(manager.locator("table")).to_contain_text("invited-browser@tokyo-si.example.com")

    link = smtp.mailbox.link("invited-browser@tokyo-si.example.com",
                             r"https?://\S+/invite/[\w-]+", timeout=30)
    page = context()
    page.goto(local(link, site))
    expect(page.get_by_role("main")).to_contain_text("東京")
    page.locator("#name").fill("招待 花子")
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1, name="コース")).to_be_visible()
    expect(page.locator(".site-header")).to_contain_text("招待 花子")

    manager.goto("/partners/tokyo-si")
    expect(manager.get_by_role("main")).to_contain_text("招待 花子")


def test_sign_up_verify_and_land_in_the_company_owning_the_domain(site, smtp, context):
    site.lms("create-org", "--slug", "hokuriku", "--name", "北陸ソリューションズ株式会社",
             "--domain", "hokuriku.example.jp")
    page = context()
    page.goto("/login")
    page.locator("a[href$='/signup']").click()
    page.locator("#email").fill("yuki@hokuriku.example.jp")
    page.locator("#name").fill("北陸 由紀")
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("メールを確認してください")

    link = smtp.mailbox.link("yuki@hokuriku.example.jp", r"https?://\S+/signup/verify/[\w-]+",
                             timeout=30)
    page.goto(local(link, site))
    expect(page.get_by_role("heading", level=1, name="コース")).to_be_visible()
    expect(page.locator(".site-header")).to_contain_text("北陸 由紀")

    channel = sign_in(context(), DEMO_USERS["channel_manager"])
    channel.goto("/partners/hokuriku")
    expect(channel.get_by_role("main")).to_contain_text("北陸 由紀")
