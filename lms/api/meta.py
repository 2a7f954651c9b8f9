"""The caller and the API description."""

from __future__ import annotations

from flask import g, jsonify

from lms.api import bp
from lms.api.openapi import document


def user_json(user) -> dict:
    org = user.organization
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "organization": {"slug": org.slug, "name": org.name} if org else None,
    }


@bp.get("/me")
def me():
    return jsonify(user_json(g.api_user))


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
