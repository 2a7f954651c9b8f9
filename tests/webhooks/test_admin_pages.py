"""The admin's webhook pages: add with an event filter, the secret, the delivery log with
status codes and timings, redeliver, disable, rotate; admins only."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.models import WebhookEndpoint, WebhookMessage
from lms.webhooks import events
from lms.webhooks.delivery import deliver_due
from tests.conftest import csrf_token, post_form


def test_admins_only(client, signed_in):
    signed_in("trainer")
    assert client.get("/admin/webhooks").status_code == 403


def test_add_deliver_log_redeliver_disable_rotate(app, db, client, signed_in, hook_config,
                                                   receiver):
    signed_in("admin")
    rec = receiver(answer=202).start()
    page = client.get("/admin/webhooks")
    assert page.status_code == 200 and "certification.awarded" in page.text
    token = csrf_token(client, "/admin/webhooks")
    refused = client.post("/admin/webhooks", data={"csrf_token": token, "url": rec.url})
    assert refused.status_code == 422
    added = client.post("/admin/webhooks", data={
        "csrf_token": token, "url": rec.url, "events": ["user.created", "attempt.graded"],
        "description": "CRM"})
    assert added.status_code == 302
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.events == ["attempt.graded", "user.created"]
    rec.secrets.append(endpoint.secret)
    events.emit("user.created", "user:1", {})
    db.session.commit()
    assert deliver_due() == 1
    detail = client.get(added.headers["Location"])
    assert detail.headers["Cache-Control"] == "no-store"
    assert endpoint.secret in detail.text
    message_id = db.session.scalar(select(WebhookMessage.message_id))
    assert message_id in detail.text and re.search(r">202<", detail.text)
    assert re.search(r"\d+ ミリ秒", detail.text)  # the duration, in the page's Japanese
    path = f"/admin/webhooks/{endpoint.id}"
    assert post_form(client, f"{path}/messages/{message_id}/redeliver",
                     page=path).status_code == 302
    assert deliver_due() == 1 and [d.webhook_id for d in rec.deliveries] == [message_id] * 2
    assert post_form(client, f"{path}/messages/msg_nope/redeliver", page=path).status_code == 404
    assert post_form(client, f"{path}/state", {"enabled": "0"}, page=path).status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(WebhookEndpoint.enabled)) is False
    old = endpoint.secret
    assert post_form(client, f"{path}/rotate", page=path).status_code == 302
    after = client.get(path).text
    assert old not in after and db.session.scalar(select(WebhookEndpoint.secret)) in after


def test_a_private_url_is_refused_on_the_page(app, db, client, signed_in, hook_config):
    hook_config["WEBHOOK_ALLOW_PRIVATE"] = False
    signed_in("admin")
    token = csrf_token(client, "/admin/webhooks")
    refused = client.post("/admin/webhooks", data={
        "csrf_token": token, "url": "http://169.254.169.254/latest", "events": ["user.created"]})
    assert refused.status_code == 422
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_unknown_endpoints_are_404(app, db, client, signed_in):
    signed_in("admin")
    for path in ("/admin/webhooks/7", "/admin/webhooks/99999999999999999999"):
        assert client.get(path).status_code == 404, path
    assert post_form(client, "/admin/webhooks/7/rotate", page="/admin/webhooks").status_code == 404
