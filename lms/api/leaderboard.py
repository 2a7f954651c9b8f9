"""Leaderboards over the API (docs/api.md "Leaderboard")."""

from __future__ import annotations

from flask import g, jsonify, request

from lms.api import bp
from lms.api.openapi import EXTRA_PATHS, EXTRA_SCHEMAS, _errors, _json, _op
from lms.community.views import PERIODS, SCOPES
from lms.services import points
from lms.services.errors import Invalid


@bp.get("/leaderboard")
def leaderboard():
    scope = request.args.get("scope", "people")
    period = request.args.get("period", "month")
    if scope not in SCOPES:
        raise Invalid("scope must be people or companies.", field="scope")
    if period not in PERIODS:
        raise Invalid("period must be month or all.", field="period")
    company = request.args.get("company")
    if company not in (None, "mine") or (company and scope != "people"):
        raise Invalid("company may only be 'mine', with scope=people.", field="company")
    if company and g.api_user.organization_id is None:
        raise Invalid("The caller belongs to no partner company.", field="company")
    if scope == "people":
        rows = points.people_board(period, organization_id=g.api_user.organization_id if company else None)
    else:
        rows = points.company_board(period)
    return jsonify({"items": [{"rank": r.rank, "name": r.name, "organization": r.organization,
                               "points": r.points} for r in rows]})


EXTRA_SCHEMAS.append({
    "LeaderboardRow": {"type": "object", "required": ["rank", "name", "organization", "points"],
                       "properties": {"rank": {"type": "integer", "minimum": 1},
                                      "name": {"type": "string"},
                                      "organization": {"type": ["string", "null"]},
                                      "points": {"type": "integer"}}},
})
EXTRA_PATHS.append({
    "/leaderboard": {"get": _op(
        "Top people or companies by points, this month or all time (ties share a rank; "
        "people who opted out are not listed)",
        {"200": _json({"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/LeaderboardRow"}}}}),
         **_errors(401, 422)},
        params=[{"name": "scope", "in": "query", "schema": {"type": "string", "enum": list(SCOPES)}},
                {"name": "period", "in": "query", "schema": {"type": "string", "enum": list(PERIODS)}},
                {"name": "company", "in": "query", "schema": {"type": "string", "enum": ["mine"]}}],
        tag="community")},
})
