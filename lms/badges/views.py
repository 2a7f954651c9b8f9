"""Public badge hosting and verification: no sign-in, readable by anyone and any backpack."""

from __future__ import annotations

import io
import re

from flask import Blueprint, abort, current_app, jsonify, render_template
from flask_babel import gettext as _

from lms.badges.images import badge_png, badge_svg
from lms.extensions import db
from lms.models import Certification
from lms.services import badges
from lms.services.certifications import program_or_none, status
from lms.web import content_store

bp = Blueprint("badges", __name__)

_ASSERTION_ID = re.compile(r"^[0-9a-f]{32}$")


def _public(response, max_age: int = 300):
    # Backpacks and validators fetch these from other origins.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _json(data: dict, status_code: int = 200):
    response = jsonify(data)
    response.status_code = status_code
    return _public(response)


def _not_found_json():
    return _json({"error": {"code": "not_found", "message": "Not found."}}, 404)


def _definition(level: str):
    program = program_or_none()
    definition = program.certification(level) if program else None
    return definition


def _certification(assertion_id: str) -> Certification | None:
    if not _ASSERTION_ID.match(assertion_id or ""):
        return None
    return db.session.get(Certification, assertion_id)


def _names() -> dict[str, str]:
    store = content_store()
    names = {c.slug: c.title for c in store.courses()}
    names.update({q.slug: q.title for q in store.quizzes()})
    return names


@bp.get("/badges/issuer.json")
def issuer():
    return _json(badges.issuer_json())


@bp.get("/badges/classes/<level>.json")
def badge_class(level: str):
    definition = _definition(level)
    if definition is None:
        return _not_found_json()
    return _json(badges.badge_class_json(definition, _names()))


@bp.get("/badges/images/<level>.<ext>")
def level_image(level: str, ext: str):
    definition = _definition(level)
    if definition is None or ext not in ("svg", "png"):
        abort(404)
    if ext == "svg":
        body = badge_svg(definition.level, definition.title, definition.rank,
                         current_app.config.get("ISSUER_NAME", "Partner Academy"))
        response = current_app.response_class(body, mimetype="image/svg+xml")
    else:
        response = current_app.response_class(badge_png(definition.level, definition.rank),
                                              mimetype="image/png")
    return _public(response, 86400)


@bp.get("/badges/assertions/<assertion_id>.json")
def assertion(assertion_id: str):
    cert = _certification(assertion_id)
    if cert is None:
        return _not_found_json()
    if cert.revoked_at is not None:
        return _json(badges.revoked_json(cert), 410)
    return _json(badges.assertion_json(cert))


@bp.get("/badges/assertions/<assertion_id>.png")
def baked_image(assertion_id: str):
    cert = _certification(assertion_id)
    if cert is None:
        abort(404)
    if cert.revoked_at is not None:
        return _json(badges.revoked_json(cert), 410)
    definition = _definition(cert.level)
    png = badge_png(cert.level, definition.rank if definition else 0)
    baked = badges.bake_png(png, badges.assertion_url(cert.id))
    response = current_app.response_class(baked, mimetype="image/png")
    response.headers["Content-Disposition"] = (
        f'inline; filename="{cert.level}-{cert.id}.png"')
    return _public(response)


@bp.get("/verify/<assertion_id>")
def verify(assertion_id: str):
    cert = _certification(assertion_id)
    if cert is None:
        abort(404)
    definition = _definition(cert.level)
    return render_template(
        "badges/verify.html", cert=cert, status=status(cert),
        title=definition.title if definition else cert.level.capitalize(),
        assertion_url=badges.assertion_url(cert.id),
        ob3=_verified_credential(cert),
        page_title=_("Certificate verification"))


def _verified_credential(cert: Certification):
    """The Open Badges 3.0 credential of the certification, checked as a verifier would:
    its signature against the published key, then its status lists (signed too)."""
    from lms.models.types import utcnow
    from lms.ob3 import credentials
    from lms.ob3.views import issued_jwt

    verification = credentials.verify(issued_jwt(cert), utcnow())
    db.session.commit()
    return verification


@bp.get("/verify/<assertion_id>/qr.svg")
def verify_qr(assertion_id: str):
    """A QR code of the verify page, drawn on the server (no script, no third party)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    cert = _certification(assertion_id)
    if cert is None:
        abort(404)
    image = qrcode.make(badges.verify_url(cert.id), image_factory=SvgPathImage, box_size=10,
                        border=2)
    out = io.BytesIO()
    image.save(out)
    return _public(current_app.response_class(out.getvalue(), mimetype="image/svg+xml"), 86400)
