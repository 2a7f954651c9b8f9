"""OpenID Connect single sign-on: the operator's providers, the authorization code flow with
PKCE, state and nonce (Authlib's OAuth 2 client), and the ID token check (issuer, audience,
signature by the provider's published keys, expiry, nonce) with joserfc, Authlib's JOSE.

Nothing here touches the database: lms/services/sso.py turns checked claims into a person.
"""

from __future__ import annotations

import hmac
import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ALGORITHMS = ["RS256", "PS256", "ES256"]
HTTP_TIMEOUT = 10
METADATA_SECONDS = 3600
LEEWAY_SECONDS = 60


class SSOError(Exception):
    """A sign-in that cannot go on; ``code`` names the message shown (lms/messages.py)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code
        self.detail = detail or code


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    domains: tuple[str, ...]
    scope: str = "openid email profile"

    def serves(self, email: str) -> bool:
        return email.rpartition("@")[2].lower() in self.domains


def parse_providers(raw: Any) -> list[Provider]:
    """LMS_OIDC_PROVIDERS (a JSON list) or the instance file's content, checked whole:
    a mistake stops the start with a message naming the entry and the field."""
    if raw in (None, "", []):
        return []
    items = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(items, list):
        raise ValueError("LMS_OIDC_PROVIDERS must be a JSON list of providers")
    providers: list[Provider] = []
    for number, item in enumerate(items, 1):
        where = f"LMS_OIDC_PROVIDERS entry {number}"
        if not isinstance(item, dict):
            raise ValueError(f"{where} is not an object")
        for key in ("name", "issuer", "client_id", "client_secret", "domains"):
            if not item.get(key):
                raise ValueError(f"{where} needs {key!r}")
        name = str(item["name"])
        if not NAME_RE.match(name):
            raise ValueError(f"{where}: name {name!r} must be lowercase letters, digits, - or _")
        issuer = str(item["issuer"]).rstrip("/")
        if not issuer.startswith(("https://", "http://")):
            raise ValueError(f"{where}: issuer must be an https:// URL")
        domains = item["domains"]
        if isinstance(domains, str) or not isinstance(domains, list):
            raise ValueError(f"{where}: domains must be a list such as [\"example.co.jp\"]")
        domains = tuple(str(d).strip().lower() for d in domains)
        for domain in domains:
            if not DOMAIN_RE.match(domain):
                raise ValueError(f"{where}: {domain!r} is not an e-mail domain")
        for other in providers:
            if other.name == name:
                raise ValueError(f"{where}: the name {name!r} is used twice")
            shared = set(other.domains) & set(domains)
            if shared:
                raise ValueError(f"{where}: {', '.join(sorted(shared))} is already served by "
                                 f"{other.name!r}")
        providers.append(Provider(name=name, label=str(item.get("label") or name), issuer=issuer,
                                  client_id=str(item["client_id"]),
                                  client_secret=str(item["client_secret"]), domains=domains,
                                  scope=str(item.get("scope") or "openid email profile")))
    return providers


def providers_setting(env_value: str | None, instance_path: str) -> list[Provider]:
    """LMS_OIDC_PROVIDERS, else ``oidc_providers.json`` in the instance folder, else none."""
    if env_value:
        return parse_providers(env_value)
    path = Path(instance_path) / "oidc_providers.json"
    if path.is_file():
        return parse_providers(path.read_text(encoding="utf-8"))
    return []


def provider_for_email(providers: list[Provider], email: str) -> Provider | None:
    return next((p for p in providers if p.serves(email)), None)


# -- the provider's published metadata and keys ----------------------------------------------

_cache: dict[str, tuple[float, dict]] = {}
_cache_lock = threading.Lock()


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SSOError("sso_provider_unreachable", f"{url}: {exc}") from exc
    if not isinstance(data, dict):
        raise SSOError("sso_provider_unreachable", f"{url}: not a JSON object")
    return data


def _cached(url: str, fresh: bool = False) -> dict:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(url)
    if hit and not fresh and now - hit[0] < METADATA_SECONDS:
        return hit[1]
    data = _get_json(url)
    with _cache_lock:
        _cache[url] = (now, data)
    return data


def metadata(provider: Provider) -> dict:
    data = _cached(provider.issuer + "/.well-known/openid-configuration")
    if data.get("issuer", "").rstrip("/") != provider.issuer:
        raise SSOError("sso_provider_unreachable",
                       f"discovery names issuer {data.get('issuer')!r}, not {provider.issuer!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not data.get(key):
            raise SSOError("sso_provider_unreachable", f"discovery lacks {key}")
    return data


def signing_keys(provider: Provider, fresh: bool = False) -> KeySet:
    try:
        return KeySet.import_key_set(_cached(metadata(provider)["jwks_uri"], fresh=fresh))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise SSOError("sso_provider_unreachable", f"unusable JWKS: {exc}") from exc


# -- the flow ------------------------------------------------------------------------------

def _client(provider: Provider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(provider.client_id, provider.client_secret, scope=provider.scope,
                         redirect_uri=redirect_uri, code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_basic")


def begin(provider: Provider, redirect_uri: str, login_hint: str | None = None
          ) -> tuple[str, dict[str, str]]:
    """The provider's authorization URL, and what the session keeps until the way back."""
    pending = {"provider": provider.name, "state": generate_token(43),
               "nonce": generate_token(43), "verifier": generate_token(64)}
    extra = {"login_hint": login_hint} if login_hint else {}
    url, _state = _client(provider, redirect_uri).create_authorization_url(
        metadata(provider)["authorization_endpoint"], state=pending["state"],
        nonce=pending["nonce"], code_verifier=pending["verifier"], **extra)
    return url, pending


