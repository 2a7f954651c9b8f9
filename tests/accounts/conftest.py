"""A real SMTP server (aiosmtpd) for the account flows: links are read from the mail."""

from __future__ import annotations

import pytest

from lms.mail.delivery import deliver_due
from tests.smtp_server import SmtpServer


class Mail:
    def __init__(self, server: SmtpServer):
        self.server = server

    def link(self, address: str, pattern: str, count: int = 1) -> str:
        deliver_due()
        return self.server.mailbox.link(address, pattern, count, timeout=5)

    def to(self, address: str):
        deliver_due()
        return self.server.mailbox.to(address)


@pytest.fixture()
def mail(app, db):
    server = SmtpServer().start()
    saved = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = server.url
    yield Mail(server)
    app.config["SMTP_URL"] = saved
    server.stop()
