"""Open Badges 2.0 hosted verification: issuer, badge classes, assertions, baking.

Every URL is absolute, from the configured public origin (``LMS_BASE_URL``), never from
the request's Host header, so a badge copied anywhere still points back here.
"""

from __future__ import annotations

import struct
import zlib
from datetime import datetime, timezone

from flask import current_app

from lms.content.program import Certification as LevelDefinition
from lms.security.urls import absolute_url

OB_CONTEXT = "https://w3id.org/openbadges/v2"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def issuer_url() -> str:
    return absolute_url("badges.issuer")


def badge_class_url(level: str) -> str:
    return absolute_url("badges.badge_class", level=level)


def assertion_url(assertion_id: str) -> str:
    return absolute_url("badges.assertion", assertion_id=assertion_id)


def verify_url(assertion_id: str) -> str:
    return absolute_url("badges.verify", assertion_id=assertion_id)


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_json() -> dict:
    config = current_app.config
    return {
        "@context": OB_CONTEXT,
        "type": "Issuer",
        "id": issuer_url(),
        "name": config.get("ISSUER_NAME", "Partner Academy"),
        "url": absolute_url("catalog.index"),
        "email": config.get("MAIL_FROM", "academy@example.com"),
    }


def criteria_narrative(definition: LevelDefinition, names: dict[str, str]) -> str:
    """What the level asks for, in English Markdown (the badge is shown worldwide)."""
    lines = []
    for level in definition.requires:
        lines.append(f"- Hold an active {level.capitalize()} certification")
    for slug in definition.courses:
        lines.append(f"- Complete the course \"{names.get(slug, slug)}\"")
    for quiz, minimum in definition.exams:
        lines.append(f"- Score at least {minimum:g}% on \"{names.get(quiz, quiz)}\"")
    if definition.practical:
        lines.append("- Pass a practical assessment signed off by a trainer")
    for name, minimum in definition.evidence:
        label = {"deals_closed": "Closed deals", "csat": "Customer satisfaction"}.get(name, name)
        lines.append(f"- {label}: at least {minimum:g}")
    for name in definition.approvals:
        lines.append(f"- Signed-off {name}")
    if definition.valid_for is not None:
        lines.append(f"- Valid for {definition.valid_for.days} days after the award")
    return "\n".join(lines) or "- Awarded by the program administrator"


def badge_class_json(definition: LevelDefinition, names: dict[str, str]) -> dict:
    return {
        "@context": OB_CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(definition.level),
        "name": definition.title,
        "description": f"{definition.title}: a {definition.level.capitalize()} level "
                       f"certification of the {current_app.config.get('ISSUER_NAME', 'Partner Academy')} "
                       "partner program.",
        "image": absolute_url("badges.level_image", level=definition.level, ext="png"),
        "criteria": {"narrative": criteria_narrative(definition, names)},
        "issuer": issuer_url(),
        "tags": [definition.level],
    }


def assertion_json(cert) -> dict:
    data = {
        "@context": OB_CONTEXT,
        "type": "Assertion",
        "id": assertion_url(cert.id),
        "recipient": {"type": "email", "hashed": True, "salt": cert.recipient_salt,
                      "identity": cert.recipient_identity},
        "badge": badge_class_url(cert.level),
        "verification": {"type": "hosted"},
        "issuedOn": iso(cert.awarded_at),
        "image": absolute_url("badges.baked_image", assertion_id=cert.id),
        "evidence": verify_url(cert.id),
    }
    if cert.expires_at is not None:
        data["expires"] = iso(cert.expires_at)
    return data


def revoked_json(cert) -> dict:
    return {"@context": OB_CONTEXT, "type": "Assertion", "id": assertion_url(cert.id),
            "revoked": True, "revocationReason": cert.revoke_reason or ""}


# -- baking ---------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def bake_png(png: bytes, payload: str) -> bytes:
    """The image with an ``openbadges`` iTXt chunk (uncompressed) holding ``payload``,
    placed before IEND as the Open Badges baking specification asks."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG image")
    itxt = b"openbadges\x00" + b"\x00\x00" + b"\x00" + b"\x00" + payload.encode("utf-8")
    out, pos = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        end = pos + 12 + length
        if kind == b"iTXt" and png[pos + 8:pos + 8 + len(b"openbadges\x00")] == b"openbadges\x00":
            pos = end  # an image is baked once: drop any earlier badge
            continue
        if kind == b"IEND":
            out.append(_chunk(b"iTXt", itxt))
        out.append(png[pos:end])
        pos = end
    return b"".join(out)


def unbake_png(png: bytes) -> str | None:
    """The payload of the ``openbadges`` iTXt chunk, or None."""
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        if kind == b"iTXt" and data.startswith(b"openbadges\x00"):
            rest = data[len(b"openbadges\x00"):]
            compressed = rest[0]
            rest = rest[2:]
            _lang, _, rest = rest.partition(b"\x00")
            _translated, _, text = rest.partition(b"\x00")
            return (zlib.decompress(text) if compressed else text).decode("utf-8")
        pos += 12 + length
    return None
