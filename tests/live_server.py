"""The real app over real HTTP: `lms serve --demo` (gunicorn) in a subprocess.

One server per pytest process, started on first use and stopped when pytest
exits, whichever conftest asks for it (tests/browser, tests/e2e, and any later
folder that imports `live_server` from here).

Database:
- SQLite (default): a file in the server's own temporary instance folder.
- PostgreSQL (LMS_TEST_DATABASE_URL=postgresql://…): a database of its own,
  `lms_live_<pid>_<random>`, created on the same server and dropped at the end.
  The in-process tests DROP SCHEMA public in the LMS_TEST_DATABASE_URL database
  between runs; a separate database (not a schema) means neither side can see
  or break the other's tables, the migrations run unchanged, and two test runs
  at once (two developers, pytest-xdist) each get their own.

A second server on the first one's database (several servers behind a load balancer):
`LiveServer(share_database_with=first, demo=False)`; it uses the first's database (the
same SQLite file, or the same PostgreSQL database, which the first drops) and its secret
key, so a session cookie from one is good on the other.

The demo data are loaded (`--demo`): DEMO_USERS below sign in with
DEMO_PASSWORD. Tests that change a user's state (progress, language) should
use `server.create_user()` to get a fresh account instead of a shared demo one.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from lms.config import REPO_ROOT, database_url
from lms.demo import DEMO_PASSWORD

DEMO_USERS = {
    "admin": "admin@example.com",
    "trainer": "trainer@example.com",
    "channel_manager": "channel@example.com",
    "partner_manager": "manager@tokyo-si.example.com",
    "learner": "learner@tokyo-si.example.com",
    "learner_with_progress": "engineer@tokyo-si.example.com",
}

START_TIMEOUT = 60.0
USER_BATCH = 12
_ROLE_NAMES = {"learner": "受講者", "manager": "マネージャー", "trainer": "講師", "admin": "管理者"}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    name: str
    role: str


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lms_command() -> list[str]:
    """The installed `lms` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("lms")
    if script.exists():
        return [str(script)]
    found = shutil.which("lms")
    if found:
        return [found]
    pytest.fail("the `lms` console script is not installed: run `bash tests/run.sh` "
                "(it does `pip install -e '.[test]'`)", pytrace=False)


