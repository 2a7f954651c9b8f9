"""OB 3.0 credentials checked by independent verifiers over real HTTP.

The app signs with jwcrypto. Two verifiers that share no code with lms.ob3 check it, the
key resolved only from what the live server publishes:

- PyJWT (another JOSE library), the key from the JWKS at /ob3/issuer/jwks.json or from the
  did:web document at /.well-known/did.json; the status lists decoded here by hand
  (gzip + base64url, bit 0 leftmost);
- openbadgeslib's OB3Verifier (a third-party Open Badges 3.0 implementation): did:web
  resolution, the kid's key, OB 3.0 structure, validity window, and every credentialStatus
  entry with the status list's own signature. did:web always resolves over https; the
  test's fetcher maps that to the live server's plain http on 127.0.0.1.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
from datetime import timedelta
from urllib.parse import unquote

import jwt
import pytest
import requests
from werkzeug.serving import make_server

from lms.cli import main
from lms.models.types import utcnow
from tests.certs.conftest import CONTENT
from tests.conftest import make_app


@pytest.fixture()
def live(app, db, tmp_path):
    """This app over real HTTP on a free port, with LMS_BASE_URL pointing at it."""
    served = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      CONTENT_DIR=str(CONTENT), SERVER_NAME=None)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    served.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    thread.join()
    with served.app_context():
        from lms.extensions import db as _db

        _db.engine.dispose()


def awarded(make, facts, award, org="acme"):
    user = make.user("learner", org=make.org(org), email=f"{org}@example.com")
    facts.bronze_ready(user)
    return award(user).awarded[0]


def fetch_credential(base: str, cert_id: str) -> str:
    response = requests.get(f"{base}/ob3/credentials/{cert_id}", timeout=10)
    assert response.status_code == 200
    return response.text


def key_from_jwks(base: str, token: str):
    return jwt.PyJWKClient(f"{base}/ob3/issuer/jwks.json").get_signing_key_from_jwt(token).key


def key_from_did_web(token: str):
    """did:web resolution: did:web:host%3Aport -> http://host:port/.well-known/did.json."""
    kid = jwt.get_unverified_header(token)["kid"]
    did, _, _fragment = kid.partition("#")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert did == claims["iss"] and did.startswith("did:web:")
    host = unquote(did.removeprefix("did:web:").split(":")[0])
    document = requests.get(f"http://{host}/.well-known/did.json", timeout=10).json()
    assert document["id"] == did and kid in document["assertionMethod"]
    method = next(m for m in document["verificationMethod"] if m["id"] == kid)
    return jwt.PyJWK(method["publicKeyJwk"], algorithm="EdDSA").key


def verify(token: str, key, **options) -> dict:
    """PyJWT checks the EdDSA signature, nbf and exp; then the OB 3.0 claim rules."""
    claims = jwt.decode(token, key, algorithms=["EdDSA"],
                        options={"require": ["iss", "jti", "nbf", "sub"], **options})
    assert claims["iss"] == claims["issuer"]["id"]
    assert claims["jti"] == claims["id"]
    assert claims["sub"] == claims["credentialSubject"]["id"]
    return claims