def finish(provider: Provider, pending: dict[str, str], args: dict[str, str],
           redirect_uri: str) -> dict[str, Any]:
    """Check the answer against the pending request, trade the code for tokens and return the
    ID token's verified claims."""
    if pending.get("provider") != provider.name or not hmac.compare_digest(
            str(args.get("state", "")), pending.get("state", "")):
        raise SSOError("sso_state_mismatch", "state or provider does not match the request")
    if args.get("error"):
        raise SSOError("sso_denied", f"provider answered {args['error']}")
    if args.get("iss") and args["iss"].rstrip("/") != provider.issuer:  # RFC 9207
        raise SSOError("sso_state_mismatch", f"answer from issuer {args['iss']!r}")
    if not args.get("code"):
        raise SSOError("sso_state_mismatch", "no code in the answer")
    client = _client(provider, redirect_uri)
    try:
        token = client.fetch_token(
            metadata(provider)["token_endpoint"], grant_type="authorization_code",
            code=args["code"], code_verifier=pending["verifier"], timeout=HTTP_TIMEOUT)
    except SSOError:
        raise
    except Exception as exc:  # noqa: BLE001 - any OAuth or HTTP error: reported, never a 500
        raise SSOError("sso_token_failed", f"token endpoint: {exc}") from exc
    if not token.get("id_token"):
        raise SSOError("sso_token_failed", "no id_token in the token response")
    claims = verify_id_token(token["id_token"], provider, nonce=pending["nonce"])
    if "email" not in claims:
        claims = {**claims, **_userinfo(client, provider, claims["sub"])}
    return claims


def _userinfo(client: OAuth2Session, provider: Provider, subject: str) -> dict[str, Any]:
    """The address claims from the UserInfo endpoint, which many providers send instead of
    putting them in the ID token; only for the subject the ID token named."""
    endpoint = metadata(provider).get("userinfo_endpoint")
    if not endpoint:
        return {}
    try:
        response = client.get(endpoint, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        info = response.json()
    except Exception as exc:  # noqa: BLE001 - any HTTP or JSON error: reported, never a 500
        raise SSOError("sso_token_failed", f"userinfo endpoint: {exc}") from exc
    if not isinstance(info, dict) or info.get("sub") != subject:
        raise SSOError("sso_bad_token", "userinfo names another subject")
    return {key: info[key] for key in ("email", "email_verified", "name") if key in info}


def verify_id_token(value: str, provider: Provider, *, nonce: str, keys: KeySet | None = None,
                    now: int | None = None) -> dict[str, Any]:
    """The claims of a good ID token; SSOError("sso_bad_token") for anything else."""
    try:
        try:
            token = jwt.decode(value, keys or signing_keys(provider), algorithms=ALGORITHMS)
        except JoseError:
            if keys is not None:
                raise
            # The provider may have rotated its keys since they were cached: ask once more.
            token = jwt.decode(value, signing_keys(provider, fresh=True), algorithms=ALGORITHMS)
        claims = token.claims
        jwt.JWTClaimsRegistry(
            now=now, leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise SSOError("sso_bad_token", f"ID token refused: {exc}") from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise SSOError("sso_bad_token", "ID token for several audiences without our azp")
    return claims
