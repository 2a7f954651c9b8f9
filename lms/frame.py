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
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, request
from flask_babel import get_locale
from markupsafe import Markup

# Keys are few (languages × roles × endpoints × small counts); the bound only guards
# against a key that was not meant to vary widely.
MAX_PARTS = 5000

_lock = threading.Lock()


_PLAIN = (str, int, float, bool, type(None))


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
    full_key = (locale, root, *(k if type(k) in _PLAIN else id(k) for k in key))
    kept = parts.get(full_key)
    if kept is None:
        kept = (Markup(caller()), key)  # the key's objects stay alive with their part
        with _lock:
            if len(parts) >= MAX_PARTS:
                parts.clear()
            parts[full_key] = kept
    return kept[0]


def init_app(app: Flask) -> None:
    app.extensions["lms.frame"] = {}
    app.jinja_env.globals["frame_part"] = frame_part
