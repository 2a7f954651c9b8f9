"""Partner companies: the list, one company's standing with its people, and figures."""

from __future__ import annotations

import re

from flask import g, jsonify, request

from lms.api import bp, json_body
from lms.api.openapi import EXTRA_PATHS, EXTRA_SCHEMAS, _errors, _json, _op, _path_param
from lms.models.types import utcnow
from lms.wording import describe_missing
from lms.services import company_people
from lms.services import organizations as orgs
from lms.security.urls import absolute_url
from lms.services.badges import assertion_url, verify_url
from lms.services.errors import Invalid
from lms.web import content_store

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _lang() -> str:
    user_locale = getattr(g.api_user, "locale", None)
    return user_locale if user_locale in ("ja", "en") else (
        request.accept_languages.best_match(["ja", "en"], default="ja"))


def _certification_json(cert) -> dict:
    return {"id": cert.id, "level": cert.level, "status": cert.status,
            "awarded_at": _iso(cert.awarded_at), "expires_at": _iso(cert.expires_at),
            "verify_url": verify_url(cert.id), "assertion_url": assertion_url(cert.id)}


def _summary_json(summary) -> dict:
    return {"slug": summary.slug, "name": summary.name, "tier": summary.tier.key,
            "eligible_tier": summary.eligible.key, "at_risk": summary.at_risk,
            "certified": dict(summary.counts)}


def _company_json(org) -> dict:
    now = utcnow()
    program = content_store().program()
    standing = orgs.standing(program, org, now)
    s = standing.summary
    lang = _lang()
    people = company_people.all_people(org.id, now)
    return {
        **_summary_json(s),
        "next_tier": s.next_tier.key if s.next_tier else None,
        "missing": [describe_missing(m, lang) for m in s.missing],
        "margin": standing.margin.total,
        "metrics": {"deals_closed": org.deals_closed, "annual_revenue": org.annual_revenue,
                    "target_met": org.target_met},
        "health": {"score": s.health.score, "people": s.health.people,
                   "active_people": s.health.active_people,
                   "attempts_graded": s.health.attempts_graded,
                   "attempts_passed": s.health.attempts_passed,
                   "certified_people": s.health.certified},
        "people": [{"id": p.id, "email": p.email, "name": p.name,
                    "certifications": [_certification_json(c) for c in p.certifications]}
                   for p in people],
    }


@bp.get("/organizations")
def organizations():
    limit = request.args.get("limit", DEFAULT_LIMIT)
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        raise Invalid("limit must be a whole number from 1 to 200.", field="limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid("limit must be a whole number from 1 to 200.", field="limit")
    after = request.args.get("after") or None
    if after is not None and not _SLUG.match(after):
        raise Invalid("after must be a company slug.", field="after")
    rows, last = orgs.api_page(content_store().program(), g.api_user, after, limit)
    following = (absolute_url("api.organizations", after=last, limit=limit)
                 if last else None)
    return jsonify({"items": [_summary_json(r) for r in rows], "next": following})


@bp.get("/organizations/<slug>")
def organization(slug: str):
    return jsonify(_company_json(orgs.company_for(g.api_user, slug)))


@bp.put("/organizations/<slug>/metrics")
def organization_metrics(slug: str):
    if not orgs.sees_all_companies(g.api_user):
        orgs.company_for(g.api_user, slug)  # 404 for an unknown company, else 403 below
    metrics = orgs.parse_metrics(json_body())
    org = orgs.update_metrics(g.api_user, slug, metrics, address=request.remote_addr)
    return jsonify(_company_json(org))


# -- OpenAPI ------------------------------------------------------------------------------

_LEVEL_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                 "description": "People counting toward each level (higher levels included)."}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

