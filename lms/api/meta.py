"""The caller and the API description."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import force_locale

from lms.api import bp
from lms.api.openapi import document
from lms.services import next_steps
from lms.web import content_store


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
    user = g.api_user
    # Titles in the caller's own language setting, else the request's Accept-Language.
    lang = user.locale if user.locale in ("ja", "en") else (
        request.accept_languages.best_match(["ja", "en"], default="ja"))
    with force_locale(lang):
        path = next_steps.path_of(user, content_store(), external=True)
    return jsonify({**user_json(user), "points": next_steps.points_of(user),
                    "next_steps": [step.as_json() for step in path.steps]})


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
