"""Compact JWS (VC-JWT) signing and checking with jwcrypto, the keys from lms.ob3.keys."""

from __future__ import annotations

import json
from dataclasses import dataclass

from jwcrypto import jws
from jwcrypto.common import JWException, json_decode

from lms.ob3 import keys


@dataclass(frozen=True)
class Checked:
    valid: bool
    kid: str = ""
    claims: dict | None = None
    problem: str = ""


def sign(claims: dict) -> str:
    """The claims as a compact JWS signed with the current key (EdDSA over Ed25519)."""
    key = keys.current_key()
    token = jws.JWS(json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode())
    token.add_signature(key.key, alg="EdDSA",
                        protected=json.dumps({"alg": "EdDSA", "kid": key.kid, "typ": "JWT"}))
    return token.serialize(compact=True)


def check(compact: str) -> Checked:
    """Signature check against the published key named by the header's kid."""
    try:
        token = jws.JWS()
        token.deserialize(compact)
        header = token.jose_header
    except (JWException, ValueError):
        return Checked(False, problem="malformed")
    kid = header.get("kid") or ""
    if header.get("alg") != "EdDSA" or not kid.startswith(keys.issuer_did() + "#"):
        return Checked(False, kid=kid, problem="unknown_key")
    public = keys.public_key(kid.partition("#")[2])
    if public is None:
        return Checked(False, kid=kid, problem="unknown_key")
    try:
        token.verify(public, alg="EdDSA")
    except (JWException, ValueError):
        return Checked(False, kid=kid, problem="bad_signature")
    return Checked(True, kid=kid, claims=json_decode(token.payload))
