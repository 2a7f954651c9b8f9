"""SCIM 2.0 endpoints. Bearer tokens only (no cookies, no CSRF), bodies and answers in
application/scim+json, every error in the SCIM error schema."""

from __future__ import annotations

import json

from flask import Blueprint, Response, g, request
from werkzeug.exceptions import HTTPException

from lms.auth.views import login_limits
from lms.models import User
from lms.scim import discovery
from lms.scim.resources import (ERROR_SCHEMA, LIST_SCHEMA, USER_SCHEMA, ScimProblem, invalid,
                                page_of, parse_filter, patched, person_from)
from lms.security.urls import public_origin
from lms.services import scim_people
from lms.services.accounts import record_token_failure
from lms.services.api_tokens import scim_token_for

bp = Blueprint("scim", __name__)
MEDIA_TYPE = "application/scim+json"
PUBLIC_ENDPOINTS = {"scim.service_provider_config", "scim.resource_types", "scim.schemas",
                    "scim.resource_type", "scim.schema"}
MAX_BODY = 64 * 1024


def scim_response(body, status: int = 200, **headers) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype=MEDIA_TYPE)
    response.headers.update(headers)
    return response


def scim_error(status: int, detail: str, scim_type: str | None = None) -> Response:
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return scim_response(body, status)


def base_url() -> str:
    return public_origin() + "/scim/v2"


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def user_resource(user: User) -> dict:
    resource = {
        "schemas": [USER_SCHEMA], "id": str(user.id), "userName": user.email,
        "name": {"formatted": user.name}, "displayName": user.name,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.active,
        "meta": {"resourceType": "User", "created": _iso(user.created_at),
                 "lastModified": _iso(user.created_at),
                 "location": f"{base_url()}/Users/{user.id}"},
    }
    if user.scim_external_id:
        resource["externalId"] = user.scim_external_id
    return resource


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    bearer = scheme.lower() == "bearer" and token.strip()
    row = scim_token_for(token.strip()) if bearer else None
    if row is None:
        if bearer and record_token_failure(request.remote_addr or "", login_limits()):
            return scim_error(429, "Too many requests with invalid tokens; try again later.")
        response = scim_error(401, "A valid bearer token is required.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="scim"'
        return response
    g.scim_token, g.scim_org = row, row.organization
    return None


@bp.errorhandler(ScimProblem)
def problem(exc: ScimProblem):
    return scim_error(exc.status, exc.detail, exc.scim_type)


@bp.errorhandler(HTTPException)
def http_problem(exc: HTTPException):
    return scim_error(exc.code or 500, exc.description or exc.name)


def body() -> object:
    if request.content_length and request.content_length > MAX_BODY:
        raise ScimProblem(413, "The body is too large.")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise ScimProblem(413, "The body is too large.")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise invalid("The body is not valid JSON.", "invalidSyntax") from None


def _token_id() -> int:
    return g.scim_token.id


@bp.get("/ServiceProviderConfig")
def service_provider_config():
    return scim_response(discovery.service_provider_config(base_url()))


@bp.get("/ResourceTypes")
def resource_types():
    types = discovery.resource_types(base_url())
    return scim_response({"schemas": [LIST_SCHEMA], "totalResults": len(types),
                          "startIndex": 1, "itemsPerPage": len(types), "Resources": types})


@bp.get("/ResourceTypes/<name>")
def resource_type(name: str):
    found = [t for t in discovery.resource_types(base_url()) if t["id"] == name]
    return scim_response(found[0]) if found else scim_error(404, "No such resource type.")


@bp.get("/Schemas")
def schemas():
    schema = discovery.user_schema(base_url())
    return scim_response({"schemas": [LIST_SCHEMA], "totalResults": 1, "startIndex": 1,
                          "itemsPerPage": 1, "Resources": [schema]})


@bp.get("/Schemas/<path:schema_id>")
def schema(schema_id: str):
    if schema_id != USER_SCHEMA:
        return scim_error(404, "No such schema.")
    return scim_response(discovery.user_schema(base_url()))


@bp.get("/Users")
def list_users():
    page = page_of(request.args.get("startIndex"), request.args.get("count"))
    total, users = scim_people.find(g.scim_org, parse_filter(request.args.get("filter")), page)
    return scim_response({"schemas": [LIST_SCHEMA], "totalResults": total,
                          "startIndex": page.start_index, "itemsPerPage": len(users),
                          "Resources": [user_resource(u) for u in users]})


@bp.post("/Users")
def create_user():
    user = scim_people.create(g.scim_org, person_from(body()), token_id=_token_id())
    resource = user_resource(user)
    return scim_response(resource, 201, Location=resource["meta"]["location"])


@bp.get("/Users/<user_id>")
def get_user(user_id: str):
    return scim_response(user_resource(scim_people.get(g.scim_org, user_id)))


@bp.put("/Users/<user_id>")
def replace_user(user_id: str):
    current = scim_people.person_of(scim_people.get(g.scim_org, user_id))
    person = person_from(body(), current)
    return scim_response(user_resource(
        scim_people.update(g.scim_org, user_id, person, token_id=_token_id())))


@bp.patch("/Users/<user_id>")
def patch_user(user_id: str):
    current = scim_people.person_of(scim_people.get(g.scim_org, user_id))
    person = patched(current, body())
    return scim_response(user_resource(
        scim_people.update(g.scim_org, user_id, person, token_id=_token_id())))


@bp.delete("/Users/<user_id>")
def delete_user(user_id: str):
    scim_people.deactivate(g.scim_org, user_id, token_id=_token_id())
    return Response(status=204)

