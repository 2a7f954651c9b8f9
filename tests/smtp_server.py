"""A real SMTP server for the tests (aiosmtpd): plain, STARTTLS with AUTH, or implicit TLS.

Every message received is kept with its Message-ID, so a test can say "each arrived once",
and `wait_for` reads a link out of a mail the way a person would.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, SECRET = "relay-user", "relay-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class Mailbox:
    def __init__(self):
        self.delay = 0.0  # seconds to wait before answering DATA (a slow relay)
        self.messages: list[email.message.EmailMessage] = []
        self.logins: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
              and auth_data.password.decode() == SECRET)
        if ok:
            self.logins.append(USER)
        return AuthResult(success=ok)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no mail #{count} to {address} within {timeout} s "
                             f"(have {[m['To'] for m in self.messages]})")

    def link(self, address: str, pattern: str, count: int = 1, timeout: float = 20.0) -> str:
        body = self.wait_for(address, count, timeout).get_content()
        match = re.search(pattern, body)
        assert match, body
        return match.group(0)


class SmtpServer:
    """``SmtpServer(mode=...)``: "plain", "starttls" (STARTTLS required, then AUTH) or "tls"."""

    def __init__(self, mode: str = "plain", folder: Path | None = None, port: int | None = None):
        self.mode, self.port = mode, port or free_port()
        self.mailbox = Mailbox()
        self.cert = None
        kwargs = {}
        if mode in ("starttls", "tls"):
            self.cert, key = self_signed_cert(folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert, key)
            if mode == "starttls":
                kwargs = {"tls_context": context, "require_starttls": True,
                          "authenticator": self.mailbox.authenticate, "auth_required": True,
                          "auth_require_tls": True}
            else:
                # The whole connection is TLS; aiosmtpd only tracks STARTTLS, so it is told.
                kwargs = {"ssl_context": context, "authenticator": self.mailbox.authenticate,
                          "auth_required": True, "auth_require_tls": False}
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def url(self) -> str:
        return {"plain": f"smtp://127.0.0.1:{self.port}",
                "starttls": f"smtp+starttls://{USER}:{SECRET}@127.0.0.1:{self.port}",
                "tls": f"smtps://{USER}:{SECRET}@127.0.0.1:{self.port}"}[self.mode]

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
