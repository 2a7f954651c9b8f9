"""Certifications awarded and expired write their webhook events in the same transaction."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.models import WebhookMessage
from lms.services import webhooks
from lms.services.sweep import run_sweep


@pytest.fixture()
def endpoint(app, db):
    saved = app.config["WEBHOOK_ALLOW_PRIVATE"]
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # nothing listens there: messages stay queued
    try:
        yield webhooks.add_endpoint("http://127.0.0.1:9/hooks",
                                    "certification.awarded,certification.expired", actor_id=None)
    finally:
        app.config["WEBHOOK_ALLOW_PRIVATE"] = saved


def payloads(db) -> list[dict]:
    db.session.rollback()
    return [json.loads(m.payload) for m in
            db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.id))]


def test_award_then_expiry_are_events_of_the_holder(app, db, make, facts, award, endpoint):
    user = make.user("learner", org=make.org("tokyo-si"), email="sakura@example.com")
    start = datetime(2024, 1, 10, tzinfo=timezone.utc)
    facts.bronze_ready(user, at=start)
    cert = award(user, now=start).awarded[0]
    [awarded] = payloads(db)
    assert awarded["type"] == "certification.awarded"
    assert awarded["timestamp"] == "2024-01-10T00:00:00Z"
    assert awarded["data"] == {
        "certification_id": cert.id, "level": "bronze", "awarded_at": "2024-01-10T00:00:00Z",
        "expires_at": cert.expires_at.isoformat().replace("+00:00", "Z"), "revoked_at": None,
        "user": {"id": user.id, "email": "sakura@example.com", "name": user.name,
                 "organization": "tokyo-si"}}
    run_sweep(cert.expires_at + timedelta(seconds=1))
    run_sweep(cert.expires_at + timedelta(days=1))  # once only
    assert [p["type"] for p in payloads(db)] == ["certification.awarded",
                                                 "certification.expired"]
    subjects = {m.subject for m in db.session.scalars(select(WebhookMessage))}
    assert subjects == {f"user:{user.id}"}
