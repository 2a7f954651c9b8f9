"""Webhooks through their outbox to a real receiver that verifies each delivery with the
``standardwebhooks`` library: signatures, retries under the same id, causal order per subject,
one delivery per message with several workers, disable after persistent failure."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from lms.mail.delivery import run_worker
from lms.models import OutboxMessage, WebhookAttempt, WebhookEndpoint, WebhookMessage
from lms.models.types import utcnow
from lms.services import webhooks
from lms.services.accounts import NewUser, create_users
from lms.webhooks import events
from lms.webhooks.delivery import deliver_due
from tests.webhooks.conftest import add_endpoint, wait_until


def queue(db, subjects: int, per_subject: int) -> list[tuple[str, int]]:
    """Events seq 0..n-1 for each subject, written interleaved, one transaction each."""
    written = []
    for seq in range(per_subject):
        for s in range(subjects):
            events.emit("user.created", f"user:{s}", {"subject": s, "seq": seq})
            db.session.commit()
            written.append((s, seq))
    return written


def messages(db) -> list[WebhookMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)
                                   .execution_options(populate_existing=True)))


def test_an_event_exists_exactly_when_its_cause_commits(app, db, hook_config, receiver):
    rec = receiver()
    add_endpoint(rec, events="user.created")
    create_users([NewUser("a@example.com", "A", "admin", None)], actor_id=None)
    rows = messages(db)
    assert [(m.event_type, m.status) for m in rows] == [("user.created", "pending")]
    events.emit("user.created", "user:x", {})
    db.session.rollback()
    assert len(messages(db)) == 1
    # An endpoint that did not ask for an event gets none of it.
    events.emit("user.deactivated", "user:x", {})
    db.session.commit()
    assert len(messages(db)) == 1


def test_every_delivery_verifies_with_the_standardwebhooks_library(app, db, hook_config,
                                                                   receiver):
    rec = receiver().start()
    endpoint = add_endpoint(rec)
    assert endpoint.secret.startswith("whsec_")
    users = create_users([NewUser("b@example.com", "B 日本", "admin", None)], actor_id=None)
    assert deliver_due() == 1
    [delivery] = rec.ok()
    assert rec.unverified == []
    assert delivery.payload["type"] == "user.created"
    assert delivery.payload["timestamp"].endswith("Z")
    assert delivery.payload["data"]["user"] == {"id": users[0].id, "email": "b@example.com",
                                                "name": "B 日本", "organization": None}
    [row] = messages(db)
    assert (row.status, row.message_id) == ("delivered", delivery.webhook_id)
    [logged] = db.session.scalars(select(WebhookAttempt)).all()
    assert (logged.status_code, logged.ok) == (204, True) and logged.duration_ms >= 0


def test_a_forged_signature_is_refused_by_the_receiver(app, db, hook_config, receiver):
    rec = receiver().start()
    add_endpoint(rec, events="user.created")
    rec.secrets[:] = ["whsec_" + "QUFB" * 11]  # the receiver expects another secret
    events.emit("user.created", "user:1", {})
    db.session.commit()
    assert deliver_due() == 0
    assert len(rec.unverified) == 1 and rec.ok() == []
    assert messages(db)[0].status == "pending"


def test_receiver_down_then_up_every_event_arrives_in_order_under_one_id(app, db, hook_config,
                                                                       receiver):
    rec = receiver(fail_first=1)  # down at first; once up, each id fails once more (500)
    add_endpoint(rec)
    written = queue(db, subjects=3, per_subject=4)
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(app, stop), kwargs={"interval": 0.05})
    worker.start()
    try:
        # Only the first of each subject is tried while it is down: the rest wait their turn.
        wait_until(lambda: max(m.attempts for m in messages(db)) >= 3)
        assert sorted(m.attempts > 0 for m in messages(db)) == [False] * 9 + [True] * 3
        rec.start()
        wait_until(lambda: len(rec.ok()) >= len(written))
        time.sleep(0.5)  # time for a duplicate or a late one to show
    finally:
        stop.set()
        worker.join(10)
    rows = messages(db)
    assert {m.status for m in rows} == {"delivered"}
    assert rec.unverified == []
    # Every event once successfully, each id also seen failing (retried under the same id).
    ok_ids = Counter(d.webhook_id for d in rec.ok())
    assert sorted(ok_ids) == sorted(m.message_id for m in rows) and set(ok_ids.values()) == {1}
    assert all(sum(1 for d in rec.deliveries if d.webhook_id == m.message_id) == 2 for m in rows)
    refused = db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.status_code.is_(None)))
    assert refused.first() is not None  # connection refused while down, logged
    # Causal order per subject: nothing of seq N+1 arrived before seq N was accepted.
    accepted: dict[int, set[int]] = {}
    for d in rec.deliveries:
        subject, seq = d.payload["data"]["subject"], d.payload["data"]["seq"]
        assert set(range(seq)) <= accepted.get(subject, set()), (subject, seq)
        if d.status < 300:
            accepted.setdefault(subject, set()).add(seq)
    assert all(seqs == {0, 1, 2, 3} for seqs in accepted.values()) and len(accepted) == 3


def test_retries_back_off_exponentially_and_keep_the_id(app, db, hook_config, receiver):
    rec = receiver(answer=503).start()
    add_endpoint(rec, events="user.created")
    hook_config.update(WEBHOOK_RETRY_BASE_SECONDS=10.0, WEBHOOK_RETRY_MAX_SECONDS=3600.0)
    events.emit("user.created", "user:1", {})
    db.session.commit()
    assert deliver_due() == 0
    first = messages(db)[0]
    wait = (first.next_attempt_at - utcnow()).total_seconds()
    assert 8 < wait <= 10  # 10 s, less up to 10% jitter
    assert deliver_due() == 0  # not due yet
    assert deliver_due(utcnow() + timedelta(seconds=11)) == 0
    second = messages(db)[0]
    assert 17 < (second.next_attempt_at - utcnow()).total_seconds() <= 20
    assert {d.webhook_id for d in rec.deliveries} == {first.message_id}
    assert len(rec.deliveries) == 2 and second.last_error == "HTTP 503"


def worker_env(app, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(LMS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               LMS_INSTANCE_PATH=str(tmp_path), LMS_CONTENT_DIR=app.config["CONTENT_DIR"],
               LMS_SECRET_KEY="test", LMS_WEBHOOK_ALLOW_PRIVATE="1")
    return env


WORKER = [sys.executable, "-c", "from lms.cli import main; main()", "worker", "--interval", "0.05"]


def test_two_worker_processes_never_deliver_a_message_twice(app, db, hook_config, receiver,
                                                            tmp_path):
    rec = receiver().start()
    add_endpoint(rec, events="user.created")
    written = queue(db, subjects=20, per_subject=3)
    env = worker_env(app, tmp_path)
    workers = [subprocess.Popen(WORKER, env=env, stdin=subprocess.DEVNULL,
                                stderr=subprocess.PIPE) for _ in range(3)]
    try:
        wait_until(lambda: len(rec.deliveries) >= len(written), timeout=60)
        time.sleep(1.0)
        for process in workers:  # each is up (its SIGTERM handler set) before it is stopped
            line = b"?"
            while line and b"worker running" not in line:
                line = process.stderr.readline()  # b"" once it has exited
    finally:
        for process in workers:
            process.terminate()
        errors = [process.communicate(timeout=20)[1].decode() for process in workers]
    assert all(p.returncode == 0 for p in workers), errors
    counts = Counter(d.webhook_id for d in rec.deliveries)
    assert len(counts) == len(written) and max(counts.values()) == 1
    assert {m.status for m in messages(db)} == {"delivered"}


def test_rotation_signs_with_both_secrets_during_the_overlap(app, db, hook_config, receiver):
    rec = receiver().start()
    endpoint = add_endpoint(rec, events="user.created")
    old = endpoint.secret
    rotated = webhooks.rotate_secret(endpoint.id, actor_id=None)
    new = rotated.secret
    assert new != old and new.startswith("whsec_")
    for only in (old, new):  # a receiver that knows either secret accepts the delivery
        rec.secrets[:] = [only]
        events.emit("user.created", "user:1", {})
        db.session.commit()
        assert deliver_due() == 1
    assert [d.signatures for d in rec.deliveries] == [2, 2]
    # The overlap ends: only the new secret signs.
    db.session.get(WebhookEndpoint, endpoint.id).previous_secret_until = utcnow()
    db.session.commit()
    rec.secrets[:] = [old]
    events.emit("user.created", "user:1", {})
    db.session.commit()
    assert deliver_due() == 0 and len(rec.unverified) == 1
    rec.secrets[:] = [new]
    db.session.execute(WebhookMessage.__table__.update().values(next_attempt_at=utcnow()))
    db.session.commit()
    assert deliver_due() == 1 and rec.deliveries[-1].signatures == 1


def test_persistent_failure_disables_the_endpoint_and_tells_the_admins(app, db, hook_config,
                                                                       receiver, make):
    make.user("admin", email="boss@example.com")
    rec = receiver(answer=500).start()
    endpoint = add_endpoint(rec, events="user.created")
    hook_config.update(WEBHOOK_DISABLE_AFTER_SECONDS=1)
    events.emit("user.created", "user:1", {})
    db.session.commit()

    def disabled() -> bool:
        time.sleep(0.1)
        deliver_due()
        return not db.session.scalar(select(WebhookEndpoint.enabled)
                                     .where(WebhookEndpoint.id == endpoint.id))

    wait_until(disabled, timeout=10)
    found = db.session.scalars(select(WebhookEndpoint).execution_options(
        populate_existing=True)).one()
    assert "HTTP 500" in found.disabled_reason
    mail = db.session.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in mail] == ["boss@example.com"]
    assert str(endpoint.id) in mail[0].subject and rec.url in mail[0].body
    # Events keep waiting while it is disabled; enabled again, they arrive.
    tried = len(rec.deliveries)
    assert deliver_due() == 0 and len(rec.deliveries) == tried
    rec.answer = 204
    webhooks.set_enabled(endpoint.id, True, actor_id=None)
    assert deliver_due() == 1


def test_redeliver_sends_the_same_id_again(app, db, hook_config, receiver):
    rec = receiver().start()
    add_endpoint(rec, events="user.created")
    events.emit("user.created", "user:1", {"n": 1})
    db.session.commit()
    assert deliver_due() == 1
    [row] = messages(db)
    webhooks.redeliver(row.message_id, actor_id=None)
    assert deliver_due() == 1
    assert [d.webhook_id for d in rec.deliveries] == [row.message_id] * 2
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 2


def test_retry_after_is_honoured(app, db, hook_config, receiver):
    rec = receiver(answer=503, retry_after="120").start()
    add_endpoint(rec, events="user.created")
    hook_config.update(WEBHOOK_RETRY_MAX_SECONDS=3600.0)
    events.emit("user.created", "user:1", {})
    db.session.commit()
    assert deliver_due() == 0
    assert 118 < (messages(db)[0].next_attempt_at - utcnow()).total_seconds() <= 120


def test_410_gone_disables_the_endpoint_at_once(app, db, hook_config, receiver, make):
    make.user("admin", email="boss@example.com")
    rec = receiver(answer=410).start()
    endpoint = add_endpoint(rec, events="user.created")
    events.emit("user.created", "user:1", {})
    db.session.commit()
    assert deliver_due() == 0
    assert db.session.scalar(select(WebhookEndpoint.enabled)
                             .where(WebhookEndpoint.id == endpoint.id)) is False
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_the_sweep_forgets_messages_delivered_long_ago(app, db, hook_config, receiver):
    from lms.mail.delivery import sweep_webhooks

    rec = receiver().start()
    add_endpoint(rec, events="user.created")
    for n in range(2):
        events.emit("user.created", f"user:{n}", {})
    db.session.commit()
    assert deliver_due() == 2
    old = messages(db)[0]
    old.delivered_at = utcnow() - timedelta(days=31)
    events.emit("user.created", "user:9", {})  # pending: kept whatever its age
    db.session.commit()
    result = sweep_webhooks(utcnow())
    assert result.changed == 1 and "1 old delivered" in result.detail
    left = messages(db)
    assert old.message_id not in {m.message_id for m in left} and len(left) == 2
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 2
