"""The signed session cookie, verified once per worker instead of on every request.

A signed-in browser sends the same cookie with every page until the session changes.
Checking its signature and decoding it (HMAC, base64, zlib, JSON) was a measurable part
of a page's cost, so a worker keeps what a cookie it has verified says, keyed by the
exact cookie text. A changed or forged cookie is a different key and is verified as
before; the age limit is checked again on every use. Only flat sessions are kept
(strings, numbers, booleans): a session holding a list or a dict (flashed messages) is
decoded afresh, so no request can change what another request is given.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

MAX_KEPT = 20_000  # cookies (about one per live session); past it, start over
_FLAT = (str, int, float, bool, type(None))


class KeptCookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._kept: dict[str, tuple[tuple, float]] = {}
        self._lock = threading.Lock()
        self._serializers: dict = {}

    def get_signing_serializer(self, app: Flask):
        # Built once per key set (Flask builds one per request and per response).
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None and app.secret_key:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return super().open_session(app, request)
        max_age = app.permanent_session_lifetime.total_seconds()
        kept = self._kept.get(value)
        if kept is not None:
            items, signed_at = kept
            if time.time() - signed_at <= max_age:
                return self.session_class(items)
            return self.session_class()  # expired: as itsdangerous would decide
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            data, signed = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(type(v) in _FLAT for v in data.values()):
            with self._lock:
                if len(self._kept) >= MAX_KEPT:
                    self._kept.clear()
                self._kept[value] = (tuple(data.items()), signed.timestamp())
        return self.session_class(data)


def init_app(app: Flask) -> None:
    app.session_interface = KeptCookieSessionInterface()
