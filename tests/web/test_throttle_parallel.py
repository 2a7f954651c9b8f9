"""Throttling holds when many requests arrive at once (SQLite and PostgreSQL).

The app is served over real HTTP by a threaded Werkzeug server in this process, one
thread per connection; the test's threads each prepare a request (a session and its
form token), wait at a barrier and send together.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from lms.extensions import db as _db
from lms.models import AuditEvent
from lms.models.types import utcnow
from lms.services import throttle
from tests.conftest import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
WINDOW = timedelta(minutes=15)


@contextmanager
def served(app):
    """The app on a free local port, a thread per request, for the length of the block."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def all_at_once(n, prepare, send):
    """prepare(i) in n threads, then send(prepared) in all of them at the same moment."""
    barrier = threading.Barrier(n)

    def run(i):
        state = prepare(i)
        barrier.wait(timeout=120)
        return send(state)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


class Browser:
    """One client: its own connection and cookies, and the sign-in form's token."""

    def __init__(self, base):
        self.base = base
        self.http = requests.Session()
        # The test app answers for its SERVER_NAME only.
        self.http.headers.update({"Host": "academy.test", "Accept-Language": "ja"})

    def sign_in_form(self):
        page = self.http.get(self.base + "/login", timeout=60)
        self.token = CSRF_RE.search(page.text).group(1)
        return self

    def sign_in(self, email, password):
        try:
            return self.http.post(self.base + "/login", allow_redirects=False, timeout=120,
                                  data={"email": email, "password": password,
                                        "csrf_token": self.token}).status_code
        finally:
            self.http.close()

    def api(self, path, token):
        try:
            return self.http.get(self.base + path, timeout=120,
                                 headers={"Authorization": f"Bearer {token}"}).status_code
        finally:
            self.http.close()


def counted(key):
    _db.session.rollback()
    return throttle.count(key, utcnow(), WINDOW)


def audited(action):
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == action))


def test_parallel_wrong_passwords_for_one_account_check_at_most_the_limit(app, db, make):
    user = make.user("learner", org=make.org())
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    with served(app) as base:
        statuses = all_at_once(40, lambda i: Browser(base).sign_in_form(),
                               lambda browser: browser.sign_in(user.email, "wrong password!"))
    assert Counter(statuses) == {401: limit, 429: 40 - limit}
    assert audited("login.failed") == limit
    assert audited("login.throttled") == 40 - limit
    assert counted(throttle.key("account-address", user.email, "127.0.0.1")) == 40
    # The account's total saw only the attempts the address let through.
    assert counted(throttle.key("account", user.email)) == limit


def test_parallel_sign_ins_from_one_address_check_at_most_the_limit(app, db, make):
    user = make.user("learner", org=make.org())
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    with served(app) as base:
        statuses = all_at_once(
            60, lambda i: (Browser(base).sign_in_form(), f"guess{i}@example.com"),
            lambda state: state[0].sign_in(state[1], "wrong password!"))
        assert Counter(statuses) == {401: limit, 429: 60 - limit}  # and no 500
        assert counted(throttle.key("address", "127.0.0.1")) == 60
        assert Browser(base).sign_in_form().sign_in(user.email, PASSWORD) == 429


def test_parallel_wrong_tokens_are_all_counted_and_throttled(app, db, make):
    user = make.user("learner", org=make.org())
    good = make.token(user)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    with served(app) as base:
        statuses = all_at_once(80, lambda i: (Browser(base), f"pa_guess{i}"),
                               lambda state: state[0].api("/api/v1/me", state[1]))
        assert Counter(statuses) == {401: limit, 429: 80 - limit}
        assert counted(throttle.key("token", "127.0.0.1")) == 80
        # A real token is never slowed down by someone else's guessing.
        assert Browser(base).api("/api/v1/me", good) == 200


def test_parallel_counts_after_the_window_ended_start_again_once(app, db):
    key = throttle.key("address", "192.0.2.50")
    start = utcnow()
    for _ in range(7):
        throttle.hit(key, start, WINDOW)
    db.session.commit()
    later = start + WINDOW + timedelta(seconds=1)

    def hit(_):
        with app.app_context():
            try:
                from lms.database import begin_write

                begin_write()
                number = throttle.hit(key, later, WINDOW)
                _db.session.commit()
                return number
            finally:
                _db.session.remove()

    numbers = all_at_once(40, lambda i: i, hit)
    assert sorted(numbers) == list(range(1, 41))
    assert counted(key) == 40
