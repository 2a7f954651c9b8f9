"""Configuration: defaults, then the environment, then an explicit mapping (tests)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def database_url(raw: str | None, instance_path: str) -> str:
    """Normalise LMS_DATABASE_URL: plain postgresql:// URLs get the psycopg 3 driver."""
    if not raw:
        return "sqlite:///" + os.path.join(instance_path, "lms.sqlite3")
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def trusted_proxies(raw: str | None) -> int:
    """LMS_TRUSTED_PROXIES: how many proxy hops in front of the app add X-Forwarded-For."""
    value = (raw or "0").strip()
    if not value.isdigit() or int(value) > 10:
        raise ValueError(f"LMS_TRUSTED_PROXIES must be a number of proxies from 0 to 10, "
                         f"not {raw!r}")
    return int(value)


def secret_key(instance_path: str) -> str:
    """LMS_SECRET_KEY, or a key generated once into the instance folder."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: when several workers start at once, exactly one writes the key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    env = os.environ
    overrides = dict(overrides or {})
    base_url = env.get("LMS_BASE_URL", "").rstrip("/")
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("LMS_DATABASE_URL"), instance_path),
        "CONTENT_DIR": env.get("LMS_CONTENT_DIR") or str(REPO_ROOT),
        "BASE_URL": base_url,
        "QUIZ_GRACE_SECONDS": int(env.get("LMS_QUIZ_GRACE_SECONDS", "5")),
        "CONTENT_CHECK_INTERVAL": 2.0,
        # /healthz commits a write at most this often per worker, SELECT 1 in between
        # (lms/health.py); 0 writes on every probe.
        "HEALTH_WRITE_SECONDS": float(env.get("LMS_HEALTH_WRITE_SECONDS", "1")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_DURATION": 14 * 86400,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: a long exam must not expire its form
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Sign-in throttling: attempts allowed per window for one account from one address,
        # for all accounts from one address, and for one account from everywhere (generous,
        # so that guessing from a few addresses cannot lock the owner out).
        "LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 100,
        "LOGIN_THROTTLE_WINDOW": 15 * 60,
        # Proxies in front of the app whose X-Forwarded-For/-Proto are believed (0: none).
        "TRUSTED_PROXIES": trusted_proxies(env.get("LMS_TRUSTED_PROXIES")),
        "MAIL_SERVER": env.get("LMS_SMTP_HOST", ""),
        "SMTP_URL": env.get("LMS_SMTP_URL", ""),
        "SMTP_CAFILE": env.get("LMS_SMTP_CAFILE", ""),
        # The outbox: a claim's lease, and exponential backoff between failed attempts.
        "OUTBOX_LEASE_SECONDS": 300,
        "OUTBOX_RETRY_BASE_SECONDS": 30.0,
        "OUTBOX_RETRY_MAX_SECONDS": 3600.0,
        # Webhooks: loopback/private receivers refused unless allowed (SSRF guard), the POST's
        # timeout, backoff between attempts, when an endpoint failing since is disabled, when
        # a message is given up, how long the old secret still signs after a rotation.
        "WEBHOOK_ALLOW_PRIVATE": env.get("LMS_WEBHOOK_ALLOW_PRIVATE", "") == "1",
        "WEBHOOK_TIMEOUT_SECONDS": 15.0,
        "WEBHOOK_BATCH_SIZE": 8,  # messages a worker claims and posts side by side
        "WEBHOOK_RETRY_BASE_SECONDS": 10.0,
        "WEBHOOK_RETRY_MAX_SECONDS": 3600.0,
        "WEBHOOK_DISABLE_AFTER_SECONDS": 24 * 3600,
        "WEBHOOK_GIVE_UP_SECONDS": 3 * 24 * 3600,
        "WEBHOOK_ROTATION_OVERLAP_SECONDS": 24 * 3600,
        "INVITE_DAYS": int(env.get("LMS_INVITE_DAYS", "7")),
        "MAIL_FROM": env.get("LMS_MAIL_FROM", "academy@example.com"),
        # Open Badges 3.0 issuer key: a PEM private key, or the path of its file
        # (default: ob3_issuer_key.pem in the instance folder, generated once).
        "OB3_KEY": env.get("LMS_OB3_KEY", ""),
    }
    config.update(overrides)
    # Single sign-on providers: LMS_OIDC_PROVIDERS, the instance file, or a test's list.
    from lms.auth.oidc import Provider, parse_providers, providers_setting

    if "OIDC_PROVIDERS" not in config:
        config["OIDC_PROVIDERS"] = providers_setting(env.get("LMS_OIDC_PROVIDERS"), instance_path)
    elif not all(isinstance(p, Provider) for p in config["OIDC_PROVIDERS"]):
        config["OIDC_PROVIDERS"] = parse_providers(config["OIDC_PROVIDERS"])
    if "SQLALCHEMY_ENGINE_OPTIONS" not in config:
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 10}}
        else:
            config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = env.get("LMS_SECRET_KEY") or secret_key(instance_path)
    return config
