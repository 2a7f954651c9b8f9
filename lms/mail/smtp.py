"""LMS_SMTP_URL and sending one message over SMTP (plain, STARTTLS or implicit TLS)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORTS = {"plain": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # plain, starttls or tls
    username: str = ""
    password: str = ""
    # Only for tests and private relays with their own CA: a PEM file to trust.
    cafile: str | None = None

    def __repr__(self) -> str:  # never print the password
        return f"SmtpSettings({self.security}://{self.username and self.username + '@'}{self.host}:{self.port})"


def parse_smtp_url(url: str, *, cafile: str | None = None) -> SmtpSettings:
    """``smtp://host:port``, ``smtp+starttls://user:pw@host:587`` (or ``?starttls``),
    ``smtps://user:pw@host:465``. Raises ValueError on anything else."""
    parts = urlsplit(url.strip())
    query = parse_qs(parts.query, keep_blank_values=True)
    scheme = parts.scheme.lower()
    if scheme == "smtps":
        security = "tls"
    elif scheme == "smtp+starttls" or (scheme == "smtp" and "starttls" in query):
        security = "starttls"
    elif scheme == "smtp":
        security = "plain"
    else:
        raise ValueError(f"LMS_SMTP_URL: unknown scheme {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("LMS_SMTP_URL: no host")
    return SmtpSettings(host=parts.hostname, port=parts.port or DEFAULT_PORTS[security],
                        security=security, username=unquote(parts.username or ""),
                        password=unquote(parts.password or ""), cafile=cafile)


def send(settings: SmtpSettings, message: EmailMessage, *, timeout: float = 20) -> None:
    """Deliver one message; raises OSError or smtplib.SMTPException when it did not go."""
    context = ssl.create_default_context(cafile=settings.cafile)
    if settings.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                                context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    with client:
        client.ehlo()
        if settings.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if settings.username:
            client.login(settings.username, settings.password)
        client.send_message(message)
