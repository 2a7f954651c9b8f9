"""Open Badges 3.0: credentials as VC-JWTs, published keys, status lists, rotation, verify page."""

from __future__ import annotations

import base64
import json
from datetime import timedelta


from lms.cli import main
from lms.models.types import utcnow
from lms.ob3 import jose, status
from lms.services.certifications import revoke


def awarded(make, facts, award, email="holder@example.com", org="acme"):
    user = make.user("learner", org=make.org(org), email=email)
    facts.bronze_ready(user)
    return user, award(user).awarded[0]


def parts(token: str) -> tuple[dict, dict]:
    def load(segment):
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))

    header, payload, _signature = token.split(".")
    return load(header), load(payload)


def bit_of(client, entry) -> bool:
    path = entry["statusListCredential"].removeprefix("http://academy.test")
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    checked = jose.check(response.get_data(as_text=True))
    assert checked.valid
    subject = checked.claims["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"]
    return status.bit(status.decode(subject["encodedList"]), int(entry["statusListIndex"]))


def test_certification_is_an_open_badge_credential(client, make, facts, award):
    user, cert = awarded(make, facts, award)
    response = client.get(f"/ob3/credentials/{cert.id}")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    header, vc = parts(response.get_data(as_text=True))
    assert header == {"alg": "EdDSA", "kid": header["kid"], "typ": "JWT"}
    assert header["kid"].startswith("did:web:academy.test#")
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2",
                              "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == vc["jti"] == f"http://academy.test/ob3/credentials/{cert.id}"
    assert vc["issuer"]["id"] == vc["iss"] == "did:web:academy.test"
    assert vc["issuer"]["type"] == ["Profile"] and vc["issuer"]["name"]
    subject = vc["credentialSubject"]
    assert subject["id"] == vc["sub"] and subject["id"].startswith("urn:uuid:")
    assert subject["type"] == ["AchievementSubject"]
    identity = subject["identifier"][0]
    assert identity == {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                        "identityHash": cert.recipient_identity, "salt": cert.recipient_salt}
    assert user.email not in json.dumps(vc)
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["name"] == "Bronze Certification"
    assert "at least 80%" in achievement["criteria"]["narrative"]
    assert vc["validFrom"].endswith("Z") and vc["validUntil"] > vc["validFrom"]
    assert vc["nbf"] == int(cert.awarded_at.replace(microsecond=0).timestamp())
    assert vc["exp"] == int(cert.expires_at.replace(microsecond=0).timestamp())
    purposes = [(e["type"], e["statusPurpose"]) for e in vc["credentialStatus"]]
    assert purposes == [("BitstringStatusListEntry", "revocation"),
                        ("BitstringStatusListEntry", "suspension")]
    # The same certification gives the same signed credential (deterministic Ed25519).
    assert client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True) == \
        response.get_data(as_text=True)
    assert jose.check(response.get_data(as_text=True)).valid


def test_downloads_for_wallets(client, make, facts, award):
    _, cert = awarded(make, facts, award)
    jwt = client.get(f"/ob3/credentials/{cert.id}.jwt")
    assert jwt.headers["Content-Disposition"] == f'attachment; filename="bronze-{cert.id}.jwt"'
    assert jwt.get_data(as_text=True).count(".") == 2
    as_json = client.get(f"/ob3/credentials/{cert.id}.json")
    assert as_json.mimetype == "application/json"
    assert as_json.get_json()["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert as_json.get_json() == parts(jwt.get_data(as_text=True))[1]
    assert client.get(f"/ob3/credentials/{cert.id}.xml").status_code == 404
    assert client.get("/ob3/credentials/" + "0" * 32).status_code == 404


def test_keys_published_as_jwks_and_did_web_without_the_private_part(client, make, facts, award):
    _, cert = awarded(make, facts, award)
    kid = parts(client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True))[0]["kid"]
    for path in ("/ob3/issuer/jwks.json", "/.well-known/jwks.json"):
        jwks = client.get(path, headers={"Host": "evil.example"}).get_json()
        key = next(k for k in jwks["keys"] if k["kid"] == kid)
        assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and "d" not in key
    did = client.get("/.well-known/did.json", headers={"Host": "evil.example"})
    assert did.mimetype == "application/did+json"
    document = did.get_json()
    assert document["id"] == "did:web:academy.test"
    method = next(m for m in document["verificationMethod"] if m["id"] == kid)
    assert method["controller"] == "did:web:academy.test" and "d" not in method["publicKeyJwk"]
    assert kid in document["assertionMethod"]
    forged = client.get(f"/ob3/credentials/{cert.id}", headers={"Host": "evil.example"})
    assert "evil.example" not in json.dumps(parts(forged.get_data(as_text=True)))


def test_tampered_credential_fails(client, make, facts, award):
    _, cert = awarded(make, facts, award)
    token = client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True)
    header, payload, signature = token.split(".")
    _, vc = parts(token)
    vc["credentialSubject"]["achievement"]["name"] = "Gold Certification"
    forged = base64.urlsafe_b64encode(json.dumps(vc).encode()).decode().rstrip("=")
    assert jose.check(f"{header}.{forged}.{signature}").problem == "bad_signature"
    assert jose.check(token).valid


