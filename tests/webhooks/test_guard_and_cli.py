"""The SSRF guard (at add time and again at delivery, after DNS), the events real changes
write, and ``lms webhook …``."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.cli import main
from lms.models import Certification, Organization, WebhookMessage
from lms.models.types import utcnow
from lms.security.webhook_targets import TargetRefused, resolve
from lms.services import certifications, organizations, webhooks
from lms.services.accounts import UserChanges, update_user
from lms.services.errors import Invalid
from lms.webhooks.delivery import deliver_due
from tests.webhooks.conftest import add_endpoint

REFUSED = ["http://127.0.0.1/", "http://localhost:8080/x", "http://10.1.2.3/",
           "http://192.168.0.10/", "http://172.16.5.4/", "http://169.254.169.254/latest/",
           "http://[::1]/", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
           "http://100.64.0.1/"]


@pytest.mark.parametrize("url", REFUSED)
def test_private_and_loopback_addresses_are_refused(url):
    with pytest.raises(TargetRefused) as caught:
        resolve(url, allow_private=False)
    assert caught.value.code == "webhook_url_private"


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/",
                                 "http:///nohost", "http://user:pw@93.184.215.14/",
                                 "javascript:alert(1)"])
def test_only_http_urls_without_credentials(url):
    with pytest.raises(TargetRefused):
        resolve(url, allow_private=False)


def test_a_public_address_passes():
    assert resolve("https://93.184.215.14/hook", allow_private=False).address == "93.184.215.14"


def test_adding_a_private_url_is_refused_unless_allowed(app, db, hook_config):
    hook_config["WEBHOOK_ALLOW_PRIVATE"] = False
    with pytest.raises(Invalid) as caught:
        webhooks.add_endpoint("http://127.0.0.1:9/hook", "user.created", actor_id=None)
    assert caught.value.message == "webhook_url_private"
    hook_config["WEBHOOK_ALLOW_PRIVATE"] = True
    assert webhooks.add_endpoint("http://127.0.0.1:9/hook", "user.created", actor_id=None).id


def test_delivery_checks_the_address_again(app, db, hook_config, receiver):
    """An endpoint added while allowed (or a name that now resolves inside) is refused at
    delivery: nothing reaches the loopback receiver."""
    rec = receiver().start()
    add_endpoint(rec, events="user.created")
    hook_config["WEBHOOK_ALLOW_PRIVATE"] = False
    webhook_events_emit(db)
    assert deliver_due() == 0
    assert rec.deliveries == []
    message = db.session.scalar(select(WebhookMessage))
    assert message.last_error.startswith("webhook_url_private")


def test_redirects_are_not_followed(app, db, hook_config, receiver):
    target = receiver().start()
    rec = receiver(redirect_to=target.url).start()
    add_endpoint(rec, events="user.created")
    webhook_events_emit(db)
    assert deliver_due() == 0
    assert target.deliveries == [] and len(rec.deliveries) == 1
    assert db.session.scalar(select(WebhookMessage.last_error)) == "HTTP 302"


def webhook_events_emit(db):
    from lms.webhooks import events

    events.emit("user.created", "user:1", {})
    db.session.commit()


def test_event_filters_are_checked(app, db, hook_config):
    with pytest.raises(Invalid) as caught:
        webhooks.add_endpoint("http://127.0.0.1:9/", "certification.awarded,bogus", actor_id=None)
    assert caught.value.message == "webhook_event_unknown"
    with pytest.raises(Invalid):
        webhooks.add_endpoint("http://127.0.0.1:9/", " , ", actor_id=None)
    with pytest.raises(Invalid) as caught:
        webhooks.add_endpoint("http://127.0.0.1:9/", "user.created", secret="whsec_short",
                              actor_id=None)
    assert caught.value.message == "webhook_secret_invalid"


def test_real_changes_write_their_events(app, db, hook_config, receiver, make):
    rec = receiver().start()
    add_endpoint(rec)
    org = make.org("acme", tier="registered")
    admin = make.user("admin")
    person = make.user("learner", org=org)
    now = utcnow()
    cert = Certification(user_id=person.id, level="bronze", awarded_at=now, renewals=0,
                         notices=["awarded"], current_key=f"{person.id}:bronze")
    db.session.add(cert)
    db.session.commit()
    certifications.revoke(cert.id, "cheating", actor_id=admin.id)
    organizations._move_tier(db.session.get(Organization, org.id), "silver", actor_id=None,
                             address=None, reason="sweep")
    db.session.commit()
    update_user(person.id, UserChanges(name=person.name, role="learner", org_slug="acme",
                                       active=False), actor_id=admin.id)
    while deliver_due():
        pass
    got = {d.payload["type"]: d.payload["data"] for d in rec.ok()}
    assert sorted(got) == ["certification.revoked", "organization.tier_changed",
                           "user.deactivated"]
    # The person's two events arrive in the order they happened (the company's is apart).
    order = [d.payload["type"] for d in rec.ok()]
    assert order.index("certification.revoked") < order.index("user.deactivated")
    revoked, tier, gone = (got[t] for t in sorted(got))
    assert (revoked["certification_id"], revoked["level"], revoked["reason"]) == (
        cert.id, "bronze", "cheating")
    assert revoked["user"]["organization"] == "acme" and revoked["revoked_at"].endswith("Z")
    assert (tier["organization"]["slug"], tier["previous_tier"], tier["tier"]) == (
        "acme", "registered", "silver")
    assert gone["user"]["id"] == person.id


@pytest.fixture()
def run(app, db):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(main, list(args))
        db.session.rollback()
        return result

    return invoke


def test_the_webhook_command(app, db, hook_config, receiver, run):
    rec = receiver().start()
    result = run("webhook", "add", rec.url, "--events", "user.created,certification.awarded")
    assert result.exit_code == 0, result.output
    endpoint_id = int(re.search(r"id: (\d+)", result.output).group(1))
    secret = re.search(r"secret: (whsec_\S+)", result.output).group(1)
    rec.secrets.append(secret)
    assert f"{endpoint_id}\tenabled\tpending=0\t{rec.url}" in run("webhook", "list").output
    webhook_events_emit(db)
    assert deliver_due() == 1
    message_id = rec.deliveries[0].webhook_id
    assert run("webhook", "redeliver", message_id).exit_code == 0
    assert deliver_due() == 1
    log = run("webhook", "log", str(endpoint_id))
    assert log.exit_code == 0, (log.output, log.exception)
    log = log.output
    assert log.count(message_id) == 2 and "\t204\t" in log
    rotated = run("webhook", "rotate-secret", str(endpoint_id))
    assert rotated.exit_code == 0 and secret not in rotated.output
    assert run("webhook", "disable", str(endpoint_id)).exit_code == 0
    assert "disabled" in run("webhook", "list").output
    refused = run("webhook", "add", "http://127.0.0.1/", "--events", "nope")
    assert refused.exit_code != 0 and "Unknown event. (nope)" in refused.output
    hook_config["WEBHOOK_ALLOW_PRIVATE"] = False
    refused = run("webhook", "add", "http://127.0.0.1/", "--events", "user.created")
    assert refused.exit_code != 0 and "loopback or private" in refused.output
