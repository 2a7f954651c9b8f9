"""Certifications, evidence and sign-offs of a person, for the JSON API."""

from __future__ import annotations

from flask import g, jsonify

from lms.api import bp, json_body
from lms.api.openapi import EXTRA_PATHS, EXTRA_SCHEMAS, _errors, _json, _op
from lms.ob3.credentials import credential_url
from lms.services import certifications as certs
from lms.services import evidence as evidence_service
from lms.services.badges import assertion_url, iso, verify_url
from lms.services.errors import Invalid
from lms.web import content_store


def certification_json(cert, program) -> dict:
    definition = program.certification(cert.level) if program else None
    return {
        "id": cert.id,
        "level": cert.level,
        "title": definition.title if definition else cert.level.capitalize(),
        "status": certs.status(cert),
        "awarded_at": iso(cert.awarded_at),
        "expires_at": iso(cert.expires_at) if cert.expires_at else None,
        "revoked_at": iso(cert.revoked_at) if cert.revoked_at else None,
        "verify_url": verify_url(cert.id),
        "assertion_url": assertion_url(cert.id),
        "credential_url": credential_url(cert.id),
    }


@bp.get("/users/<dbid:user_id>/certifications")
def user_certifications(user_id: int):
    person = evidence_service.visible_person(g.api_user, user_id)
    program = content_store().program()
    return jsonify([certification_json(c, program) for c in certs.certifications_of(person.id)])


@bp.put("/users/<dbid:user_id>/evidence")
def put_evidence(user_id: int):
    data = json_body()
    unknown = set(data) - {"deals_closed", "csat"}
    if unknown:
        raise Invalid(f"Unknown field(s): {', '.join(sorted(unknown))}.", field=sorted(unknown)[0],
                      code="unknown_field")
    store = content_store()
    result = evidence_service.record_evidence(
        g.api_user, user_id, deals_closed=data.get("deals_closed"), csat=data.get("csat"),
        fields=set(data), program=store.program(), courses=store.courses())
    return jsonify({"user_id": result.user_id, "deals_closed": result.deals_closed,
                    "csat": result.csat, "updated_at": iso(result.updated_at),
                    "awarded": result.award.levels})


@bp.post("/users/<dbid:user_id>/signoffs")
def post_signoff(user_id: int):
    data = json_body()
    for name in ("certification", "requirement"):
        if not isinstance(data.get(name), str) or not data.get(name):
            raise Invalid(f"'{name}' is required.", field=name, code="required")
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise Invalid("'note' must be a string.", field="note")
    store = content_store()
    result = evidence_service.sign_off(
        g.api_user, user_id, level=data["certification"], requirement=data["requirement"],
        note=note, program=store.program(), courses=store.courses())
    signoff = result.signoff
    body = {"id": signoff.id, "user_id": signoff.user_id, "certification": signoff.level,
            "requirement": signoff.requirement, "note": signoff.note,
            "signed_by": signoff.signed_by_id, "signed_at": iso(signoff.signed_at),
            "created": result.created, "awarded": result.award.levels}
    return jsonify(body), 201 if result.created else 200


_USER_ID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}

EXTRA_SCHEMAS.append({
    "Certification": {
        "type": "object",
        "required": ["id", "level", "status", "awarded_at", "expires_at", "verify_url",
                     "assertion_url"],
        "properties": {
            "id": {"type": "string", "description": "Open Badges assertion id (128 random bits)"},
            "level": {"type": "string"}, "title": {"type": "string"},
            "status": {"type": "string", "enum": ["active", "expired", "revoked"]},
            "awarded_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": ["string", "null"], "format": "date-time"},
            "revoked_at": {"type": ["string", "null"], "format": "date-time"},
            "verify_url": {"type": "string", "format": "uri"},
            "assertion_url": {"type": "string", "format": "uri"},
            "credential_url": {"type": "string", "format": "uri",
                               "description": "the Open Badges 3.0 credential (VC-JWT)"},
        },
    },
    "Evidence": {
        "type": "object",
        "properties": {"deals_closed": {"type": "integer", "minimum": 0},
                       "csat": {"type": ["number", "null"], "minimum": 1, "maximum": 5,
                                "description": "Customer satisfaction average on the 1–5 survey scale"}},
    },
    "EvidenceResult": {
        "type": "object",
        "properties": {"user_id": {"type": "integer"}, "deals_closed": {"type": "integer"},
                       "csat": {"type": ["number", "null"]},
                       "updated_at": {"type": "string", "format": "date-time"},
                       "awarded": {"type": "array", "items": {"type": "string"}}},
    },
    "SignoffRequest": {
        "type": "object", "required": ["certification", "requirement"],
        "properties": {"certification": {"type": "string", "description": "level, e.g. gold"},
                       "requirement": {"type": "string",
                                       "description": "practical, or one of the level's approvals"},
                       "note": {"type": "string", "maxLength": 2000}},
    },
    "Signoff": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "user_id": {"type": "integer"},
                       "certification": {"type": "string"}, "requirement": {"type": "string"},
                       "note": {"type": ["string", "null"]}, "signed_by": {"type": ["integer", "null"]},
                       "signed_at": {"type": "string", "format": "date-time"},
                       "created": {"type": "boolean"},
                       "awarded": {"type": "array", "items": {"type": "string"}}},
    },
})

EXTRA_PATHS.append({
    "/users/{user_id}/certifications": {"get": _op(
        "A person's certifications (the person, their partner manager, or staff)",
        {"200": _json({"type": "array", "items": {"$ref": "#/components/schemas/Certification"}}),
         **_errors(401, 404)}, params=[_USER_ID], tag="certification")},
    "/users/{user_id}/evidence": {"put": _op(
        "Record a person's deals and customer satisfaction (channel managers and admins)",
        {"200": _json({"$ref": "#/components/schemas/EvidenceResult"}),
         **_errors(400, 401, 403, 404, 422)},
        params=[_USER_ID], body={"$ref": "#/components/schemas/Evidence"}, tag="certification")},
    "/users/{user_id}/signoffs": {"post": _op(
        "Sign off a practical (trainers) or an approval (trainers and managers)",
        {"201": _json({"$ref": "#/components/schemas/Signoff"}, "Signed off"),
         "200": _json({"$ref": "#/components/schemas/Signoff"}, "Already signed off"),
         **_errors(400, 401, 403, 404, 422)},
        params=[_USER_ID], body={"$ref": "#/components/schemas/SignoffRequest"},
        tag="certification")},
})
