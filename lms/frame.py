"""The page frame's fixed parts, rendered once and kept.

Every page carries the same header, menu and footer: two dozen translated strings and a
dozen URLs that depend only on the language, the reader's role and the page being shown.
Rendering them on every request was a third of a signed-in page's cost. Templates wrap
such a part in ``{% call frame_part(...) %}…{% endcall %}``: the body is rendered the
first time a key is seen and the kept HTML is used after that.

Whatever the body reads must be in the key: the language and the application root are
always added; the caller passes the rest (role, page endpoint, a count shown in a badge).
Anything about one person (name, CSRF token, the current URL) stays outside the parts.
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


def frame_part(*key, caller) -> Markup:
    parts = current_app.extensions["lms.frame"]  # one store per app: tests make many apps
    full_key = (str(get_locale()), request.script_root, *key)
    part = parts.get(full_key)
    if part is None:
        part = Markup(caller())
        with _lock:
            if len(parts) >= MAX_PARTS:
                parts.clear()
            parts[full_key] = part
    return part


def init_app(app: Flask) -> None:
    app.extensions["lms.frame"] = {}
    app.jinja_env.globals["frame_part"] = frame_part
