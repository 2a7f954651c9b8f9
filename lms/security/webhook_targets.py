"""Where webhooks may go (SSRF guard): only http(s) URLs whose host resolves to public
addresses, checked when an endpoint is added and again before every delivery, after DNS
resolution; the delivery then connects to the very address that was checked (no second
lookup an attacker's DNS could answer differently) and follows no redirect.

``LMS_WEBHOOK_ALLOW_PRIVATE=1`` (config ``WEBHOOK_ALLOW_PRIVATE``) lets loopback and
private addresses through: for a receiver on the same machine or network, and for tests.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class TargetRefused(ValueError):
    """The URL may not receive webhooks; ``code`` names why (a message key)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string
    address: str  # the checked IP address to connect to


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def parse(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise TargetRefused("webhook_url_invalid", url) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("webhook_url_scheme", url)
    if parts.username or parts.password:
        raise TargetRefused("webhook_url_invalid", "credentials in the URL")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def resolve(url: str, *, allow_private: bool) -> Target:
    """The URL's target with a checked address; TargetRefused when it may not be used."""
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused("webhook_url_unresolved", f"{host}: {exc}") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise TargetRefused("webhook_url_unresolved", host)
    if not allow_private:
        # Every address must be public: a name that also resolves inside is refused.
        private = [a for a in addresses if not _public(a)]
        if private:
            raise TargetRefused("webhook_url_private", f"{host} resolves to {private[0]}")
    return Target(scheme, host, port, path, addresses[0])
