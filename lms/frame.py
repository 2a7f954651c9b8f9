"""The page frame's fixed parts, rendered once and kept.

Every page carries the same header, menu and footer: two dozen translated strings and a
dozen URLs that depend only on the language, the reader's role and the page being shown.
Rendering them on every request was a third of a signed-in page's cost. Templates wrap
such a part in ``{% call frame_part(...) %}…{% endcall %}``: the body is rendered the
first time a key is seen and the kept HTML is used after that.

Whatever the body reads must be in the key: the language and the application root are
always added; the caller passes the rest (role, page endpoint, a count shown in a badge,
content objects such as a lesson). Anything about one person (name, CSRF token, the
current URL) stays outside the parts.

Content objects are keyed by identity, not by value (hashing a course hashes every lesson
in it): a changed file is parsed into a new object. A kept part holds its key's objects,
so no id can be reused by another object while the part is kept.

A whole page can be kept the same way (``render_page``, the lesson page): rendered once per
key and reader's frame, with the reader's own values (name, form token) left as slots and
filled in on each request. While such a page is rendered, the template's ``current_user``
answers only what the key holds and gives slots for the rest, so a template change that
reads anything else about the person fails instead of showing it to the next reader.
"""

from __future__ import annotations

import secrets
import threading

from flask import Flask, current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

# Most keys are few (languages × roles × endpoints × small counts); a home page's course
# listing varies with each person's progress. What is kept is bounded by its size: past
# it, everything is dropped and rendered again as asked (a worker keeps a few MB at most).
MAX_CHARACTERS = 4_000_000


class _Parts(dict):
    characters = 0

    def keep(self, key: tuple, html: str, objects: tuple) -> None:
        """Keep ``html`` under ``key`` with the key's objects (alive while it is kept)."""
        with _lock:
            if self.characters + len(html) > MAX_CHARACTERS:
                self.clear()
                self.characters = 0
            if key not in self:
                self.characters += len(html)
            self[key] = (html, objects)


_lock = threading.Lock()


_PLAIN = (str, int, float, bool, type(None))


def _key_of(value):
    """Plain values as they are, tuples element by element, any other object by identity."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple:
        return tuple(_key_of(item) for item in value)
    return id(value)


def _request_prefix() -> tuple:
    """(parts of this app, language, application root): the same for a whole request."""
    # Kept on the request object itself (an app context, and its g, may outlive a request).
    req = request._get_current_object()
    prefix = getattr(req, "_lms_frame", None)
    if prefix is None:
        # One store per app: tests make many apps.
        prefix = req._lms_frame = (current_app.extensions["lms.frame"], str(get_locale()),
                                   req.script_root)
    return prefix


def frame_part(*key, caller) -> Markup:
    parts, locale, root = _request_prefix()
    full_key = (locale, root, *(_key_of(k) for k in key))
    kept = parts.get(full_key)
    if kept is None:
        html = Markup(caller())
        parts.keep(full_key, html, key)
        return html
    return kept[0]


# Slots for a person's own values in a kept page: private-use characters around a random
# word, which no content or translation contains.
_NONCE = secrets.token_hex(8)
SLOTS = {name: f"\ue000{name}-{_NONCE}\ue001" for name in ("csrf", "name")}
# Whose pages are kept: the roles whose frame depends only on the key below (trainers and
# admins see a live count of answers waiting for grading).
KEPT_ROLES = ("learner", "manager")


def slot(name: str) -> str | None:
    """The slot standing for ``name`` while a kept page is rendered, else None."""
    if request and getattr(request, "_lms_page_slots", False):
        return SLOTS[name]
    return None


class _KeyedReader:
    """``current_user`` while a kept page is rendered: what the key holds, slots for the rest."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user):
        self.role = user.role
        self.unread_notifications = user.unread_notifications
        self.organization_id = user.organization_id

    @property
    def name(self) -> Markup:
        return Markup(SLOTS["name"])

    def __getattr__(self, attribute):
        raise AttributeError(f"a kept page may not read current_user.{attribute}: add it to "
                             "the key in lms/frame.py render_page, or render the page normally")


def render_page(template: str, key: tuple, **context) -> str:
    """``render_template``, kept per key, language, role, counts and path (see above).

    Rendered normally when something on the page is for this request only: flashed
    messages, a query string, a reader whose frame is not keyed here (KEPT_ROLES).
    """
    user = current_user._get_current_object()
    req = request._get_current_object()
    if (not user.is_authenticated or user.role not in KEPT_ROLES or req.query_string
            or "_flashes" in session):
        return render_template(template, **context)
    parts, locale, root = _request_prefix()
    full_key = ("page", template, locale, root, req.path, req.endpoint, user.role,
                user.unread_notifications, user.organization_id is None,
                *(_key_of(k) for k in key))
    kept = parts.get(full_key)
    if kept is None:
        req._lms_page_slots = True
        try:
            html = render_template(template, **context, current_user=_KeyedReader(user))
        finally:
            req._lms_page_slots = False
        parts.keep(full_key, html, key)
    else:
        html = kept[0]
    from lms.security.csrf_tokens import csrf_token

    return (html.replace(SLOTS["csrf"], csrf_token())
            .replace(SLOTS["name"], str(escape(user.name))))


def init_app(app: Flask) -> None:
    app.extensions["lms.frame"] = _Parts()
    app.jinja_env.globals["frame_part"] = frame_part
