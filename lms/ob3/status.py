"""W3C Bitstring Status Lists: where each certification's revocation and expiry are published.

A certification gets a random position the first time its credential is issued (herd
privacy: neighbours in a list say nothing about each other). Position ``i`` lives in list
``i // LIST_SIZE``; each list is filled to half at most, so a random free position is found
at once. Two lists share the positions: ``revocation-<n>`` (bit set once revoked) and
``suspension-<n>`` (bit set once the certification has lapsed, past its expiry). The lists
are computed from the database on each request and signed, so a revocation shows at once.
"""

from __future__ import annotations

import base64
import gzip
import secrets
from datetime import datetime, timezone

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.models import Certification
from lms.ob3 import jose, keys
from lms.security.urls import absolute_url

LIST_SIZE = 131072  # bits: the 16 KiB minimum the specification asks for
PURPOSES = ("revocation", "suspension")
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def list_name(purpose: str, number: int) -> str:
    return f"{purpose}-{number}"


def parse_list_name(name: str) -> tuple[str, int] | None:
    purpose, _, number = (name or "").partition("-")
    if purpose not in PURPOSES or not number.isdigit() or len(number) > 6:
        return None
    return purpose, int(number)


def list_url(purpose: str, number: int) -> str:
    return absolute_url("ob3.status_list", name=list_name(purpose, number))


def ensure_index(cert: Certification) -> int:
    """The certification's position, given now at random if it has none (caller commits)."""
    if cert.status_index is not None:
        return cert.status_index
    used = db.session.scalar(select(func.count()).select_from(Certification)
                             .where(Certification.status_index.is_not(None))) or 0
    number = used // (LIST_SIZE // 2)
    for _ in range(16):
        candidate = number * LIST_SIZE + secrets.randbelow(LIST_SIZE)
        try:
            with db.session.begin_nested():
                db.session.execute(update(Certification)
                                   .where(Certification.id == cert.id,
                                          Certification.status_index.is_(None))
                                   .values(status_index=candidate)
                                   .execution_options(synchronize_session=False))
        except IntegrityError:
            continue  # taken by another certification: draw again
        break
    index = db.session.scalar(select(Certification.status_index)
                              .where(Certification.id == cert.id))
    if index is None:
        raise RuntimeError("no free status list position found")
    cert.status_index = index
    return index


def entries(index: int) -> list[dict]:
    number, position = divmod(index, LIST_SIZE)
    out = []
    for purpose in PURPOSES:
        url = list_url(purpose, number)
        out.append({"id": f"{url}#{position}", "type": "BitstringStatusListEntry",
                    "statusPurpose": purpose, "statusListIndex": str(position),
                    "statusListCredential": url})
    return out


def _set_positions(purpose: str, number: int, now: datetime) -> list[int]:
    base = number * LIST_SIZE
    query = select(Certification.status_index).where(
        Certification.status_index >= base, Certification.status_index < base + LIST_SIZE)
    if purpose == "revocation":
        query = query.where(Certification.revoked_at.is_not(None))
    else:
        query = query.where(Certification.expires_at.is_not(None),
                            Certification.expires_at <= now)
    return [index - base for index in db.session.scalars(query)]


def encode(positions: list[int]) -> str:
    """Multibase base64url (no padding) of the GZIP-compressed bitstring; bit 0 leftmost."""
    bits = bytearray(LIST_SIZE // 8)
    for position in positions:
        bits[position // 8] |= 0x80 >> (position % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("not a multibase base64url value")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit(bitstring: bytes, position: int) -> bool:
    return bool(bitstring[position // 8] & (0x80 >> (position % 8)))


def list_credential(purpose: str, number: int, now: datetime) -> dict:
    url = list_url(purpose, number)
    issued = int(now.timestamp())
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": keys.issuer_did(),
        "validFrom": _iso(issued),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": purpose,
                              "encodedList": encode(_set_positions(purpose, number, now))},
        "iss": keys.issuer_did(), "jti": url, "sub": f"{url}#list", "nbf": issued,
        "iat": issued,
    }


def signed_list(purpose: str, number: int, now: datetime) -> str:
    return jose.sign(list_credential(purpose, number, now))


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
