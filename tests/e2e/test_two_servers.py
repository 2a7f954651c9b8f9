"""Two `lms serve` on one database, as behind a load balancer.

Each server has its own instance folder and its own outbox delivery worker (started by
`lms serve`); they share the database (one PostgreSQL database with
LMS_TEST_DATABASE_URL, else one SQLite file) and the secret key. A file uploaded through
one downloads from the other, and mail queued on both is delivered exactly once.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import time
from collections import Counter

import pytest

from tests.live_server import DEMO_USERS, LiveServer
from tests.smtp_server import SmtpServer

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def servers(smtp):
    mail = {"LMS_SMTP_URL": smtp.url}
    first = LiveServer(workers=1, extra_env=mail)
    second = LiveServer(workers=1, share_database_with=first, demo=False, extra_env=mail)
    try:
        first.start()
        second.start()
        yield first, second
    finally:
        second.stop()
        first.stop()


def test_a_file_uploaded_on_one_server_downloads_from_the_other(servers):
    first, second = servers
    learner = first.create_user("learner")
    data = PNG + os.urandom(600 * 1024)  # several stored pieces
    with first.http() as on_first, second.http() as on_second:
        on_first.sign_in(learner.email, learner.password)
        posted = on_first.post("/certifications/uploads", data={
            "target": "bronze:practical",
            "csrf_token": on_first.csrf_token("/certifications")},
            files={"file": ("実技.png", io.BytesIO(data), "image/png")}, allow_redirects=False)
        assert posted.status_code == 303, posted.text[:500]
        on_second.cookies.update(on_first.cookies)  # the load balancer sends the next one there
        page = on_second.get("/certifications")
        assert page.status_code == 200
        links = re.findall(r'href="(/uploads/[0-9a-f]+)"', page.text)
        assert len(links) == 1, "the upload is listed on the other server"
        got = on_second.get(links[0])
        assert got.status_code == 200 and got.content == data
        assert got.headers["Content-Disposition"].startswith("attachment")
        assert on_first.get(links[0]).content == data


def invite(server: LiveServer, emails: list[str]) -> None:
    with server.http() as admin:
        admin.sign_in(DEMO_USERS["admin"])
        rows = "email,role,org\n" + "".join(f"{e},learner,tokyo-si\n" for e in emails)
        posted = admin.post("/invitations/csv", data={
            "csrf_token": admin.csrf_token("/invitations")},
            files={"file": ("people.csv", io.BytesIO(rows.encode()), "text/csv")},
            allow_redirects=False)
        assert posted.status_code == 302, posted.text[:500]


def test_mail_queued_on_both_servers_is_delivered_once_with_a_worker_on_each(servers, smtp):
    first, second = servers
    tag = secrets.token_hex(3)
    on_first = [f"first-{tag}-{n}@invited.example.com" for n in range(15)]
    on_second = [f"second-{tag}-{n}@invited.example.com" for n in range(15)]
    invite(first, on_first)
    invite(second, on_second)
    wanted = set(on_first + on_second)

    def arrived():
        return [m for m in list(smtp.mailbox.messages) if m["To"] in wanted]

    deadline = time.monotonic() + 60
    while len(arrived()) < len(wanted) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(5)  # both workers look at the outbox every 2 s: time for a duplicate to show
    messages = arrived()
    assert sorted(m["To"] for m in messages) == sorted(wanted)
    assert max(Counter(m["Message-ID"] for m in messages).values()) == 1
