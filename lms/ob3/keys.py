"""The issuer's Ed25519 signing key, its rotation, and the published public keys.

The private key is a PEM file, ``ob3_issuer_key.pem`` in the instance folder (generated once,
mode 0600), or ``LMS_OB3_KEY``: a PEM private key itself or the path of its file. Every key
that ever signed is published by the public half stored in ``ob3_keys`` (the database), so a
rotation, a lost key file or several servers with their own keys never stop a credential
already issued from verifying. ``lms keys rotate`` writes a new key over the file and marks
the previous one retired: it stays in the JWKS and the DID document, and signs nothing new.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import current_app
from jwcrypto import jwk
from sqlalchemy import select, update

from lms.database import upsert_ignore
from lms.extensions import db
from lms.models import Ob3Key
from lms.models.types import utcnow
from lms.security.urls import public_origin

KEY_FILE = "ob3_issuer_key.pem"


class KeyNotRotatable(RuntimeError):
    """The key is given inline in LMS_OB3_KEY: the operator replaces it there."""


@dataclass(frozen=True)
class SigningKey:
    key: jwk.JWK
    thumbprint: str

    @property
    def kid(self) -> str:
        return key_id(self.thumbprint)


_cache: dict[str, tuple[int, SigningKey]] = {}


# -- identifiers -------------------------------------------------------------------


def issuer_did() -> str:
    """did:web of the public origin (LMS_BASE_URL): host, its port encoded, path segments."""
    parts = urlsplit(public_origin())
    did = "did:web:" + quote(parts.netloc, safe="")
    for segment in [s for s in parts.path.split("/") if s]:
        did += ":" + quote(segment, safe="")
    return did


def key_id(thumbprint: str) -> str:
    """The key's id: a DID URL, the same string in the JWS header, the JWKS and did.json."""
    return f"{issuer_did()}#{thumbprint}"


# -- the private key ---------------------------------------------------------------


def _configured() -> str:
    return (current_app.config.get("OB3_KEY") or "").strip()


def key_path() -> Path | None:
    """The key file, or None when LMS_OB3_KEY holds the PEM itself."""
    value = _configured()
    if value.startswith("-----BEGIN"):
        return None
    return Path(value) if value else Path(current_app.instance_path) / KEY_FILE


def _from_pem(pem: bytes) -> SigningKey:
    key = jwk.JWK.from_pem(pem)
    if key.get("kty") != "OKP" or key.get("crv") != "Ed25519" or not key.has_private:
        raise ValueError("the Open Badges 3.0 issuer key must be an Ed25519 private key")
    return SigningKey(key, key.thumbprint())


def _new_pem() -> bytes:
    return jwk.JWK.generate(kty="OKP", crv="Ed25519").export_to_pem(private_key=True,
                                                                     password=None)


def _write_new_key(directory: Path) -> str:
    """A new key in a private temporary file beside the key file; its name."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".ob3-key-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(_new_pem())
    os.chmod(tmp, 0o600)
    return tmp


def _create_once(path: Path) -> None:
    # Written aside, then linked into place: when several workers start at once exactly one
    # key wins, and nobody ever reads a half-written file.
    tmp = _write_new_key(path.parent)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def signing_key() -> SigningKey:
    """The current key, read again whenever its file changed (a rotation by the CLI)."""
    path = key_path()
    if path is None:
        inline = _configured()
        cached = _cache.get(inline)
        if cached is None:
            cached = (0, _from_pem(inline.encode()))
            _cache[inline] = cached
        return cached[1]
    if not path.exists():
        _create_once(path)
    stamp = path.stat().st_mtime_ns
    cached = _cache.get(str(path))
    if cached is None or cached[0] != stamp:
        cached = (stamp, _from_pem(path.read_bytes()))
        _cache[str(path)] = cached
    return cached[1]


def current_key() -> SigningKey:
    """The signing key, its public half published first (in the caller's transaction)."""
    key = signing_key()
    if db.session.get(Ob3Key, key.thumbprint) is None:
        upsert_ignore(Ob3Key, {"kid": key.thumbprint, "public_jwk": public_jwk(key.key),
                               "created_at": utcnow()}, ("kid",))
    return key


def public_jwk(key: jwk.JWK) -> dict:
    data = key.export_public(as_dict=True)
    assert "d" not in data
    return {k: data[k] for k in ("kty", "crv", "x")}


def rotate() -> tuple[str, str]:
    """A new key replaces the file's; the old one stays published, retired. (old, new) kids."""
    path = key_path()
    if path is None:
        raise KeyNotRotatable("LMS_OB3_KEY holds the key itself: put a new Ed25519 PEM key "
                              "there and restart; the old public key stays published")
    old = current_key()
    db.session.commit()
    # Atomic: a worker reads the old key or the new one, never half of one.
    os.replace(_write_new_key(path.parent), path)
    new = current_key()
    db.session.execute(update(Ob3Key).where(Ob3Key.kid != new.thumbprint,
                                            Ob3Key.retired_at.is_(None))
                       .values(retired_at=utcnow()))
    db.session.commit()
    return old.kid, new.kid


# -- publication -------------------------------------------------------------------


def published_keys() -> list[Ob3Key]:
    """Every published key, the current one first (verifiers that take a DID's first key,
    e.g. for the status lists, get the key that signs now), then the newest retired ones."""
    current = current_key().thumbprint
    rows = db.session.scalars(select(Ob3Key).order_by(Ob3Key.created_at.desc(), Ob3Key.kid))
    return sorted(rows, key=lambda row: row.kid != current)


def public_key(thumbprint: str) -> jwk.JWK | None:
    row = db.session.get(Ob3Key, thumbprint)
    return jwk.JWK(**row.public_jwk) if row is not None else None


def jwks() -> dict:
    keys = []
    for row in published_keys():
        keys.append({**row.public_jwk, "kid": key_id(row.kid), "use": "sig", "alg": "EdDSA"})
    return {"keys": keys}


def did_document() -> dict:
    did = issuer_did()
    methods = [{"id": key_id(row.kid), "type": "JsonWebKey2020", "controller": did,
                "publicKeyJwk": row.public_jwk} for row in published_keys()]
    ids = [m["id"] for m in methods]
    return {
        "@context": ["https://www.w3.org/ns/did/v1",
                     "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }
