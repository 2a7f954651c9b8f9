"""The form token, signed once per session instead of once per page.

Every page carries forms (the frame's language choice and sign-out), so Flask-WTF signed
the session's raw token on every request: an HMAC and a serialisation per page. With no
time limit on tokens (``WTF_CSRF_TIME_LIMIT`` is None: a token lives as long as its
session, so a long exam cannot expire its form), a raw token's signed form never loses
its meaning, and a worker keeps it. A new session has a new raw token, and signing out
ends the session, so nothing kept outlives what it was signed for.
"""

from __future__ import annotations

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

from lms import frame

FIELD = "csrf_token"
MAX_KEPT = 20_000  # raw tokens (one per live session); past it, start over


def csrf_token() -> str:
    """The signed form token of this session (the Jinja global ``csrf_token()``)."""
    mark = frame.slot("csrf")
    if mark is not None:  # a kept page being rendered: filled in per reader
        return mark
    kept = g.get(FIELD)
    if kept is not None:
        return kept
    signed_by_raw = current_app.extensions["lms.csrf_signed"]
    raw = session.get(FIELD)
    signed = signed_by_raw.get(raw) if raw is not None else None
    if signed is None:
        signed = generate_csrf()  # also creates the raw token of a new session
        if current_app.config.get("WTF_CSRF_TIME_LIMIT") is None:
            if len(signed_by_raw) >= MAX_KEPT:
                signed_by_raw.clear()
            signed_by_raw[session[FIELD]] = signed
        return signed
    setattr(g, FIELD, signed)  # where Flask-WTF's own forms look first
    return signed


def init_app(app: Flask) -> None:
    app.extensions["lms.csrf_signed"] = {}
    # Flask-WTF offers its own csrf_token() both ways; a later context processor wins.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