def status_bits(base: str, claims: dict) -> dict[str, bool]:
    """Each credentialStatus entry's bit, from its list credential verified by PyJWT."""
    bits = {}
    for entry in claims["credentialStatus"]:
        assert entry["type"] == "BitstringStatusListEntry"
        listed_token = requests.get(entry["statusListCredential"], timeout=10).text
        listed = jwt.decode(listed_token, key_from_jwks(base, listed_token), algorithms=["EdDSA"])
        assert listed["id"] == entry["statusListCredential"]
        assert "BitstringStatusListCredential" in listed["type"]
        subject = listed["credentialSubject"]
        assert subject["type"] == "BitstringStatusList"
        assert subject["statusPurpose"] == entry["statusPurpose"]
        encoded = subject["encodedList"]
        assert encoded[0] == "u"  # multibase base64url
        data = encoded[1:]
        raw = gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
        assert len(raw) * 8 >= 131072
        index = int(entry["statusListIndex"])
        bits[entry["statusPurpose"]] = bool(raw[index // 8] & (0x80 >> (index % 8)))
    return bits


def test_independent_verifier_accepts_the_credential_from_jwks_and_did_web(live, make, facts,
                                                                            award):
    base = live.config["BASE_URL"]
    cert = awarded(make, facts, award)
    token = fetch_credential(base, cert.id)
    for key in (key_from_jwks(base, token), key_from_did_web(token)):
        claims = verify(token, key)
        assert "OpenBadgeCredential" in claims["type"]
        assert claims["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert claims["iss"] == "did:web:127.0.0.1%3A" + base.rsplit(":", 1)[1]
    assert status_bits(base, claims) == {"revocation": False, "suspension": False}


def test_independent_verifier_detects_tampering(live, make, facts, award):
    base = live.config["BASE_URL"]
    token = fetch_credential(base, awarded(make, facts, award).id)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["name"] = "Gold Certification"
    claims["exp"] += 10 * 365 * 86400
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    key = key_from_jwks(base, token)
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{header}.{forged}.{signature}", key)
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{header}.{payload}.{flipped}", key)


def test_revocation_and_expiry_are_visible_in_the_status_lists(live, make, facts, award, db):
    from lms.models import Certification
    from lms.services.certifications import revoke

    base = live.config["BASE_URL"]
    revoked = awarded(make, facts, award, org="revoked")
    lapsed = awarded(make, facts, award, org="lapsed")
    revoked_claims = verify(fetch_credential(base, revoked.id), key_from_jwks(
        base, fetch_credential(base, revoked.id)))
    lapsed_token = fetch_credential(base, lapsed.id)
    lapsed_claims = verify(lapsed_token, key_from_jwks(base, lapsed_token))
    revoke(revoked.id, "Misconduct", actor_id=None)
    db.session.get(Certification, lapsed.id).expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert status_bits(base, revoked_claims) == {"revocation": True, "suspension": False}
    assert status_bits(base, lapsed_claims) == {"revocation": False, "suspension": True}


def loopback_fetch(url: str) -> bytes:
    """openbadgeslib's download hook: its https:// did:web URL served by our http server."""
    assert url.startswith(("https://127.0.0.1:", "http://127.0.0.1:")), url
    response = requests.get(url.replace("https://", "http://", 1), timeout=10)
    response.raise_for_status()
    return response.content


def openbadgeslib_verify(token: str):
    from openbadgeslib.ob3 import OB3Verifier

    did = jwt.decode(token, options={"verify_signature": False})["iss"]
    verifier = OB3Verifier.for_issuer_did(did, download=loopback_fetch)
    return verifier.verify(token, check_status=True, download=loopback_fetch)


def test_openbadgeslib_verifies_the_credential_and_its_status(live, make, facts, award, db):
    from openbadgeslib.ob3 import OB3VerificationError

    from lms.models import Certification
    from lms.services.certifications import revoke

    base = live.config["BASE_URL"]
    cert = awarded(make, facts, award)
    token = fetch_credential(base, cert.id)
    credential = openbadgeslib_verify(token)
    assert credential.issuer.id == jwt.decode(token, options={"verify_signature": False})["iss"]

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["name"] = "Gold Certification"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(OB3VerificationError):
        openbadgeslib_verify(f"{header}.{forged}.{signature}")

    lapsed = awarded(make, facts, award, org="lapsed")
    lapsed_token = fetch_credential(base, lapsed.id)
    db.session.get(Certification, lapsed.id).expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(OB3VerificationError, match="suspension"):
        openbadgeslib_verify(lapsed_token)

    revoke(cert.id, "Misconduct", actor_id=None)
    with pytest.raises(OB3VerificationError, match="revocation"):
        openbadgeslib_verify(token)


def test_rotated_key_still_verifies_the_old_credential(live, make, facts, award, db):
    base = live.config["BASE_URL"]
    cert = awarded(make, facts, award)
    old = fetch_credential(base, cert.id)
    result = live.test_cli_runner().invoke(main, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    new = fetch_credential(base, cert.id)
    assert jwt.get_unverified_header(old)["kid"] != jwt.get_unverified_header(new)["kid"]
    for token in (old, new):
        verify(token, key_from_jwks(base, token))
        verify(token, key_from_did_web(token))
    # openbadgeslib checks the status lists with the DID document's first key: the current
    # one, which signs the lists now, also for a credential signed by a retired key.
    for token in (old, new):
        openbadgeslib_verify(token)
    claims = verify(old, key_from_did_web(old))
    assert status_bits(base, claims) == {"revocation": False, "suspension": False}
