"""Words, not codes: no page shows a program code (a course slug, an exam id, a tier,
track, role or approval key) to the people it serves, and the Japanese UI shows no
untranslated English word.

A crawler signs in as each kind of person, follows the site's own links from the home
page and the manager and trainer menus, and reads the visible text of every page it
reaches (tests/e2e/wording.py says what counts as visible and as a code).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from lms.config import REPO_ROOT
from lms.content.store import ContentStore
from tests.e2e.wording import authored_words, english_codes, leaks, program_codes
from tests.live_server import DEMO_USERS, HttpSession, LiveServer

PAGE_LIMIT = 150
SKIP = ("/static/", ".csv", "/files/", "/logout", "/badges/", ".png", ".json", "/api/",
        "/uploads/", "/language")
HREF = re.compile(r'href="([^"#]+)')


@pytest.fixture(scope="module")
def vocabulary() -> tuple[set[str], set[str]]:
    """(codes, authored words) for the demo content the live server serves."""
    store = ContentStore(Path(REPO_ROOT))
    store.refresh(force=True)
    courses = store.courses()
    codes = program_codes(store.program(), [c.slug for c in courses],
                          [q.slug for q in store.quizzes()], {c.track for c in courses if c.track})
    files = [*Path(REPO_ROOT, "courses").rglob("*.md"), *Path(REPO_ROOT, "quizzes").glob("*.md")]
    return codes, authored_words(f.read_text(encoding="utf-8") for f in files) - codes


def crawl(session: HttpSession, base: str, starts: list[str]) -> dict[str, str]:
    """path -> HTML of every page reached by following links from ``starts``."""
    host = urlparse(base).netloc
    queue, seen, pages = list(starts), set(), {}
    while queue and len(seen) < PAGE_LIMIT:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = session.get(path, allow_redirects=False)
        if response.status_code != 200 or "text/html" not in response.headers["Content-Type"]:
            continue
        pages[path] = response.text
        for href in HREF.findall(response.text):
            url = urlparse(urljoin(base + path, href.replace("&amp;", "&")))
            target = url.path + (f"?{url.query}" if url.query else "")
            if url.netloc == host and not any(s in target for s in SKIP) and target not in seen:
                queue.append(target)
    return pages


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("who", ["admin", "channel_manager", "partner_manager", "trainer",
                                 "learner_with_progress"])
def test_pages_show_words_not_codes(live_server: LiveServer, vocabulary, who, lang):
    codes, authored = vocabulary
    with live_server.http() as session:
        session.headers["Accept-Language"] = lang
        session.sign_in(DEMO_USERS[who])
        pages = crawl(session, live_server.url,
                      ["/", "/partners/", "/certifications", "/admin/content", "/grading"])
    assert len(pages) > 15, f"the crawler reached only {sorted(pages)}"
    checked = codes if lang == "ja" else english_codes(codes)
    found = {path: words for path, html in pages.items()
             if (words := leaks(html, checked, lang == "ja", authored))}
    assert not found, f"codes or untranslated words seen by {who} ({lang}): {found}"


def test_the_checker_sees_codes_and_english():
    """The checker itself: what a page shows is caught; code samples, authored lesson text,
    addresses and attributes are not."""
    codes = {"bronze-exam", "core", "recommendation"}
    page = ('<main><h1>試験</h1><p>bronze-exam: 未受験</p><p>Track: 基礎</p>'
            '<p class="prose">core と recommendation は本文</p><code>core</code>'
            '<a href="/quizzes/bronze-exam" title="core">learner@tokyo-si.example.com</a></main>')
    assert leaks(page, codes, japanese=True) == ["Track", "bronze-exam"]
    assert leaks(page, english_codes(codes), japanese=False) == ["bronze-exam"]
    assert leaks("<p>承認: recommendation</p>", codes, japanese=True) == ["recommendation"]
