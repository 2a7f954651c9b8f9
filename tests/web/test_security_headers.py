"""Security headers on every kind of response (docs/operations.md), and templates that need no inline script."""

from __future__ import annotations

import re

import pytest

from tests.web.helpers import REPO_ROOT


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    csp = csp_directives(response)
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src, "no script-src or default-src"
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "*" not in script_src and "data:" not in script_src
    assert csp.get("frame-ancestors") == ["'none'"]
    assert csp.get("object-src") == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in (
        "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")


@pytest.mark.parametrize("path,status,mimetype", [
    ("/login", 200, "text/html"),
    ("/", 302, None),
    ("/no-such-page", 404, "text/html"),
    ("/static/css/app.css", 200, "text/css"),
    ("/api/v1/openapi.json", 200, "application/json"),
    ("/api/v1/me", 401, "application/json"),
    ("/api/v1/nope", 404, "application/json"),
    ("/healthz", 200, "text/plain"),
])
def test_headers_on_anonymous_responses(client, path, status, mimetype):
    response = client.get(path)
    assert response.status_code == status
    if mimetype:
        assert response.mimetype == mimetype
    assert_security_headers(response)


def test_headers_on_signed_in_pages_and_files(client, signed_in):
    signed_in("learner")
    for path in ("/", "/courses/getting-started", "/courses/getting-started/lessons/welcome",
                 "/courses/getting-started/files/media/diagram.svg", "/my", "/settings",
                 "/admin/users"):
        response = client.get(path)
        assert response.status_code in (200, 403), path
        assert_security_headers(response)


def test_csp_allows_the_video_players_the_lessons_embed(client):
    frames = csp_directives(client.get("/login")).get("frame-src", [])
    assert "https://www.youtube-nocookie.com" in frames
    assert "https://www.youtube.com" not in frames  # the privacy-friendly host only


def test_session_cookie_flags(client, signed_in):
    signed_in("learner")
    cookie = client.get_cookie("session", domain="academy.test")
    assert cookie.http_only and cookie.same_site == "Lax"


TEMPLATES = sorted((REPO_ROOT / "templates").rglob("*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=[str(t.relative_to(REPO_ROOT)) for t in TEMPLATES])
def test_templates_need_no_inline_script(template):
    # The CSP forbids inline script, so any would silently break in browsers.
    source = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(source)
    assert not EVENT_HANDLER.search(source)
    assert not JS_URL.search(source)
