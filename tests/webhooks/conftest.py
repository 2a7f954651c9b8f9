from __future__ import annotations

import time

import pytest

from lms.services import webhooks
from tests.webhooks.receiver import Receiver

KEYS = ("WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_RETRY_BASE_SECONDS", "WEBHOOK_RETRY_MAX_SECONDS",
        "WEBHOOK_DISABLE_AFTER_SECONDS", "WEBHOOK_GIVE_UP_SECONDS", "WEBHOOK_TIMEOUT_SECONDS",
        "WEBHOOK_ROTATION_OVERLAP_SECONDS", "OUTBOX_LEASE_SECONDS")


@pytest.fixture()
def hook_config(app):
    """Loopback receivers allowed (the documented operator setting) and quick retries."""
    saved = {k: app.config[k] for k in KEYS}
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_BASE_SECONDS=0.1,
                      WEBHOOK_RETRY_MAX_SECONDS=0.4, WEBHOOK_TIMEOUT_SECONDS=5.0)
    yield app.config
    app.config.update(saved)


@pytest.fixture()
def receiver():
    started = []

    def make(**options) -> Receiver:
        r = Receiver(**options)
        started.append(r)
        return r

    yield make
    for r in started:
        r.stop()


def add_endpoint(rec: Receiver, events="user.created,user.deactivated,certification.awarded,"
                 "certification.revoked,certification.expired,organization.tier_changed,"
                 "attempt.graded", **options):
    endpoint = webhooks.add_endpoint(rec.url, events, actor_id=None, **options)
    rec.secrets.append(endpoint.secret)
    return endpoint


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")
