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

# Most keys are few (languages × roles × endpoints × small counts); a home page's course
# listing varies with each person's progress. What is kept is bounded by its size: past
# it, everything is dropped and rendered again as asked (a worker keeps a few MB at most).
MAX_CHARACTERS = 4_000_000


class _Parts(dict):
    characters = 0


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
        kept = (Markup(caller()), key)  # the key's objects stay alive with their part
        with _lock:
            if parts.characters + len(kept[0]) > MAX_CHARACTERS:
                parts.clear()
                parts.characters = 0
            if full_key not in parts:
                parts.characters += len(kept[0])
            parts[full_key] = kept
    return kept[0]


def init_app(app: Flask) -> None:
    app.extensions["lms.frame"] = _Parts()
    app.jinja_env.globals["frame_part"] = frame_part
