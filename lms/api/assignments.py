"""Assignments (docs/api.md "Assignments"): the caller's own, a company's for its managers,
and assigning by managers. Scope checks live in lms.services.assignments."""

from __future__ import annotations

from datetime import date

from flask import g, jsonify, request

from lms.api import bp, json_body
from lms.api.openapi import EXTRA_PATHS, EXTRA_SCHEMAS, _errors, _json, _op, _path_param
from lms.dates import iso_utc
from lms.models.types import utcnow
from lms.security.urls import absolute_path
from lms.services import assignments
from lms.services import organizations as orgs
from lms.services.errors import Invalid
from lms.web import content_store

MAX_LIST = 200


def _item(a, titles: dict, now, person: dict | None = None) -> dict:
    status = "done" if a.completed_at else ("overdue" if a.due_at <= now else "open")
    item = {"id": a.id, "kind": a.kind, "target": a.target,
            "title": titles.get((a.kind, a.target), a.target), "due_on": a.due_on.isoformat(),
            "due_at": iso_utc(a.due_at), "status": status,
            "completed_at": iso_utc(a.completed_at),
            "url": absolute_path(assignments.link_path(a.kind, a.target))}
    if person is not None:
        item["person"] = person
    return item


def _titles() -> dict:
    return {(t.kind, t.key): t.title for t in assignments.targets(content_store())}


@bp.get("/assignments")
def my_assignments():
    now = utcnow()
    titles = _titles()
    return jsonify({"items": [_item(a, titles, now)
                              for a in assignments.for_person(g.api_user.id)]})


@bp.get("/organizations/<slug>/assignments")
def company_assignments(slug: str):
    org = orgs.company_for(g.api_user, slug)
    status = request.args.get("status", "open")
    if status not in assignments.STATUSES:
        raise Invalid("status must be open, overdue, done or all.", field="status")
    now = utcnow()
    rows, total = assignments.list_page([org.id], status, now, per_page=MAX_LIST)
    titles = _titles()
    return jsonify({"total": total, "items": [
        _item(r.assignment, titles, now,
              {"id": r.assignment.user_id, "name": r.person_name, "email": r.person_email})
        for r in rows]})


@bp.post("/assignments")
def create_assignments():
    data = json_body()
    kind, target = data.get("kind"), data.get("target")
    if not isinstance(kind, str) or not isinstance(target, str):
        raise Invalid("kind and target are required strings.", field="target")
    try:
        due_on = date.fromisoformat(str(data.get("due_on", "")))
    except ValueError:
        raise Invalid("due_on must be a date (YYYY-MM-DD).", field="due_on") from None
    people, company = data.get("user_ids"), data.get("organization")
    if company is not None:
        if not isinstance(company, str):
            raise Invalid("organization must be a company's slug.", field="organization")
        chosen = assignments.people_for(g.api_user, org_slug=company)
    else:
        if (not isinstance(people, list) or not people
                or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31
                           for i in people)):
            raise Invalid("user_ids must be a list of user ids, or give organization.",
                          field="user_ids")
        chosen = assignments.people_for(g.api_user, people)
    rows = assignments.assign(g.api_user, chosen, kind, target, due_on, content_store())
    now, titles = utcnow(), _titles()
    return jsonify({"items": [_item(a, titles, now) for a in rows]}), 201


_ASSIGNMENT = {
    "type": "object",
    "required": ["id", "kind", "target", "title", "due_on", "due_at", "status", "completed_at",
                 "url"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["course", "certification"]},
        "target": {"type": "string", "description": "Course slug or certification level"},
        "title": {"type": "string"},
        "due_on": {"type": "string", "format": "date"},
        "due_at": {"type": "string", "format": "date-time",
                   "description": "The end of due_on in the person's time zone"},
        "status": {"type": "string", "enum": ["open", "overdue", "done"]},
        "completed_at": {"type": ["string", "null"], "format": "date-time"},
        "url": {"type": "string", "format": "uri"},
        "person": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}}}},
}
EXTRA_SCHEMAS.append({"Assignment": _ASSIGNMENT})
_LIST = _json({"type": "object", "required": ["items"], "properties": {
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Assignment"}},
    "total": {"type": "integer"}}})
EXTRA_PATHS.append({
    "/assignments": {
        "get": _op("The caller's assignments: open ones, then those done in the last 30 days",
                   {"200": _LIST, **_errors(401)}, tag="assignments"),
        "post": _op(
            "Assign a course or certification (partner managers: their own people; channel "
            "managers and admins: anyone)",
            {"201": _LIST, **_errors(400, 401, 403, 404, 422)},
            body={"type": "object", "required": ["kind", "target", "due_on"], "properties": {
                "kind": {"type": "string", "enum": ["course", "certification"]},
                "target": {"type": "string"},
                "due_on": {"type": "string", "format": "date"},
                "user_ids": {"type": "array", "items": {"type": "integer"}},
                "organization": {"type": "string", "description": "Everyone in this company"}}},
            tag="assignments")},
    "/organizations/{slug}/assignments": {"get": _op(
        "A company's assignments (managers who may see the company)",
        {"200": _LIST, **_errors(401, 403, 404, 422)},
        params=[_path_param("slug"),
                {"name": "status", "in": "query",
                 "schema": {"type": "string", "enum": list(assignments.STATUSES)}}],
        tag="assignments")},
})
