"""Mail goes out through the outbox over real SMTP when a server is set (aiosmtpd in the test)."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from lms.extensions import db as _db
from lms.mail.delivery import deliver_due
from lms.models import OutboxMessage
from lms.services import certifications as certs


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def smtp(app):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["MAIL_SERVER"] = f"127.0.0.1:{port}"
    yield inbox
    app.config["MAIL_SERVER"] = ""
    controller.stop()


def test_award_and_revocation_mails_are_sent_in_the_holders_language(smtp, make, facts, award):
    user = make.user("learner", org=make.org(), email="mail.me@example.com")
    facts.bronze_ready(user)
    cert = award(user).awarded[0]
    certs.revoke(cert.id, "Duplicate account", actor_id=None)
    assert deliver_due() == 2
    assert [to for to, _ in smtp.messages] == [["mail.me@example.com"]] * 2
    import email

    award_mail = email.message_from_string(smtp.messages[0][1])
    body = award_mail.get_payload(decode=True).decode("utf-8")
    assert f"/verify/{cert.id}" in body
    assert "授与されました" in body  # Japanese by default
    revoked = email.message_from_string(smtp.messages[1][1]).get_payload(decode=True).decode()
    assert "Duplicate account" in revoked


def test_a_broken_mail_server_never_undoes_an_award(app, make, facts, award, caplog):
    app.config["MAIL_SERVER"] = f"127.0.0.1:{free_port()}"  # nothing listens there
    try:
        user = make.user("learner", org=make.org())
        facts.bronze_ready(user)
        assert award(user).levels == ["bronze"]
        assert deliver_due() == 0
    finally:
        app.config["MAIL_SERVER"] = ""
    assert certs.certifications_of(user.id)[0].level == "bronze"
    assert any("sending mail" in r.getMessage() for r in caplog.records)
    assert deliver_due() == 0  # waiting for its retry, not lost
    assert list(_db.session.scalars(select(OutboxMessage.status))) == ["pending"]


def test_turned_off_award_and_expiry_mail_keeps_the_notifications(app, make, facts, award):
    """E-mail preferences hold for certification mail; the notification centre keeps all,
    and a revocation is always mailed."""
    from datetime import timedelta

    from lms.models import Notification

    user = make.user("learner", org=make.org(), email="no.mail@example.com",
                     mail_off="awarded expiring")
    facts.bronze_ready(user)
    cert = award(user).awarded[0]
    certs.sweep_certifications(cert.expires_at - timedelta(days=20))
    kinds = set(_db.session.scalars(select(Notification.kind)
                                    .where(Notification.user_id == user.id)))
    assert {"certification_awarded", "certification_expiring"} <= kinds
    assert list(_db.session.scalars(select(OutboxMessage.recipient))) == []
    certs.revoke(cert.id, "Duplicate account", actor_id=None)
    assert list(_db.session.scalars(select(OutboxMessage.recipient))) == ["no.mail@example.com"]
