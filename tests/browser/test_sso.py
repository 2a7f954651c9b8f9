"""Single sign-on in a real browser against real OpenID providers: two `oidc-provider`
processes (tests/oidc_provider.mjs), each serving one company's e-mail domain, and an
`lms serve` configured with both through LMS_OIDC_PROVIDERS.

First sign-in makes the learner in the company owning the domain, the second finds the same
account; a provider signing in an address of another company's domain is refused.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from lms.config import REPO_ROOT, database_url
from tests.a11y.tools import assert_accessible, assert_valid_html
from tests.browser.conftest import DEFAULT_TIMEOUT_MS
from tests.live_server import LiveServer, free_port

NODE_SCRIPT = Path(__file__).resolve().parent.parent / "oidc_provider.mjs"
IDPS = {
    "alpha": {"label": "Alpha IdP", "domain": "alpha.example",
              "accounts": {"hanako": {"email": "Hanako@alpha.example", "email_verified": True,
                                      "name": "アルファ 花子"}}},
    "beta": {"label": "Beta IdP", "domain": "beta.example",
             # Beta's directory vouches for an address of Alpha's domain: never let in.
             "accounts": {"intruder": {"email": "taro@alpha.example", "email_verified": True,
                                       "name": "Intruder"}}},
}


class SSOLiveServer(LiveServer):
    def __init__(self, providers: list[dict]):
        super().__init__(workers=1)
        self.providers = providers

    def env(self) -> dict[str, str]:
        return {**super().env(), "LMS_OIDC_PROVIDERS": json.dumps(self.providers)}


def start_idp(port: int, client_id: str, redirect_uri: str, accounts: dict) -> subprocess.Popen:
    config = {"port": port, "accounts": accounts,
              "clients": [{"client_id": client_id, "client_secret": f"{client_id}-secret",
                           "redirect_uris": [redirect_uri]}]}
    process = subprocess.Popen(["node", str(NODE_SCRIPT), json.dumps(config)], cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if not line.startswith("ready "):
        process.kill()
        process.wait()
        process.stdout.close()
        pytest.fail("the OpenID provider did not start (node_modules: bash tests/run.sh): "
                    f"{line!r}", pytrace=False)
    return process


@pytest.fixture(scope="module")
def sso_server():
    ports = {name: free_port() for name in IDPS}
    providers = [{"name": name, "label": idp["label"], "issuer": f"http://127.0.0.1:{ports[name]}",
                  "client_id": f"academy-{name}", "client_secret": f"academy-{name}-secret",
                  "domains": [idp["domain"]]} for name, idp in IDPS.items()]
    server = SSOLiveServer(providers)
    idps: list[subprocess.Popen] = []
    try:
        server.start()
        server.lms("create-org", "--slug", "alpha-si", "--name", "Alpha SI",
                   "--domain", "alpha.example")
        server.lms("create-org", "--slug", "beta-si", "--name", "Beta SI",
                   "--domain", "beta.example")
        for name, idp in IDPS.items():
            idps.append(start_idp(ports[name], f"academy-{name}",
                                  f"{server.url}/login/sso/{name}/callback", idp["accounts"]))
        yield server
    finally:
        for process in idps:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()
        server.stop()


def people(server: LiveServer, email: str) -> list[tuple[int, str, str]]:
    engine = create_engine(database_url(server.database_url, ""))
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(
                "SELECT users.id, organizations.slug, users.role FROM users "
                "JOIN organizations ON organizations.id = users.organization_id "
                "WHERE users.email = :email"), {"email": email})]
    finally:
        engine.dispose()


def fresh_page(browser: Browser, server: LiveServer, **options) -> Page:
    context = browser.new_context(base_url=server.url, locale="ja-JP", **options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    # The provider's page imports a web font: nothing beyond this machine is fetched.
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:)"),
                  lambda route: route.fulfill(status=200, body=""))
    return context.new_page()


def sign_in_at_provider(page: Page, server: LiveServer, login: str) -> None:
    """The provider's development sign-in form, then its consent page if it asks."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    deadline = time.monotonic() + DEFAULT_TIMEOUT_MS / 1000
    while not page.url.startswith(server.url):
        consent = page.get_by_role("button", name="Continue")
        if consent.count():
            consent.click()
        assert time.monotonic() < deadline, f"stuck at the provider: {page.url}"
        page.wait_for_timeout(100)
    page.wait_for_load_state()


def test_first_sign_in_makes_the_account_and_the_second_finds_it(sso_server, browser):
    page = fresh_page(browser, sso_server)
    page.goto("/login")
    page.get_by_role("button", name=re.compile("Alpha IdP")).click()
    sign_in_at_provider(page, sso_server, "hanako")
    expect(page).not_to_have_url(re.compile(r"/login"))
    expect(page.get_by_text("アルファ 花子").first).to_be_visible()
    first = people(sso_server, "hanako@alpha.example")
    assert [(slug, role) for _id, slug, role in first] == [("alpha-si", "learner")]
    page.context.close()

    # Another browser, through "your company address": the domain picks Alpha's provider.
    page = fresh_page(browser, sso_server)
    page.goto("/login")
    page.get_by_label("会社のメールアドレス").fill("hanako@alpha.example")
    page.get_by_role("button", name="会社のアカウントで続ける").click()
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/"))
    assert not page.url.startswith(sso_server.url)
    sign_in_at_provider(page, sso_server, "hanako")
    expect(page.get_by_text("アルファ 花子").first).to_be_visible()
    assert people(sso_server, "hanako@alpha.example") == first
    page.context.close()


def test_a_provider_signing_in_another_domain_is_refused(sso_server, browser):
    page = fresh_page(browser, sso_server)
    page.goto("/login")
    page.get_by_role("button", name=re.compile("Beta IdP")).click()
    with page.expect_response(re.compile(r"/login/sso/beta/callback")) as answer:
        sign_in_at_provider(page, sso_server, "intruder")
    assert answer.value.status == 403
    expect(page.get_by_role("alert")).to_contain_text("このサインインサービス")
    assert people(sso_server, "taro@alpha.example") == []
    page.goto("/settings")
    expect(page).to_have_url(re.compile(r"/login"))  # not signed in
    page.context.close()


def test_an_address_no_provider_serves_stays_on_the_sign_in_page(sso_server, browser):
    page = fresh_page(browser, sso_server)
    page.goto("/login")
    page.get_by_label("会社のメールアドレス").fill("someone@gamma.example")
    page.get_by_role("button", name="会社のアカウントで続ける").click()
    expect(page.locator("#company-email-error")).to_be_visible()
    assert page.url.startswith(sso_server.url)
    page.context.close()


def test_the_sign_in_page_with_providers_is_valid_and_accessible(sso_server, browser):
    page = fresh_page(browser, sso_server, bypass_csp=True)  # axe-core is injected
    page.goto("/login")
    expect(page.get_by_role("heading", name="会社のアカウントでサインイン")).to_be_visible()
    pages = {"/login with providers": page.content()}
    assert_accessible(page, "sign-in page with single sign-on")
    page.goto("/login")
    page.get_by_label("会社のメールアドレス").fill("someone@gamma.example")
    page.get_by_role("button", name="会社のアカウントで続ける").click()
    expect(page.locator("#company-email-error")).to_be_visible()
    pages["/login/sso refused"] = page.content()
    assert_accessible(page, "sign-in page with an address no provider serves")
    assert_valid_html(pages)
    page.context.close()
