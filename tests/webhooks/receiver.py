"""A real webhook receiver on loopback: a threaded http.server that verifies every delivery
with the ``standardwebhooks`` library, as a partner's CRM would, and records what arrived."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

from tests.smtp_server import free_port


@dataclass
class Delivery:
    webhook_id: str
    payload: dict
    status: int  # what the receiver answered
    signatures: int


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)  # any of them must verify
    port: int = field(default_factory=free_port)
    fail_first: int = 0  # answer 500 to the first N deliveries of each webhook-id
    answer: int = 204
    redirect_to: str | None = None
    retry_after: str | None = None  # sent with every non-2xx answer
    deliveries: list[Delivery] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks?source=academy"

    def ok(self) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if 200 <= d.status < 300]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                payload = None
                for secret in receiver.secrets:
                    try:
                        payload = Webhook(secret).verify(body, headers)
                        break
                    except Exception:  # noqa: BLE001 - WebhookVerificationError and kin
                        continue
                with receiver.lock:
                    if payload is None:
                        receiver.unverified.append(headers.get("webhook-id", "?"))
                        status = 400
                    else:
                        seen = sum(1 for d in receiver.deliveries
                                   if d.webhook_id == headers["webhook-id"])
                        status = 500 if seen < receiver.fail_first else receiver.answer
                        if receiver.redirect_to:
                            status = 302
                        receiver.deliveries.append(Delivery(
                            headers["webhook-id"], json.loads(body), status,
                            len(headers["webhook-signature"].split())))
                self.send_response(status)
                if status == 302:
                    self.send_header("location", receiver.redirect_to)
                if status >= 300 and receiver.retry_after:
                    self.send_header("retry-after", receiver.retry_after)
                self.send_header("content-length", "0")
                self.end_headers()

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the listen backlog: 5 by default drops bursts

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
