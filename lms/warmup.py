"""Work a server worker does when it boots instead of on the first requests it serves.

Compiling the templates, opening a database connection and loading the translation
catalogues and Babel's locale data cost a fresh process a few hundred milliseconds; without this, the first
page after a restart (say the partner dashboard) paid them. Called by lms/wsgi.py.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date, format_skeleton
from flask import Flask
from sqlalchemy import text

from lms.extensions import db


def warm(app: Flask) -> None:
    for name in app.jinja_env.list_templates(extensions=["html", "txt"]):
        app.jinja_env.get_template(name)         # compiled once, kept in Jinja's cache
    with app.app_context():
        db.session.execute(text("SELECT 1"))     # the pool's first connection
        db.session.remove()
    from flask_babel import get_translations

    from lms.i18n import LANGUAGES

    for language in LANGUAGES:
        with app.test_request_context(headers={"Accept-Language": language}):
            get_translations()
            # Babel's locale data (month names, date skeletons): loaded from disk on first use.
            format_skeleton("yMMM", date(2026, 1, 1), locale=language)
            format_date(date(2026, 1, 1), "medium", locale=language)
