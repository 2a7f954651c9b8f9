"""Where a sign-in may send the user afterwards, and links that leave the site (e-mail)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for


def safe_next(target: str | None) -> str | None:
    """Accept only a same-site relative path; refuse //host, /\\host, schemes and control chars."""
    if not target or not isinstance(target, str):
        return None
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for a link sent out (a password reset, an invitation): from
    LMS_BASE_URL, else the configured server name, never the request's Host header (a forged
    Host would otherwise put someone else's site into a reset mail)."""
    base = current_app.config.get("BASE_URL") or ""
    with current_app.test_request_context("/"):
        if base:
            return base.rstrip("/") + url_for(endpoint, **values)
        return url_for(endpoint, _external=True, **values)
