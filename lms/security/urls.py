"""Where a sign-in may send the user afterwards, and absolute URLs for public output."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


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


# -- absolute URLs for public output ---------------------------------------------------
#
# E-mails, Open Badges JSON, baked images, QR codes and the verification page carry
# absolute URLs that outlive the request (they are mailed, cached, copied into other
# sites). They come only from configuration, never from the request's Host header,
# which any client may forge.


class PublicOriginMissing(RuntimeError):
    """No public address is configured: absolute URLs cannot be made."""

    def __init__(self) -> None:
        super().__init__(
            "LMS_BASE_URL is not set: set it to the site's public address "
            "(e.g. https://academy.example.com); e-mails and badges link to it")


def public_origin() -> str:
    """The site's public origin without a trailing slash: ``LMS_BASE_URL``.

    ``lms serve`` sets it to the address it listens on when the operator did not.
    An app configured by hand (tests, embedding) may name ``SERVER_NAME`` instead.
    Nothing here reads the request: the Host header is the client's word.
    """
    config = current_app.config
    base = (config.get("BASE_URL") or "").rstrip("/")
    if base:
        return base
    server_name = config.get("SERVER_NAME")
    if server_name:
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{server_name}"
    raise PublicOriginMissing()


def absolute_url(endpoint: str, **values) -> str:
    """``url_for(endpoint)`` made absolute with :func:`public_origin`."""
    origin = public_origin()
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return origin + path


def absolute_path(path: str) -> str:
    """A site path (starting with ``/``) made absolute with :func:`public_origin`."""
    return public_origin() + (path if path.startswith("/") else "/" + path)
