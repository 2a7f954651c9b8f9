"""The page frame's parts that do not depend on the person, rendered once and kept.

Every signed-in page draws the same menu for everyone of one language and role on one
page: a dozen translated strings and URLs. `frame_fragment(name, **key)` renders
``templates/frame/<name>.html`` from the key alone (never from the user or the request)
and keeps the HTML per (name, language, script root, key). The role is part of the key
and is read from the user loaded on this request, so a demotion changes the menu at
once (SECURITY 9); counts that change (grading waiting) are part of the key too.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from markupsafe import Markup

CACHE = "lms.frame"
LIMIT = 4096  # distinct fragments kept; far more than languages x roles x pages


def frame_fragment(name: str, **key) -> Markup:
    cache = current_app.extensions[CACHE]
    root = request.script_root if has_request_context() else None
    cache_key = (name, str(get_locale()), root, tuple(sorted(key.items())))
    html = cache.get(cache_key)
    if html is None:
        template = current_app.jinja_env.get_template(f"frame/{name}.html")
        html = Markup(template.render(**key))
        if len(cache) >= LIMIT:
            cache.clear()
        cache[cache_key] = html
    return html


def init_app(app: Flask) -> None:
    app.extensions[CACHE] = {}
    app.jinja_env.globals["frame_fragment"] = frame_fragment
