"""Without LMS_SMTP_HOST, the mail a running server would send shows in its log.

Operators on a trial (or with a broken relay setting) must be able to read who was to
get which message and its links from what `lms serve` prints (docs/operations.md
"E-mail"). Real gunicorn workers, real sign-off, real award.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.live_server import DEMO_USERS, LiveServer

ITO = "learner@sato-sharoushi.example.com"  # the demo learner one practical short of Bronze


@pytest.fixture(scope="module")
def live_server():
    """A server of this module's own: the award changes the demo learner for good."""
    server = LiveServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


def test_an_award_mail_is_printed_by_the_server_as_a_warning(live_server: LiveServer):
    assert "LMS_SMTP_HOST" not in live_server.env()
    admin = live_server.http()
    admin.sign_in(DEMO_USERS["admin"])
    ito = admin.user_id(ITO)

    trainer = live_server.http()
    trainer.sign_in(DEMO_USERS["trainer"])
    response = trainer.post_form(f"/users/{ito}/signoffs",
                                 {"certification": "bronze", "requirement": "practical"},
                                 page=f"/users/{ito}/certifications", allow_redirects=False)
    assert response.status_code in (302, 303), response.text[:500]

    deadline = time.monotonic() + 10
    log = ""
    while time.monotonic() < deadline and "/verify/" not in log:
        log = live_server.log_tail(400)
        time.sleep(0.2)
    lines = log.splitlines()
    start = next((i for i, line in enumerate(lines) if f"mail to={ITO}" in line), None)
    assert start is not None, f"no mail to {ITO} in the server's output:\n{log}"
    assert "WARNING" in lines[start] and "LMS_SMTP_HOST" in lines[start], lines[start]
    message = "\n".join(lines[start:start + 8])
    assert "Bronze 認定" in message  # the subject and body, in the learner's language
    assert re.search(r"/verify/[A-Za-z0-9_-]{20,}", message), message  # the link to act on
