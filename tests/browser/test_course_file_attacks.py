"""A trainer's course files never run script as the site, in a real browser.

The attack of issue 9: a course ships media/promote.html with <script src="promote.js">;
the script reads the admin's user form and posts role=admin for the trainer. An admin
who opens the file must not promote anyone. An SVG with script, opened directly, must
not run either; as an <img> it still shows. The headers behind this are tested in
tests/web/test_course_files.py.

This module runs a server of its own on a copy of the repository's content plus the
attacker's course, so the demo trainer it targets is nobody else's.
"""

from __future__ import annotations

import re
import shutil
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from lms.config import REPO_ROOT
from tests.live_server import DEMO_USERS, LiveServer

COURSE = "trainer-upload"
FILES = f"/courses/{COURSE}/files/media"

PROMOTE_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>Partner promotion kit</title></head>
<body><h1>Promotion kit</h1><script src="promote.js"></script></body></html>
"""
# Reads the edit form of the user whose id follows '#', keeps its fields, sets role=admin.
PROMOTE_JS = """
(async () => {
  const id = location.hash.slice(1);
  const html = await (await fetch(`/admin/users/${id}`)).text();
  const form = new DOMParser().parseFromString(html, "text/html")
    .querySelector("main form select[name=role]").form;
  const data = new FormData(form);
  data.set("role", "admin");
  const sent = await fetch(`/admin/users/${id}`, {method: "POST", body: data});
  document.title = "posted " + sent.status;
})();
"""
EVIL_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">
<script href="evil.js"/>
<script>document.title = "inline svg script ran"; fetch("beacon?inline");</script>
<rect width="40" height="40" fill="#0a6"/>
</svg>
"""
EVIL_JS = 'document.title = "svg script ran"; fetch("beacon?external");\n'


def attacker_content(root):
    shutil.copytree(REPO_ROOT / "courses", root / "courses")
    shutil.copytree(REPO_ROOT / "quizzes", root / "quizzes")
    course = root / "courses" / COURSE
    (course / "media").mkdir(parents=True)
    (course / "course.md").write_text(
        "---\ntitle: 販促資料\nlevel: bronze\ntrack: core\norder: 99\n---\n販促資料です。\n",
        encoding="utf-8")
    (course / "01-kit.md").write_text(
        "---\ntitle: 資料\nminutes: 5\n---\n![図](media/evil.svg)\n", encoding="utf-8")
    for name, text in {"promote.html": PROMOTE_HTML, "promote.js": PROMOTE_JS,
                       "evil.svg": EVIL_SVG, "evil.js": EVIL_JS}.items():
        (course / "media" / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """Overrides the shared server for this module: its own content and database."""
    server = LiveServer(content_dir=attacker_content(tmp_path_factory.mktemp("content")))
    try:
        server.start()
        yield server
    finally:
        server.stop()


def admin_session(server: LiveServer):
    http = server.http()
    http.sign_in(DEMO_USERS["admin"])
    return http


def role_of(http, uid: int) -> str:
    html = http.get(f"/admin/users/{uid}").text
    select = re.search(r'<select[^>]*name="role"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(r'<option selected value="([^"]+)"', select).group(1)


def open_file(page: Page, path: str) -> str:
    """Navigate to a course file as a person would; the name of the download it becomes
    (fails, after the attack has had its chance, when the browser renders it instead)."""
    with page.expect_download(timeout=5000) as download:
        try:
            page.goto(path)
        except PlaywrightError as exc:  # a download aborts the navigation
            assert "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc), exc
    return download.value.suggested_filename


def test_a_trainers_html_file_cannot_promote_the_trainer_when_an_admin_opens_it(
        live_server, as_demo):
    http = admin_session(live_server)
    trainer = http.user_id(DEMO_USERS["trainer"])
    assert role_of(http, trainer) == "trainer"

    page = as_demo("admin", bypass_csp=False)
    try:
        downloaded = open_file(page, f"{FILES}/promote.html#{trainer}")
    finally:
        deadline = time.monotonic() + 3  # the script, had it run, posts within a second
        while time.monotonic() < deadline:
            assert role_of(http, trainer) == "trainer", "the course file promoted the trainer"
            time.sleep(0.25)
    assert downloaded == "promote.html"
    assert "posted" not in page.title()


def test_an_svg_with_script_opened_directly_does_not_run(live_server, as_demo):
    page = as_demo("admin", bypass_csp=False)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    try:
        downloaded = open_file(page, f"{FILES}/evil.svg")
    finally:
        page.wait_for_timeout(1000)
        assert not [url for url in requested if "evil.js" in url or "beacon" in url], requested
        assert "ran" not in page.title()
    assert downloaded == "evil.svg"


def test_the_same_svg_still_shows_as_an_image_in_a_lesson(live_server, as_demo):
    page = as_demo("learner", bypass_csp=False)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"/courses/{COURSE}/lessons/kit")
    image = page.locator("main img[src$='evil.svg']")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert not [url for url in requested if "evil.js" in url or "beacon" in url], requested
    assert "ran" not in page.title()
