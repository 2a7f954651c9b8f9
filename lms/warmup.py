"""Work a server worker does when it boots instead of on the first requests it serves.

Compiling the templates, opening a database connection and loading the translation
catalogues and Babel's locale data cost a fresh process a few hundred milliseconds;
without this, the first page after a restart (say the partner dashboard) paid them.
Called by lms/wsgi.py; LMS_BOOT_WARMUP=0 turns it off.
"""

from __future__ import annotations

import os
from datetime import date

from babel.dates import format_date, format_skeleton
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lms.extensions import db


def warm(app: Flask) -> None:
    if os.environ.get("LMS_BOOT_WARMUP", "1") == "0":   # to measure a truly cold process
        return
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
    _warm_dashboard_queries(app)


def _warm_dashboard_queries(app: Flask) -> None:
    """Run the partner dashboard's read-only queries once: SQLAlchemy compiles a statement
    on its first use (a few ms each) and a new PostgreSQL connection reads each table's
    catalogue entries on first use. Nothing is computed from the rows here: the chart
    figures are read as stored (lms.services.chart_counts, chart_snapshots)."""
    from lms.models import User
    from lms.models.types import utcnow
    from lms.services import chart_counts, company_people, company_stats, partner_charts
    from lms.services import organizations as orgs

    with app.app_context():
        try:
            program = app.extensions["lms.content"].program()
            shown = orgs.program_or_fallback(program)
            now = utcnow()
            viewer = User(role="manager")   # transient, never added to the session
            orgs.list_companies(program, viewer, orgs.CompanyFilter(), now)
            company_people.expiring_soon(None, now, per_page=10, total=0)
            chart_counts.stored_expiring(now)
            company_stats.version()
            if chart_counts.ready():
                partner_charts.stored_awards_per_month(shown, now)
                partner_charts.stored_exam_pass_rates(shown, now)
            # The charts section in each language, from the stored figures, into this
            # process's cache of rendered sections (as the first dashboard would).
            from lms.i18n import LANGUAGES
            from lms.partners.charts import charts_section

            for language in LANGUAGES:
                with app.test_request_context("/partners/",
                                              headers={"Accept-Language": language}):
                    charts_section(program, viewer, now)
        except SQLAlchemyError:
            app.logger.warning("warm-up: the dashboard's queries failed (database not "
                               "migrated yet?)", exc_info=True)
        finally:
            db.session.rollback()
            db.session.remove()
