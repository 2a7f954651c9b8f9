"""Each certification as an Open Badges 3.0 ``OpenBadgeCredential``, secured as a VC-JWT.

The credential is built from the database and program.yml on each request and signed with
the current key; Ed25519 signatures are deterministic, so the same certification gives the
same JWT until the key is rotated or the certification changes (renewal moves validUntil).
A JWT handed out before a rotation keeps verifying: its key stays published.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app

from lms.models import Certification
from lms.ob3 import jose, keys, status
from lms.security.urls import absolute_url, public_origin
from lms.services import badges

OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def credential_url(cert_id: str) -> str:
    return absolute_url("ob3.credential", name=cert_id)


def subject_id(user_id: int) -> str:
    """A stable, opaque id of the recipient at this issuer (no e-mail address in it)."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{public_origin()}/users/{user_id}"))


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(value: datetime) -> int:
    return int(value.astimezone(timezone.utc).replace(microsecond=0).timestamp())


def issuer_profile() -> dict:
    config = current_app.config
    return {"id": keys.issuer_did(), "type": ["Profile"],
            "name": config.get("ISSUER_NAME", "Partner Academy"),
            "url": absolute_url("catalog.index"),
            "email": config.get("MAIL_FROM", "academy@example.com")}


def achievement(definition, level: str, names: dict[str, str]) -> dict:
    title = definition.title if definition else level.capitalize()
    issuer = current_app.config.get("ISSUER_NAME", "Partner Academy")
    data = {
        "id": badges.badge_class_url(level),
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": title,
        "description": f"{title}: a {level.capitalize()} level certification of the "
                       f"{issuer} partner program.",
        "criteria": {"narrative": badges.criteria_narrative(definition, names)
                     if definition else "- Awarded by the program administrator"},
        "image": {"id": absolute_url("badges.level_image", level=level, ext="png"),
                  "type": "Image"},
    }
    return data


def build(cert: Certification, definition, names: dict[str, str]) -> dict:
    """The credential and its JWT claims (exp, iss, jti, nbf, sub) in one payload."""
    index = status.ensure_index(cert)
    issuer = issuer_profile()
    subject = {"id": subject_id(cert.user_id), "type": ["AchievementSubject"],
               "achievement": achievement(definition, cert.level, names)}
    if cert.recipient_identity and cert.recipient_salt:
        subject["identifier"] = [{"type": "IdentityObject", "identityType": "emailAddress",
                                  "hashed": True, "identityHash": cert.recipient_identity,
                                  "salt": cert.recipient_salt}]
    valid_from = cert.awarded_at.replace(microsecond=0)
    data = {
        "@context": [status.VC_CONTEXT, OB3_CONTEXT],
        "id": credential_url(cert.id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": subject["achievement"]["name"],
        "issuer": issuer,
        "validFrom": _iso(valid_from),
        "credentialSubject": subject,
        "credentialStatus": status.entries(index),
        "iss": issuer["id"],
        "jti": credential_url(cert.id),
        "sub": subject["id"],
        "nbf": _seconds(valid_from),
    }
    if cert.expires_at is not None:
        valid_until = cert.expires_at.replace(microsecond=0)
        data["validUntil"] = _iso(valid_until)
        data["exp"] = _seconds(valid_until)
    return data


def issue(cert: Certification, definition, names: dict[str, str]) -> str:
    return jose.sign(build(cert, definition, names))


@dataclass(frozen=True)
class Verification:
    """What the verify page says about a credential."""

    signature_valid: bool
    kid: str
    revoked: bool
    expired: bool
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.signature_valid and not self.revoked and not self.expired


def verify(compact: str, now: datetime) -> Verification:
    """Signature, then the claims against the credential, then both status lists."""
    checked = jose.check(compact)
    if not checked.valid:
        return Verification(False, checked.kid, False, False, checked.problem)
    claims = checked.claims or {}
    if (claims.get("iss") != (claims.get("issuer") or {}).get("id")
            or claims.get("jti") != claims.get("id")
            or claims.get("sub") != (claims.get("credentialSubject") or {}).get("id")):
        return Verification(False, checked.kid, False, False, "claims_mismatch")
    expired = "exp" in claims and claims["exp"] <= now.timestamp()
    flags = {}
    for entry in claims.get("credentialStatus") or []:
        flags[entry["statusPurpose"]] = _status_bit(entry, now)
    if any(value is None for value in flags.values()):
        return Verification(False, checked.kid, False, expired, "status_unavailable")
    return Verification(True, checked.kid, bool(flags.get("revocation")),
                        expired or bool(flags.get("suspension")))


def _status_bit(entry: dict, now: datetime) -> bool | None:
    """The entry's bit in its list, the list itself signature-checked first."""
    url = entry.get("statusListCredential") or ""
    prefix = absolute_url("ob3.status_list", name="x")[:-1]
    parsed = status.parse_list_name(url[len(prefix):]) if url.startswith(prefix) else None
    if parsed is None:
        return None
    listed = jose.check(status.signed_list(parsed[0], parsed[1], now))
    if not listed.valid:
        return None
    subject = listed.claims["credentialSubject"]
    if subject.get("statusPurpose") != entry.get("statusPurpose"):
        return None
    return status.bit(status.decode(subject["encodedList"]), int(entry["statusListIndex"]))
