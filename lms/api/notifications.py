"""The caller's notifications (docs/api.md "Notifications")."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import force_locale

from lms.api import bp
from lms.api.openapi import EXTRA_PATHS, EXTRA_SCHEMAS, _errors, _json, _op
from lms.dates import iso_utc
from lms.extensions import db
from lms.models.types import utcnow
from lms.services import inbox
from lms.security.urls import absolute_path, absolute_url
from lms.services.errors import Invalid, NotFound


def site_url(path: str) -> str:
    """A stored site path made absolute the way every other URL of the API is."""
    return absolute_path(path)


def _whole_number(name: str, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    # Length first: int() of thousands of digits is refused by Python itself (a 500).
    if (not raw.isascii() or not raw.isdigit() or len(raw) > len(str(high))
            or not low <= int(raw) <= high):
        raise Invalid(f"{name} must be a whole number from {low} to {high}.", field=name)
    return int(raw)


def _item(notification) -> dict:
    return {"id": notification.id, "kind": notification.kind, "text": inbox.text_of(notification),
            "url": site_url(notification.url) if notification.url else None,
            "read": notification.read_at is not None, "created_at": iso_utc(notification.created_at)}


@bp.get("/notifications")
def notifications():
    limit = _whole_number("limit", 1, inbox.MAX_PAGE_SIZE) or inbox.PAGE_SIZE
    after = _whole_number("after", 1, 2**31 - 1)
    page = inbox.page_of(g.api_user.id, after, limit)
    with force_locale(g.api_user.locale or "ja"):
        items = [_item(n) for n in page.items]
    following = (absolute_url("api.notifications", after=page.next_after, limit=limit)
                 if page.next_after else None)
    return jsonify({"items": items, "next": following})


@bp.post("/notifications/<dbid:notification_id>/read")
def notification_read(notification_id: int):
    if not inbox.mark_read(g.api_user.id, notification_id, utcnow()):
        db.session.rollback()
        raise NotFound("No such notification.", code="not_found")
    db.session.commit()
    return jsonify({"id": notification_id, "read": True})


EXTRA_SCHEMAS.append({
    "Notification": {
        "type": "object", "required": ["id", "kind", "text", "url", "read", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "description": "certification_awarded, certification_revoked, "
                     "certification_expiring, certification_expired, certification_recertify, essay_graded, essay_waiting, "
                     "post_reply, assignment_given, assignment_due, assignment_overdue"},
            "text": {"type": "string", "description": "In the caller's language"},
            "url": {"type": ["string", "null"], "format": "uri"},
            "read": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"}}},
})
EXTRA_PATHS.append({
    "/notifications": {"get": _op(
        "The caller's notifications, newest first",
        {"200": _json({"type": "object", "required": ["items", "next"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}},
            "next": {"type": ["string", "null"], "format": "uri"}}}), **_errors(401, 422)},
        params=[{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
        tag="accounts")},
    "/notifications/{notification_id}/read": {"post": _op(
        "Mark one of the caller's notifications read",
        {"200": _json({"type": "object", "properties": {"id": {"type": "integer"},
                                                         "read": {"type": "boolean"}}}),
         **_errors(401, 404)},
        params=[{"name": "notification_id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1}}], tag="accounts")},
})
