"""JSON API v1: bearer tokens only, JSON errors, described at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from lms.auth.views import login_limits
from lms.messages import words_for
from lms.services.accounts import record_token_failure, user_for_token
from lms.services.errors import ServiceError

bp = Blueprint("api", __name__)

PUBLIC_ENDPOINTS = {"api.openapi"}


def api_error(status: int, code: str, message: str, **extra):
    body = {"error": {"code": code, "message": message, **extra}}
    return jsonify(body), status


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    bearer = scheme.lower() == "bearer" and token.strip()
    user = user_for_token(token.strip()) if bearer else None
    if user is None:
        # Wrong tokens are counted per address (in the database, shared by all
        # workers); a valid token is never slowed down by the count.
        if bearer and record_token_failure(request.remote_addr or "", login_limits()):
            return api_error(429, "too_many_requests",
                             "Too many requests with invalid tokens; try again later.")
        resp, status = api_error(401, "unauthorized", "A valid bearer token is required.")
        resp.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return resp, status
    g.api_user = user
    return None


@bp.errorhandler(ServiceError)
def service_error(exc: ServiceError):
    extra = {"field": exc.field} if exc.field else {}
    for key, value in exc.extra.items():
        extra[key] = value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value
    return api_error(exc.status, exc.code, words_for(exc.message), **extra)


def json_body() -> dict:
    """The request's JSON object, or a 400 with a clear message."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ServiceError("The body must be a JSON object.", code="invalid_body")
    return data


from lms.api import assignments, attempts, certifications, courses, leaderboard, meta, notifications, organizations  # noqa: E402,F401,I001,E501  (routes register on bp)