EXTRA_SCHEMAS.append({
    "OrganizationSummary": {
        "type": "object", "required": ["slug", "name", "tier", "eligible_tier", "at_risk",
                                       "certified"],
        "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                       "tier": {"type": "string"}, "eligible_tier": {"type": "string"},
                       "at_risk": {"type": "boolean"}, "certified": _LEVEL_COUNTS},
    },
    "OrganizationPage": {
        "type": "object", "required": ["items", "next"],
        "properties": {"items": {"type": "array",
                                 "items": {"$ref": "#/components/schemas/OrganizationSummary"}},
                       "next": {"type": ["string", "null"], "format": "uri",
                                "description": "URL of the next page; null on the last."}},
    },
    "Metrics": {
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "properties": {"deals_closed": {"type": "integer", "minimum": 0, "maximum": 10**9},
                       "annual_revenue": {"type": "integer", "minimum": 0,
                                          "maximum": orgs.MAX_REVENUE},
                       "target_met": {"type": "boolean"}},
    },
    "PersonCertification": {
        "type": "object",
        "required": ["id", "level", "status", "awarded_at", "expires_at", "verify_url",
                     "assertion_url"],
        "properties": {"id": {"type": "string"}, "level": {"type": "string"},
                       "status": {"type": "string", "enum": ["active", "expired", "revoked"]},
                       "awarded_at": {"type": "string", "format": "date-time"},
                       "expires_at": _NULLABLE_TIME,
                       "verify_url": {"type": "string", "format": "uri"},
                       "assertion_url": {"type": "string", "format": "uri"}},
    },
    "Organization": {
        "type": "object",
        "required": ["slug", "name", "tier", "eligible_tier", "next_tier", "missing", "at_risk",
                     "margin", "certified", "metrics", "health", "people"],
        "properties": {
            "slug": {"type": "string"}, "name": {"type": "string"}, "tier": {"type": "string"},
            "eligible_tier": {"type": "string"}, "next_tier": {"type": ["string", "null"]},
            "missing": {"type": "array", "items": {"type": "string"},
                        "description": "What the next tier still needs, in words."},
            "at_risk": {"type": "boolean"},
            "margin": {"type": "number", "description": "Percent earned at the tier held."},
            "certified": _LEVEL_COUNTS,
            "metrics": {"type": "object",
                        "required": ["deals_closed", "annual_revenue", "target_met"],
                        "properties": {"deals_closed": {"type": "integer"},
                                       "annual_revenue": {"type": "integer"},
                                       "target_met": {"type": "boolean"}}},
            "health": {"type": "object",
                       "required": ["score", "people", "active_people", "attempts_graded",
                                    "attempts_passed", "certified_people"],
                       "properties": {"score": {"type": ["integer", "null"], "minimum": 0,
                                                "maximum": 100},
                                      "people": {"type": "integer"},
                                      "active_people": {"type": "integer"},
                                      "attempts_graded": {"type": "integer"},
                                      "attempts_passed": {"type": "integer"},
                                      "certified_people": {"type": "integer"}}},
            "people": {"type": "array", "items": {
                "type": "object", "required": ["id", "email", "name", "certifications"],
                "properties": {"id": {"type": "integer"}, "email": {"type": "string"},
                               "name": {"type": "string"},
                               "certifications": {"type": "array", "items": {
                                   "$ref": "#/components/schemas/PersonCertification"}}}}},
        },
    },
})

_ORG = {"$ref": "#/components/schemas/Organization"}
EXTRA_PATHS.append({
    "/organizations": {"get": _op(
        "Companies the caller may see (managers and admins; others get none), by slug",
        {"200": _json({"$ref": "#/components/schemas/OrganizationPage"}), **_errors(401, 422)},
        params=[{"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                            "default": DEFAULT_LIMIT}},
                {"name": "after", "in": "query", "required": False,
                 "schema": {"type": "string", "pattern": _SLUG.pattern},
                 "description": "Continue after this slug (the `next` URL carries it)."}],
        tag="organizations")},
    "/organizations/{slug}": {"get": _op(
        "One company: tiers, what the next tier needs, margin, figures, health and people",
        {"200": _json(_ORG), **_errors(401, 403, 404)}, params=[_path_param("slug")],
        tag="organizations")},
    "/organizations/{slug}/metrics": {"put": _op(
        "Record a company's figures (channel managers and admins)",
        {"200": _json(_ORG), **_errors(400, 401, 403, 404, 422)}, params=[_path_param("slug")],
        body={"$ref": "#/components/schemas/Metrics"}, tag="organizations")},
})