def test_revocation_flips_the_bit_and_the_verify_page_says_so(client, make, facts, award):
    _, cert = awarded(make, facts, award)
    _, vc = parts(client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True))
    revocation, suspension = vc["credentialStatus"]
    assert bit_of(client, revocation) is False and bit_of(client, suspension) is False
    page = client.get(f"/verify/{cert.id}").get_data(as_text=True)
    assert "ob3-verified" in page and f"/ob3/credentials/{cert.id}.jwt" in page
    revoke(cert.id, "Misconduct", actor_id=None)
    assert bit_of(client, revocation) is True and bit_of(client, suspension) is False
    page = client.get(f"/verify/{cert.id}").get_data(as_text=True)
    assert "ob3-revoked" in page


def test_expiry_shows_in_the_suspension_list(client, make, facts, award, db):
    _, cert = awarded(make, facts, award)
    _, vc = parts(client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True))
    revocation, suspension = vc["credentialStatus"]
    assert bit_of(client, suspension) is False
    from lms.models import Certification

    db.session.get(Certification, cert.id).expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert bit_of(client, suspension) is True and bit_of(client, revocation) is False
    assert "ob3-expired" in client.get(f"/verify/{cert.id}").get_data(as_text=True)


def test_status_positions_are_unique_and_lists_are_bounded(client, make, facts, award):
    ids = set()
    for n in range(3):
        _, cert = awarded(make, facts, award, email=f"h{n}@example.com", org=f"o{n}")
        _, vc = parts(client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True))
        ids.add(vc["credentialStatus"][0]["id"])
    assert len(ids) == 3
    assert client.get("/ob3/status/refresh-0").status_code == 404
    assert client.get("/ob3/status/revocation-x").status_code == 404
    _, listed = parts(client.get("/ob3/status/revocation-0").get_data(as_text=True))
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert len(status.decode(listed["credentialSubject"]["encodedList"])) == 131072 // 8


def test_rotation_keeps_old_credentials_verifying(app, db, client, make, facts, award):
    _, cert = awarded(make, facts, award)
    before = client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True)
    result = cli(app, db, "keys", "rotate")
    assert result.exit_code == 0, result.output
    after = client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True)
    old_kid, new_kid = parts(before)[0]["kid"], parts(after)[0]["kid"]
    assert old_kid != new_kid and f"retired {old_kid}" in result.output
    assert jose.check(before).valid and jose.check(after).valid
    kids = [k["kid"] for k in client.get("/ob3/issuer/jwks.json").get_json()["keys"]]
    assert old_kid in kids and new_kid in kids
    shown = cli(app, db, "keys", "show").output
    assert f"{new_kid}\tcurrent" in shown and f"{old_kid}\tretired" in shown


def cli(app, db, *args):
    """An `lms` command in-process against the test app and database."""
    result = app.test_cli_runner().invoke(main, list(args))
    db.session.rollback()  # see what the command committed
    return result


def test_api_links_the_credential(client, make, facts, award):
    user, cert = awarded(make, facts, award)
    token = make.token(user)
    items = client.get(f"/api/v1/users/{user.id}/certifications",
                       headers={"Authorization": f"Bearer {token}"}).get_json()
    assert items[0]["credential_url"] == f"http://academy.test/ob3/credentials/{cert.id}"


def test_holder_page_offers_wallet_downloads(client, make, facts, award):
    from tests.conftest import login

    user, cert = awarded(make, facts, award)
    login(client, user)
    page = client.get(f"/certificates/{cert.id}").get_data(as_text=True)
    assert f"/ob3/credentials/{cert.id}.jwt" in page and f"/ob3/credentials/{cert.id}.json" in page


def test_inline_key_in_settings_signs_and_cannot_be_rotated_by_the_cli(app, db, client, make,
                                                                        facts, award):
    from jwcrypto import jwk

    pem = jwk.JWK.generate(kty="OKP", crv="Ed25519").export_to_pem(private_key=True,
                                                                    password=None).decode()
    thumbprint = jwk.JWK.from_pem(pem.encode()).thumbprint()
    _, cert = awarded(make, facts, award)
    app.config["OB3_KEY"] = pem
    try:
        token = client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True)
        assert parts(token)[0]["kid"] == f"did:web:academy.test#{thumbprint}"
        result = cli(app, db, "keys", "rotate")
        assert result.exit_code == 1 and "LMS_OB3_KEY" in result.output
    finally:
        app.config["OB3_KEY"] = ""
    assert jose.check(token).valid


def test_key_file_is_made_once_private_and_followed_after_rotation(app, db, client, make, facts,
                                                                   award, tmp_path):
    import stat

    path = tmp_path / "keys" / "issuer.pem"
    _, cert = awarded(make, facts, award)
    app.config["OB3_KEY"] = str(path)
    try:
        first = parts(client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True))[0]["kid"]
        assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        again = parts(client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True))[0]["kid"]
        assert again == first
        assert cli(app, db, "keys", "rotate").exit_code == 0
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        rotated = parts(client.get(f"/ob3/credentials/{cert.id}").get_data(as_text=True))[0]["kid"]
        assert rotated != first
        assert sorted(p.name for p in path.parent.iterdir()) == ["issuer.pem"]
    finally:
        app.config["OB3_KEY"] = ""
