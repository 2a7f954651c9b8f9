"""The outbox: mail written with its cause, delivered by workers with retries and backoff,
never twice by two workers, over plain SMTP, STARTTLS + AUTH and implicit TLS."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from lms.mail import outbox
from lms.mail.delivery import deliver_due, run_worker
from lms.mail.smtp import parse_smtp_url
from lms.models import OutboxMessage
from lms.models.types import utcnow
from tests.smtp_server import SmtpServer, free_port


@pytest.fixture()
def mail_config(app):
    saved = {k: app.config[k] for k in ("SMTP_URL", "SMTP_CAFILE", "MAIL_SERVER",
                                        "OUTBOX_RETRY_BASE_SECONDS")}
    yield app.config
    app.config.update(saved)


def queue(db, count: int, prefix: str = "person") -> list[str]:
    addresses = [f"{prefix}{i}@example.com" for i in range(count)]
    for address in addresses:
        outbox.enqueue_mail(address, f"Hello {address}", "本文 body", domain="academy.test")
    db.session.commit()
    return addresses


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def min_attempts(db) -> int:
    db.session.rollback()  # a fresh snapshot: see what the worker wrote
    return db.session.scalar(select(func.min(OutboxMessage.attempts)))


def test_smtp_urls_are_understood():
    plain = parse_smtp_url("smtp://mail.example.com")
    assert (plain.host, plain.port, plain.security) == ("mail.example.com", 25, "plain")
    starttls = parse_smtp_url("smtp+starttls://u%40x:p%3Aw@relay:2525")
    assert (starttls.port, starttls.security, starttls.username, starttls.password) == (
        2525, "starttls", "u@x", "p:w")
    assert parse_smtp_url("smtp://relay?starttls").security == "starttls"
    assert parse_smtp_url("smtp://relay?starttls").port == 587
    assert parse_smtp_url("smtps://u:p@relay").port == 465
    assert "p:w" not in repr(starttls)
    with pytest.raises(ValueError):
        parse_smtp_url("http://relay")


def test_backoff_doubles_up_to_a_cap():
    delays = [outbox.retry_delay(n, base=30, cap=3600).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_message_exists_exactly_when_its_cause_commits(db):
    outbox.enqueue_mail("a@example.com", "s", "b", domain="academy.test")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    queue(db, 1)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_without_smtp_mail_is_written_to_the_log_as_a_warning(app, db, mail_config, caplog):
    mail_config.update(SMTP_URL="", MAIL_SERVER="")
    queue(db, 1)
    assert deliver_due() == 1
    records = [r for r in caplog.records if r.getMessage().startswith("mail to=person0@")]
    assert records and records[0].levelname == "WARNING"
    assert deliver_due() == 0  # delivered once


def test_smtp_down_for_a_while_then_up_every_message_arrives_once(app, db, mail_config, caplog):
    server = SmtpServer(port=free_port())
    mail_config.update(SMTP_URL=server.url, OUTBOX_RETRY_BASE_SECONDS=0.2)
    addresses = queue(db, 5)
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(app, stop), kwargs={"interval": 0.05})
    worker.start()
    try:
        wait_until(lambda: min_attempts(db) >= 2)
        server.start()  # the relay comes back
        wait_until(lambda: len(server.mailbox.messages) >= 5)
        time.sleep(0.5)  # time for a duplicate to show, if there were one
    finally:
        stop.set()
        worker.join(10)
        server.stop()
    assert sorted(m["To"] for m in server.mailbox.messages) == addresses
    ids = [m["Message-ID"] for m in server.mailbox.messages]
    db.session.rollback()
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert sorted(ids) == sorted(r.message_id for r in rows)
    assert {r.status for r in rows} == {"sent"}
    assert any("failed (attempt 1)" in r.getMessage() for r in caplog.records)


def worker_env(app, server, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(LMS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               LMS_INSTANCE_PATH=str(tmp_path), LMS_CONTENT_DIR=app.config["CONTENT_DIR"],
               LMS_SMTP_URL=server.url, LMS_SECRET_KEY="test")
    return env


WORKER = [sys.executable, "-c", "from lms.cli import main; main()", "worker", "--interval", "0.05"]


def test_two_worker_processes_never_send_a_message_twice(app, db, mail_config, tmp_path):
    server = SmtpServer().start()
    addresses = queue(db, 40)
    env = worker_env(app, server, tmp_path)
    workers = [subprocess.Popen(WORKER, env=env, stdin=subprocess.DEVNULL,
                                stderr=subprocess.PIPE) for _ in range(3)]
    try:
        wait_until(lambda: len(server.mailbox.messages) >= 40, timeout=60)
        time.sleep(1.0)
    finally:
        for process in workers:
            process.terminate()
        errors = [process.communicate(timeout=20)[1].decode() for process in workers]
        server.stop()
    assert all(p.returncode == 0 for p in workers), errors
    assert sorted(m["To"] for m in server.mailbox.messages) == sorted(addresses)
    counts = Counter(m["Message-ID"] for m in server.mailbox.messages)
    assert len(counts) == 40 and max(counts.values()) == 1


def test_a_worker_killed_mid_send_loses_nothing_and_the_duplicate_keeps_its_message_id(
        app, db, mail_config, tmp_path):
    server = SmtpServer().start()
    server.mailbox.delay = 4  # the relay has the message but has not answered yet
    queue(db, 1)
    env = worker_env(app, server, tmp_path)
    first = subprocess.Popen([*WORKER, "--lease", "2"], env=env, stdin=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: len(server.mailbox.messages) == 1)
        first.kill()  # mid-send: the 250 never reaches it
        first.wait(10)
        server.mailbox.delay = 0
        second = subprocess.Popen([*WORKER, "--lease", "2"], env=env, stdin=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: len(server.mailbox.messages) == 2)
            wait_until(lambda: sent_count(db) == 1)
        finally:
            second.terminate()
            second.wait(20)
    finally:
        server.stop()
    ids = [m["Message-ID"] for m in server.mailbox.messages]
    assert ids[0] == ids[1]


def sent_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status == "sent"))


def test_starttls_with_authentication_and_a_self_signed_certificate(app, db, mail_config,
                                                                    tmp_path):
    server = SmtpServer("starttls", tmp_path).start()
    try:
        mail_config.update(SMTP_URL=server.url, SMTP_CAFILE=str(server.cert))
        queue(db, 2)
        assert deliver_due() == 2
        assert server.mailbox.logins == ["relay-user", "relay-user"]
        assert server.mailbox.messages[0].get_content().strip() == "本文 body"
    finally:
        server.stop()


# aiosmtpd warns that AUTH without STARTTLS is unsafe: here the whole connection is TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls_smtps(app, db, mail_config, tmp_path):
    server = SmtpServer("tls", tmp_path).start()
    try:
        mail_config.update(SMTP_URL=server.url, SMTP_CAFILE=str(server.cert))
        queue(db, 1)
        assert deliver_due() == 1
        assert server.mailbox.logins == ["relay-user"]
    finally:
        server.stop()


def test_an_untrusted_certificate_is_refused(app, db, mail_config, tmp_path):
    server = SmtpServer("starttls", tmp_path).start()
    try:
        mail_config.update(SMTP_URL=server.url, SMTP_CAFILE="")
        queue(db, 1)
        assert deliver_due() == 0
        assert server.mailbox.messages == []
        db.session.rollback()
        row = db.session.scalar(select(OutboxMessage))
        assert row.status == "pending" and "CERTIFICATE" in row.last_error.upper()
    finally:
        server.stop()


def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(db):
    from datetime import timedelta

    queue(db, 1)
    now = utcnow()
    first = outbox.claim_next(now, timedelta(minutes=5))
    assert first is not None
    assert outbox.claim_next(now, timedelta(minutes=5)) is None
    # The first worker died mid-send: after the lease the message is sent again, same id.
    again = outbox.claim_next(now + timedelta(minutes=6), timedelta(minutes=5))
    assert again.message_id == first.message_id and again.attempts == 2
    outbox.mark_sent(first, now)  # the dead worker's claim is stale: it changes nothing
    assert db.session.scalar(select(OutboxMessage.status)) == "pending"


def test_the_sweep_delivers_and_forgets_old_sent_messages(app, db, mail_config):
    from datetime import timedelta

    from lms.mail.delivery import sweep_outbox

    mail_config.update(SMTP_URL="", MAIL_SERVER="")
    queue(db, 2)
    result = sweep_outbox(utcnow())
    assert result.changed == 2
    assert set(db.session.scalars(select(OutboxMessage.body))) == {""}  # text dropped once sent
    assert sweep_outbox(utcnow() + timedelta(days=31)).detail == "2 old sent message(s) removed"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
