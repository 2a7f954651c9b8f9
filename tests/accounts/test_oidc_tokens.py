"""The ID token check of single sign-on: real RS256 signatures made here, every claim that must
hold refused when it does not (nonce, issuer, audience, expiry, signature, algorithm)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from lms.auth.oidc import SSOError, parse_providers, provider_for_email, verify_id_token

ISSUER = "https://idp.alpha.example"
CLIENT = "academy"
NONCE = "n-0S6_WzA2Mj"

PROVIDER = parse_providers([{"name": "alpha", "label": "Alpha", "issuer": ISSUER,
                             "client_id": CLIENT, "client_secret": "s3cret",
                             "domains": ["alpha.example"]}])[0]


@pytest.fixture(scope="module")
def key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1"})


@pytest.fixture(scope="module")
def published(key) -> KeySet:
    return KeySet.import_key_set({"keys": [key.as_dict(private=False)]})


def claims(**changes) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": CLIENT, "sub": "user-1", "nonce": NONCE, "iat": now,
            "exp": now + 300, "email": "hanako@alpha.example", "email_verified": True}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(key, payload: dict, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": key.kid}, payload, key)


def refused(token: str, published: KeySet, nonce: str = NONCE) -> str:
    with pytest.raises(SSOError) as caught:
        verify_id_token(token, PROVIDER, nonce=nonce, keys=published)
    assert caught.value.code == "sso_bad_token"
    return caught.value.detail


def test_a_good_token_gives_its_claims(key, published):
    got = verify_id_token(sign(key, claims()), PROVIDER, nonce=NONCE, keys=published)
    assert got["email"] == "hanako@alpha.example" and got["sub"] == "user-1"


def test_wrong_nonce_is_refused(key, published):
    assert "nonce" in refused(sign(key, claims(nonce="another")), published)


def test_missing_nonce_is_refused(key, published):
    assert "nonce" in refused(sign(key, claims(nonce=None)), published)


def test_wrong_issuer_is_refused(key, published):
    assert "iss" in refused(sign(key, claims(iss="https://evil.example")), published)


def test_wrong_audience_is_refused(key, published):
    assert "aud" in refused(sign(key, claims(aud="someone-else")), published)


def test_several_audiences_need_our_authorized_party(key, published):
    refused(sign(key, claims(aud=[CLIENT, "other"])), published)
    good = sign(key, claims(aud=[CLIENT, "other"], azp=CLIENT))
    assert verify_id_token(good, PROVIDER, nonce=NONCE, keys=published)["azp"] == CLIENT


def test_expired_token_is_refused(key, published):
    past = int(time.time()) - 3600
    assert "exp" in refused(sign(key, claims(iat=past - 300, exp=past)), published)


def test_token_without_expiry_is_refused(key, published):
    refused(sign(key, claims(exp=None)), published)


def test_signature_by_another_key_is_refused(published):
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    refused(sign(other, claims()), published)


def test_tampered_payload_is_refused(key, published):
    header, _payload, signature = sign(key, claims()).split(".")
    forged = jwt.encode({"alg": "RS256", "kid": "k1"}, claims(email="boss@alpha.example"), key)
    refused(".".join([header, forged.split(".")[1], signature]), published)


def test_symmetric_and_unsigned_tokens_are_refused(published):
    secret = OctKey.import_key("s3cret-s3cret-s3cret-s3cret-s3cret!")
    refused(jwt.encode({"alg": "HS256"}, claims(), secret, algorithms=["HS256"]), published)
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    refused(f"{part({'alg': 'none'})}.{part(claims())}.", published)


def test_providers_setting_is_checked_whole():
    good = {"name": "a", "issuer": "https://a.example", "client_id": "c", "client_secret": "s",
            "domains": ["a.example"]}
    assert parse_providers(json.dumps([good]))[0].label == "a"
    with pytest.raises(ValueError, match="client_secret"):
        parse_providers([{**good, "client_secret": ""}])
    with pytest.raises(ValueError, match="already served"):
        parse_providers([good, {**good, "name": "b"}])
    with pytest.raises(ValueError, match="not an e-mail domain"):
        parse_providers([{**good, "domains": ["not a domain"]}])
    with pytest.raises(ValueError, match="list"):
        parse_providers([{**good, "domains": "a.example"}])


def test_the_address_picks_the_provider_serving_its_domain():
    providers = parse_providers([
        {"name": "a", "issuer": "https://a.example", "client_id": "c", "client_secret": "s",
         "domains": ["a.example", "a.co.jp"]},
        {"name": "b", "issuer": "https://b.example", "client_id": "c", "client_secret": "s",
         "domains": ["b.example"]}])
    assert provider_for_email(providers, "x@a.co.jp").name == "a"
    assert provider_for_email(providers, "x@b.example").name == "b"
    assert provider_for_email(providers, "x@sub.b.example") is None


def test_providers_come_from_the_setting_or_else_the_instance_file(tmp_path):
    from lms.auth.oidc import providers_setting

    assert providers_setting(None, str(tmp_path)) == []
    entry = {"name": "file", "issuer": "https://f.example", "client_id": "c",
             "client_secret": "s", "domains": ["f.example"]}
    (tmp_path / "oidc_providers.json").write_text(json.dumps([entry]), encoding="utf-8")
    assert [p.name for p in providers_setting(None, str(tmp_path))] == ["file"]
    setting = json.dumps([{**entry, "name": "env"}])
    assert [p.name for p in providers_setting(setting, str(tmp_path))] == ["env"]