class PostgresDatabase:
    """A throwaway database next to the one LMS_TEST_DATABASE_URL names."""

    def __init__(self, raw_url: str):
        from sqlalchemy.engine import make_url

        self.admin_url = make_url(database_url(raw_url, ""))
        self.name = f"lms_live_{os.getpid()}_{secrets.token_hex(4)}"
        self.url = self.admin_url.set(database=self.name).render_as_string(hide_password=False)

    def _admin_conninfo(self) -> str:
        return self.admin_url.set(drivername="postgresql").render_as_string(hide_password=False)

    def create(self) -> None:
        import psycopg

        with psycopg.connect(self._admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self._admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class LiveServer:
    def __init__(self, workers: int = 2, content_dir: Path | None = None, *,
                 share_database_with: LiveServer | None = None, demo: bool = True,
                 extra_env: dict[str, str] | None = None):
        """``content_dir``: a content tree of the test's own (courses/, quizzes/) instead
        of the repository's, for a test module that starts a server of its own.
        ``extra_env``: more LMS_* settings (an SMTP relay, for instance)."""
        self.workers = workers
        self.content_dir = content_dir
        self.demo = demo
        self.extra_env = dict(extra_env or {})
        self.shares_with = share_database_with
        self.tmp = Path(tempfile.mkdtemp(prefix="lms-live-"))
        self.instance_path = self.tmp / "instance"
        self.log_path = self.tmp / "server.log"
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.url = ""
        self.postgres: PostgresDatabase | None = None
        self._pools: dict[tuple[str, str | None], list[Account]] = {}
        raw = os.environ.get("LMS_TEST_DATABASE_URL")
        if share_database_with is not None:
            self.database_url = share_database_with.database_url  # theirs to create and drop
        elif raw and raw.startswith(("postgresql", "postgres:")):
            self.postgres = PostgresDatabase(raw)
            self.database_url = self.postgres.url
        elif raw:
            raise RuntimeError(f"LMS_TEST_DATABASE_URL: only PostgreSQL URLs are supported, got {raw!r}")
        else:
            self.database_url = "sqlite:///" + str(self.tmp / "live.sqlite3")

    # -- environment shared by the server and the `lms` commands run against it

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        env.update({
            "LMS_INSTANCE_PATH": str(self.instance_path),
            "LMS_DATABASE_URL": self.database_url,
            "LMS_BASE_URL": self.url,
            "PYTHONUNBUFFERED": "1",
            # gunicorn's control socket defaults to ~/.gunicorn/gunicorn.ctl: one per server here.
            "GUNICORN_CMD_ARGS": f"--control-socket {self.tmp / 'gunicorn.ctl'}",
        })
        if self.content_dir is not None:
            env["LMS_CONTENT_DIR"] = str(self.content_dir)
        if self.shares_with is not None:
            env["LMS_SECRET_KEY"] = self.shares_with.secret_key()
        env.update(self.extra_env)
        return env

    def secret_key(self) -> str:
        """The key this server signs sessions with (generated into its instance folder)."""
        return self.env().get("LMS_SECRET_KEY") or \
            (self.instance_path / "secret_key").read_text().strip()

    def lms(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run an `lms` command against the live server's database."""
        result = subprocess.run([*lms_command(), *args], env=self.env(), cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise AssertionError(f"`lms {' '.join(args)}` failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def create_user(self, role: str = "learner", org: str | None = "tokyo-si") -> Account:
        """A fresh account, so a test's changes (progress, language) touch no other test.

        Accounts are made in batches by one `lms import-users` run (a CLI start
        costs seconds; one more row costs one password hash) and handed out one by one.
        """
        org = org if role in ("learner", "manager") else None
        pool = self._pools.setdefault((role, org), [])
        if not pool:
            pool.extend(self._import_users(role, org, USER_BATCH))
        return pool.pop(0)

    def _import_users(self, role: str, org: str | None, count: int) -> list[Account]:
        accounts = []
        for _ in range(count):
            tag = secrets.token_hex(4)
            # A name as people have: no role code or hex in what pages show
            # (tests/e2e/test_words_not_codes.py reads every page's text).
            accounts.append(Account(email=f"{role}-{tag}@live-test.example.com",
                                    password=DEMO_PASSWORD, role=role,
                                    name=f"テスト {_ROLE_NAMES[role]} {int(tag, 16)}"))
        csv_path = self.tmp / f"users-{secrets.token_hex(4)}.csv"
        with open(csv_path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["email", "name", "role", "org", "password"])
            for account in accounts:
                writer.writerow([account.email, account.name, role, org or "", account.password])
        self.lms("import-users", str(csv_path))
        return accounts

    # -- lifecycle

    def start(self) -> None:
        if self.postgres:
            try:
                self.postgres.create()
            except Exception as exc:  # noqa: BLE001 - reported with the reason
                pytest.fail(f"live server: cannot create PostgreSQL database {self.postgres.name} "
                            f"(needs CREATEDB on LMS_TEST_DATABASE_URL's server): {exc}",
                            pytrace=False)
        last_error = ""
        for _ in range(3):  # a port taken between free_port() and bind: try another
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            last_error = self._start_once()
            if not last_error:
                return
        self.stop()
        pytest.fail(f"live server did not start:\n{last_error}", pytrace=False)

    def _start_once(self) -> str:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [*lms_command(), "serve", *(["--demo"] if self.demo else []), "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env(), cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)  # own group: workers die with it
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = f"`lms serve` exited with {self.process.returncode}\n{self.log_tail()}"
                self.process = None
                return error
            try:
                response = requests.get(self.url + "/healthz", timeout=5)
                if response.status_code == 200 and response.text == "ok":
                    return ""
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or workers still booting
            time.sleep(0.1)
        self._terminate()
        return f"no 200 from /healthz within {START_TIMEOUT:.0f} s\n{self.log_tail()}"

    def _terminate(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        self._terminate()
        if self.postgres:
            try:
                self.postgres.drop()
            except Exception as exc:  # noqa: BLE001 - leave a note, never mask test results
                print(f"live server: could not drop {self.postgres.name}: {exc}", file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def startup_log(self, lines: int = 400) -> str:
        """The server's first lines (what it printed before serving: demo sign-ins, workers),
        whatever the tests requested since."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        return "\n".join(text.splitlines()[:lines])

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def http(self) -> "HttpSession":
        return HttpSession(self.url)


class HttpSession(requests.Session):
    """A requests session bound to the live server, with a browser's form habits."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url
        self.headers["Accept-Language"] = "ja"

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 15)
        return super().request(method, urljoin(self.base_url + "/", url.lstrip("/")), *args, **kwargs)

    def csrf_token(self, page: str = "/login") -> str:
        response = self.get(page)
        match = CSRF_RE.search(response.text)
        assert match, f"no CSRF token on {page} ({response.status_code})"
        return match.group(1)

    def post_form(self, path: str, data: dict | None = None, page: str | None = None,
                  **kwargs) -> requests.Response:
        data = dict(data or {})
        data["csrf_token"] = self.csrf_token(page or path)
        return self.post(path, data=data, **kwargs)

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> requests.Response:
        response = self.post_form("/login", {"email": email, "password": password},
                                  allow_redirects=False)
        assert response.status_code == 302, f"sign-in as {email} failed: {response.status_code}"
        return response

    def user_id(self, email: str) -> int:
        """A user's id from the admin's user list (the session must be an admin's)."""
        for page in range(1, 100):
            html = self.get(f"/admin/users?page={page}").text
            match = re.search(r'href="/admin/users/(\d+)">[^<]*</a>(?:(?!</tr>).)*?<td>'
                              + re.escape(email) + "</td>", html, re.S)
            if match:
                return int(match.group(1))
            if f"page={page + 1}" not in html:
                break
        raise AssertionError(f"{email} is not in the admin's user list")


_SERVER_KEY = pytest.StashKey[LiveServer]()


def shared_server(config: pytest.Config) -> LiveServer:
    """The process's one live server, started on first call, stopped when pytest ends."""
    server = config.stash.get(_SERVER_KEY, None)
    if server is None:
        server = LiveServer()
        config.stash[_SERVER_KEY] = server
        config.add_cleanup(server.stop)
        server.start()
    return server


@pytest.fixture(scope="session")
def live_server(request) -> LiveServer:
    """The running app: `.url`, `.http()`, `.create_user()`, `.lms(...)`."""
    server = shared_server(request.config)
    if server.process is None or server.process.poll() is not None:
        pytest.fail(f"the live server is not running\n{server.log_tail()}", pytrace=False)
    return server


# Pages every learner sees, for the accessibility and HTML checks (add yours here).
BRONZE_COURSE = "koemoji-overview"
BRONZE_LESSON = "what-is-koemoji"
LEARNER_PAGES = {
    "catalog": "/",
    "course": f"/courses/{BRONZE_COURSE}",
    "lesson": f"/courses/{BRONZE_COURSE}/lessons/{BRONZE_LESSON}",
    "my-learning": "/my",
    "settings": "/settings",
    "quiz-start": "/quizzes/bronze-exam",
    "quiz-confirm-start": "/quizzes/gold-exam/begin",
    "lesson-task-list": f"/courses/{BRONZE_COURSE}/lessons/value-and-roi",
    "certifications": "/certifications",
    "notifications": "/notifications",
    "leaderboard": "/leaderboard?period=all",
    "discussion": f"/courses/{BRONZE_COURSE}/lessons/{BRONZE_LESSON}/discussion",
    "faq": f"/courses/{BRONZE_COURSE}/faq",
    "search": "/search?q=音声認識 仕組み",
}
ANONYMOUS_PAGES = {"login": "/login", "forgot-password": "/password/forgot", "signup": "/signup"}
ADMIN_PAGES = {
    "admin-users": "/admin/users",
    "admin-organizations": "/admin/organizations",
    "admin-organization": "/admin/organizations/tokyo-si",
    "admin-content": "/admin/content",
    "admin-webhooks": "/admin/webhooks",
    "admin-user": "/admin/users/1",
    "grading-queue": "/grading",
    "quiz-statistics": "/quizzes/bronze-exam/statistics",
    "quiz-index": "/quizzes/all",
    "preview": "/preview",
    "recognition": "/recognition",
    "unanswered": "/discussions/unanswered",
    "preview-quiz": "/preview/quizzes/bronze-exam?keys=1",
    "moodle-import": "/quizzes/import",
    "certification-people": "/certifications/people",
    "partners-dashboard": "/partners/",
    "partner-company": "/partners/tokyo-si",
    "company-assignments": "/partners/tokyo-si/assignments?status=all",
    "assignments": "/partners/assignments?status=all",
    "invitations": "/invitations",
}
