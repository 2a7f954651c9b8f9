"""Over real HTTP against `lms serve` started WITHOUT LMS_BASE_URL: a forged Host header
never reaches the assertion JSON, the baked PNG, the verify page or the QR code; the
served origin is the address `lms serve` listens on. Mail from the command line uses
LMS_BASE_URL, and without it the command refuses instead of writing http://localhost."""

from __future__ import annotations

import io
import subprocess
from datetime import timedelta

import pytest
import qrcode
import requests
from qrcode.image.svg import SvgPathImage
from sqlalchemy import bindparam, create_engine, text

from lms.config import database_url
from lms.models.types import UTCDateTime, utcnow
from lms.services.badges import unbake_png
from tests.live_server import REPO_ROOT, LiveServer, lms_command

FORGED = {"Host": "evil.example"}


class ServerWithoutBaseUrl(LiveServer):
    def env(self) -> dict[str, str]:
        env = super().env()
        del env["LMS_BASE_URL"]
        return env


@pytest.fixture(scope="module")
def server():
    live = ServerWithoutBaseUrl(workers=1)
    try:
        live.start()
        yield live
    finally:
        live.stop()


def a_certification(server) -> str:
    engine = create_engine(database_url(server.database_url, ""))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT id FROM certifications WHERE revoked_at IS NULL "
                                     "ORDER BY id LIMIT 1")).scalar_one()
    finally:
        engine.dispose()


def test_forged_host_over_http_gets_the_listening_origin(server):
    origin = server.url  # http://127.0.0.1:<port>, where `lms serve` listens
    cert = a_certification(server)
    get = lambda path: requests.get(origin + path, headers=FORGED, timeout=15)  # noqa: E731

    data = get(f"/badges/assertions/{cert}.json").json()
    assert data["id"] == f"{origin}/badges/assertions/{cert}.json"
    assert "evil.example" not in str(data)
    assert unbake_png(get(f"/badges/assertions/{cert}.png").content) == data["id"]
    page = get(f"/verify/{cert}").text
    assert data["id"] in page and "evil.example" not in page
    out = io.BytesIO()
    qrcode.make(f"{origin}/verify/{cert}", image_factory=SvgPathImage, box_size=10,
                border=2).save(out)
    assert get(f"/verify/{cert}/qr.svg").content == out.getvalue()
    assert get("/badges/issuer.json").json()["id"] == f"{origin}/badges/issuer.json"


def test_mail_from_the_command_line(server):
    cert = a_certification(server)
    # Near expiry: `lms sweep` renews or notifies it, and either mail carries a link.
    engine = create_engine(database_url(server.database_url, ""))
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE certifications SET expires_at = :at WHERE id = :id")
                         .bindparams(bindparam("at", type_=UTCDateTime)),
                         {"at": utcnow() + timedelta(days=20), "id": cert})
    finally:
        engine.dispose()
    refused = server.lms("sweep", check=False)
    assert refused.returncode == 1 and "LMS_BASE_URL is not set" in refused.stderr
    assert "localhost" not in refused.stdout + refused.stderr

    env_url = "https://academy.example.com"
    result = subprocess.run([*lms_command(), "sweep"],
                            env={**server.env(), "LMS_BASE_URL": env_url}, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    # Without SMTP the mail goes to the log (stderr): any link is the configured origin.
    assert "localhost" not in result.stderr and "127.0.0.1" not in result.stderr
    assert all(line.startswith(env_url) for line in result.stderr.split()
               if line.startswith("http")), result.stderr
