"""Blueprints, error pages, health check and template helpers: the site's map in one place."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from lms import health
from lms.database import is_lock_timeout
from lms.extensions import db


def content_store():
    """The content store of this app (parsed once per file version, refreshed cheaply)."""
    store = current_app.extensions["lms.content"]
    store.refresh()
    return store


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/scim/"))


def _error_json(status: int, code: str, message: str):
    if request.path.startswith("/scim/"):
        from lms.scim.views import scim_error  # SCIM clients read SCIM's error schema
        return scim_error(status, message)
    return jsonify({"error": {"code": code, "message": message}}), status


class DatabaseIdConverter(IntegerConverter):
    """An integer id that fits the database's integer columns; anything else is a 404.

    Werkzeug's int converter accepts any length of digits, and a forged huge id
    would reach the database and fail there with an overflow instead of "not found".
    """

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def register(app: Flask) -> None:
    app.url_map.converters["dbid"] = DatabaseIdConverter
    from lms.accounts import invitation_views, signup_views  # noqa: F401  (accounts routes)
    from lms.accounts.views import bp as accounts_bp
    from lms.admin import company_views, token_views  # noqa: F401  (admin routes)
    from lms.admin import webhook_views  # noqa: F401  (its pages join the admin blueprint)
    from lms.admin.views import bp as admin_bp
    from lms.api import bp as api_bp
    from lms.auth.oidc_views import bp as sso_bp
    from lms.auth.views import bp as auth_bp
    from lms.badges.views import bp as badges_bp
    from lms.catalog.views import bp as catalog_bp
    from lms.community import discussion_views  # noqa: F401  (routes on the community blueprint)
    from lms.community.views import bp as community_bp
    from lms.certs.views import bp as certs_bp
    from lms.extensions import csrf
    from lms.inbox.views import bp as inbox_bp
    from lms.ob3.views import bp as ob3_bp
    from lms.partners import assignment_views, recertify_views  # noqa: F401  (partners routes)
    from lms.partners.views import bp as partners_bp
    # Trainer routes on the quiz blueprint.
    from lms.quiz import import_views, trainer_views, workbench_views  # noqa: F401
    from lms.quiz.views import bp as quiz_bp
    from lms.search.views import bp as search_bp
    from lms.services import assignment_sweep, chart_counts, chart_snapshots, recertify, reports  # noqa: F401,E501  (sweep steps)
    from lms.scim.views import bp as scim_bp
    from lms.services import api_tokens
    # The delivery steps run after every other sweep step (sweep.register_delivery).
    from lms.mail import delivery  # noqa: F401

    app.register_blueprint(auth_bp)
    app.register_blueprint(sso_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(certs_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(quiz_bp)
    app.register_blueprint(partners_bp, url_prefix="/partners")
    app.register_blueprint(inbox_bp)
    app.register_blueprint(ob3_bp)
    app.register_blueprint(community_bp)
    app.register_blueprint(search_bp)
    # The API authenticates with bearer tokens only, never cookies: no CSRF there.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    # SCIM likewise: a company's identity provider presents a bearer token.
    csrf.exempt(scim_bp)
    app.register_blueprint(scim_bp, url_prefix="/scim/v2")
    # A token's last use, when the request had no write transaction to carry it.
    app.after_request(api_tokens.write_token_use)

    @app.get("/healthz")
    def healthz():
        # A committed write, not SELECT 1: a read-only or full database still reads.
        problem = health.check()
        if problem:
            app.logger.warning("healthz: %s", problem)
            return f"unavailable: {problem}", 503, {"Content-Type": "text/plain",
                                                    "Cache-Control": "no-store"}
        return "ok", 200, {"Content-Type": "text/plain", "Cache-Control": "no-store"}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json():
            code = (exc.name or "error").lower().replace(" ", "_")
            return _error_json(exc.code or 500, code, exc.description or exc.name)
        return render_template("error.html", error=exc), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        problem = health.storage_problem(exc)
        if problem:
            # Read-only file, full disk: say so, and reopen connections next time so
            # the worker recovers once the operator has fixed it.
            app.logger.error("cannot write to the database: %s (%s)", health.PROBLEMS[problem][0],
                             exc.__class__.__name__)
            health.recover()
            words = str(health.PROBLEMS[problem][1])
            if _wants_json():
                resp = _error_json(503, f"storage_{problem}", words)
            else:
                resp = render_template("error.html", error=None, message=words), 503
            response = app.make_response(resp)
            response.headers["Retry-After"] = "30"
            return response
        if is_lock_timeout(exc):
            # The database was busy for the whole busy timeout: nothing was written,
            # the client may simply retry.
            if _wants_json():
                resp = _error_json(503, "busy", "The database is busy; retry shortly.")
            else:
                resp = render_template("error.html", error=None,
                                       message=_("The site is busy. Please try again.")), 503
            response = app.make_response(resp)
            response.headers["Retry-After"] = "2"
            return response
        app.logger.exception("unhandled error")
        if _wants_json():
            return _error_json(500, "internal_error", "Internal error.")
        return render_template("error.html", error=None,
                               message=_("Something went wrong.")), 500
