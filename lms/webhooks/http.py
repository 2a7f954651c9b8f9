"""One POST to a webhook endpoint, to the address the SSRF guard checked, no redirects."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from lms.security.webhook_targets import Target

_MAX_ANSWER = 64 * 1024  # read (and ignore) at most this much of the answer


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    duration_ms: int
    error: str | None
    retry_after: float | None = None  # seconds the receiver asked us to wait (Retry-After)

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _Pinned(http.client.HTTPConnection):
    """Connects to ``target.address`` while the Host header names ``target.host``."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedTLS(_Pinned):
    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext):
        super().__init__(target, timeout)
        self._context = context
        self.default_port = 443

    def connect(self):
        super().connect()
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float,
         cafile: str | None = None) -> Answer:
    if target.scheme == "https":
        connection = _PinnedTLS(target, timeout, ssl.create_default_context(cafile=cafile))
    else:
        connection = _Pinned(target, timeout)
    started = time.monotonic()
    try:
        connection.request("POST", target.path, body=body,
                           headers={**headers, "user-agent": "PartnerAcademy-Webhooks/1"})
        response = connection.getresponse()
        response.read(_MAX_ANSWER)
        status = response.status
        retry_after = _seconds(response.getheader("retry-after"))
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, int((time.monotonic() - started) * 1000),
                      f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    duration = int((time.monotonic() - started) * 1000)
    # A redirect is not followed: it is an answer that did not accept the delivery.
    return Answer(status, duration, None if 200 <= status < 300 else f"HTTP {status}",
                  retry_after)


def _seconds(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is ignored: clocks differ)."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return None
