"""Public Open Badges 3.0 endpoints: credentials, the issuer's keys, the status lists.

No sign-in: wallets and verifiers anywhere fetch these. Every URL and the DID come from the
configured public origin (LMS_BASE_URL), never from the request's Host header.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, current_app, jsonify

from lms.extensions import db
from lms.models import Certification
from lms.models.types import utcnow
from lms.ob3 import credentials, keys, status

bp = Blueprint("ob3", __name__)

_ASSERTION_ID = re.compile(r"^[0-9a-f]{32}$")
JWT_TYPE = "application/vc+jwt"


def _public(response, max_age: int = 300):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _json(data: dict, status_code: int = 200, max_age: int = 300):
    response = jsonify(data)
    response.status_code = status_code
    return _public(response, max_age)


def _not_found():
    return _json({"error": {"code": "not_found", "message": "Not found."}}, 404, 60)


def definition_and_names(level: str):
    from lms.services.certifications import program_or_none
    from lms.web import content_store

    program = program_or_none()
    store = content_store()
    names = {c.slug: c.title for c in store.courses()}
    names.update({q.slug: q.title for q in store.quizzes()})
    return (program.certification(level) if program else None), names


def issued_jwt(cert: Certification) -> str:
    """The certification's VC-JWT; its status list position is saved on first issue."""
    definition, names = definition_and_names(cert.level)
    token = credentials.issue(cert, definition, names)
    db.session.commit()
    return token


@bp.get("/ob3/credentials/<name>")
def credential(name: str):
    assertion_id, dot, ext = name.partition(".")
    if not _ASSERTION_ID.match(assertion_id) or (dot and ext not in ("jwt", "json")):
        return _not_found()
    cert = db.session.get(Certification, assertion_id)
    if cert is None:
        return _not_found()
    token = issued_jwt(cert)
    if ext == "json":
        # The credential as JSON (what a wallet shows); its proof is the JWT beside it.
        definition, names = definition_and_names(cert.level)
        payload = credentials.build(cert, definition, names)
        body = json.dumps(payload, ensure_ascii=False, indent=2)
        response = current_app.response_class(body, mimetype="application/json")
    else:
        response = current_app.response_class(token, mimetype=JWT_TYPE)
    if dot:
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{cert.level}-{cert.id}.{ext}"')
    return _public(response, 60)


@bp.get("/ob3/issuer/jwks.json")
@bp.get("/.well-known/jwks.json")
def jwks():
    data = keys.jwks()
    db.session.commit()
    return _json(data, max_age=300)


@bp.get("/.well-known/did.json")
@bp.get("/did.json")
def did_document():
    data = keys.did_document()
    db.session.commit()
    response = _json(data, max_age=300)
    response.mimetype = "application/did+json"
    return response


@bp.get("/ob3/status/<name>")
def status_list(name: str):
    parsed = status.parse_list_name(name)
    if parsed is None:
        return _not_found()
    token = status.signed_list(parsed[0], parsed[1], utcnow())
    db.session.commit()
    # Short-lived in caches: a revocation must show within a minute.
    return _public(current_app.response_class(token, mimetype=JWT_TYPE), 60)
