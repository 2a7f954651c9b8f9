"""Browser tests: Playwright (sync API) driving Debian's chromium against the live server.

Fixtures for any browser test (quizzes, certifications, partner dashboards…):

    live_server        the running app (tests/live_server.py): .url, .create_user(), .http()
    browser            one chromium for the session (/usr/bin/chromium, or LMS_TEST_CHROMIUM)
    new_context(...)   a fresh context (own cookies) on the live server; closed after the test
    page               a page in a fresh, signed-out context
    learner            a fresh learner account (Account: email, password, name) in tokyo-si
    as_user(account)   a page signed in through the real sign-in form as that account
    as_demo(key)       the same for a demo user: "admin", "trainer", "channel_manager", …
                       (see DEMO_USERS); demo users are shared: don't change their state
    click(locator)     scroll into view, then click (see its docstring: use it below the fold)

Contexts bypass the site's CSP so axe-core can be injected (tests/a11y/tools.py);
pass `bypass_csp=False` to new_context() to test under the real policy. Requests
to any other origin are answered locally: the tests never touch the network beyond the
live server (lessons embed YouTube players): they get an empty page.

Nothing here skips: a missing browser, Playwright or node_modules is a failure
that says how to install it (`bash tests/run.sh` installs everything).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.live_server import DEMO_PASSWORD, DEMO_USERS, Account, LiveServer, live_server  # noqa: F401

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError as exc:  # collected as an error, never a skip
    raise ImportError("the Python `playwright` package is missing: run `bash tests/run.sh` "
                      "(pip install -e '.[test]')") from exc

CHROMIUM = os.environ.get("LMS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DEFAULT_TIMEOUT_MS = 15_000

expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `bash tests/run.sh` (installs it with "
                    "apt-get) or `apt-get install -y chromium fonts-noto-cjk`; LMS_TEST_CHROMIUM "
                    "names another binary", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    headless=True)
        yield browser
        browser.close()


def _offline(route) -> None:
    """Answer for every other origin (the lessons' YouTube players) with an empty page.

    Not route.abort(): with a frame whose load failed, headless chromium dropped
    mouse clicks on the page now and then in our runs.
    """
    route.fulfill(status=200, content_type="text/html",
                  body="<!doctype html><title>offline in tests</title>")


@pytest.fixture()
def new_context(browser: Browser, live_server: LiveServer):  # noqa: F811
    contexts = []
    origin = live_server.url

    def make(**options):
        options = {"base_url": origin, "bypass_csp": True, "locale": "ja-JP",
                   "viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.route(re.compile(r"^(?!" + re.escape(origin) + r"/)"), _offline)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture()
def page(new_context) -> Page:
    return new_context().new_page()


@pytest.fixture()
def learner(live_server: LiveServer) -> Account:  # noqa: F811
    return live_server.create_user("learner")


def click(locator) -> None:
    """Scroll, then click. Debian's chromium is newer than the build Playwright targets;
    a plain .click() on an element below the fold sometimes lands nowhere (no submit,
    no error). Use this for buttons that may be off screen."""
    locator.scroll_into_view_if_needed()
    locator.click()


def open_menu(page: Page) -> None:
    """On a phone the header's links, search and language form sit behind the menu button:
    open it, as a person taps it (nothing to do on a wide screen)."""
    toggle = page.locator("summary.site-menu__toggle")
    if toggle.is_visible() and page.locator("details.site-menu").get_attribute("open") is None:
        toggle.click()


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> Page:
    """Sign in through the form, as a person does; ends on the page after sign-in."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert not page.url.split("?")[0].endswith("/login"), f"sign-in as {email} failed: {page.url}"
    return page


@pytest.fixture()
def as_user(new_context):
    def open_as(account: Account, **context_options) -> Page:
        page = new_context(**context_options).new_page()
        return sign_in(page, account.email, account.password)

    return open_as


@pytest.fixture()
def as_demo(new_context):
    def open_as(key: str, **context_options) -> Page:
        page = new_context(**context_options).new_page()
        return sign_in(page, DEMO_USERS[key])

    return open_as
