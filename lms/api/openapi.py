"""The OpenAPI 3 description of the JSON API, kept beside the routes it describes."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    texts = {400: "Bad request", 401: "Missing or invalid token", 403: "Not allowed",
             404: "Not found", 409: "Conflict", 422: "Invalid input", 429: "Too many requests"}
    return {str(c): _json(ERROR, texts[c]) for c in codes}


def _op(summary: str, responses: dict, *, params: list | None = None, body: dict | None = None,
        tag: str = "learning") -> dict:
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": body}}}
    return op


def _path_param(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True,
            "schema": schema or {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"],
                                 "properties": {"code": {"type": "string"},
                                                "message": {"type": "string"},
                                                "field": {"type": "string"},
                                                "errors": {
                                                    "type": "object",
                                                    "description": "Per question id: why its answer was refused",
                                                    "additionalProperties": {
                                                        "type": "object", "required": ["code", "message"],
                                                        "properties": {"code": {"type": "string"},
                                                                       "message": {"type": "string"}}}}}}},
    },
    "Me": {
        "type": "object",
        "required": ["id", "email", "name", "role", "organization", "points", "next_steps"],
        "properties": {
            "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
            "points": {"type": "integer", "minimum": 0,
                       "description": "All-time points from the points ledger"},
            "next_steps": {
                "type": "array",
                "description": "What to do next toward the next certification, in order, "
                               "then renewals of certifications about to expire",
                "items": {"$ref": "#/components/schemas/NextStep"}},
            "role": {"type": "string", "enum": ["learner", "trainer", "manager", "admin"]},
            "organization": {"oneOf": [{"type": "null"}, {
                "type": "object", "properties": {"slug": {"type": "string"},
                                                 "name": {"type": "string"}}}]},
        },
    },
    "NextStep": {
        "type": "object", "required": ["kind", "title", "url", "certification"],
        "properties": {
            "kind": {"type": "string", "enum": ["course", "lesson", "exam", "practical",
                                                "evidence", "approval", "renew"]},
            "title": {"type": "string"}, "url": {"type": "string", "format": "uri"},
            "certification": {"type": "string", "description": "The level it leads to"},
        },
    },
    "Course": {
        "type": "object",
        "required": ["slug", "title", "level", "track", "url", "complete", "lessons"],
        "properties": {
            "slug": {"type": "string"}, "title": {"type": "string"},
            "level": {"type": ["string", "null"]}, "track": {"type": ["string", "null"]},
            "url": {"type": "string", "format": "uri"}, "complete": {"type": "boolean"},
            "lessons": {"type": "array", "items": {
                "type": "object", "required": ["slug", "title", "url", "done"],
                "properties": {"slug": {"type": "string"}, "title": {"type": "string"},
                               "url": {"type": "string", "format": "uri"},
                               "done": {"type": "boolean"}}}},
        },
    },
    "LessonDone": {
        "type": "object",
        "properties": {"course": {"type": "string"}, "lesson": {"type": "string"},
                       "done": {"type": "boolean"}, "course_complete": {"type": "boolean"},
                       "newly_done": {"type": "boolean"}},
    },
}

PATHS: dict[str, Any] = {
    "/me": {"get": _op("The caller", {"200": _json({"$ref": "#/components/schemas/Me"}),
                                      **_errors(401)}, tag="accounts")},
    "/courses": {"get": _op("Catalog with the caller's progress", {
        "200": _json({"type": "array", "items": {"$ref": "#/components/schemas/Course"}}),
        **_errors(401)})},
    "/courses/{course}/lessons/{lesson}/complete": {"post": _op(
        "Mark a lesson done (idempotent)",
        {"200": _json({"$ref": "#/components/schemas/LessonDone"}), **_errors(401, 404, 409)},
        params=[_path_param("course"), _path_param("lesson")])},
}

# Later areas (quizzes, certifications, organisations) add their paths here.
EXTRA_PATHS: list[dict[str, Any]] = []
EXTRA_SCHEMAS: list[dict[str, Any]] = []


def document() -> dict[str, Any]:
    paths = dict(PATHS)
    schemas = dict(SCHEMAS)
    for extra in EXTRA_PATHS:
        paths.update(extra)
    for extra in EXTRA_SCHEMAS:
        schemas.update(extra)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Partner Academy API", "version": "1.0.0",
                 "description": "Partner onboarding and certification. Times are ISO 8601 UTC."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
    }
