"""Start `lms serve --demo` on a throwaway SQLite instance, and sign a demo user in."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[2]
LMS = str(Path(sys.executable).with_name("lms"))
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def demo_server(workers: int | None = None, extra_env: dict[str, str] | None = None,
                root: Path | None = None):
    """Yield (port, log_path) of a running `lms serve --demo`; stop it afterwards.

    ``root``: another checkout to serve (its code, templates and demo content, this
    checkout's virtualenv), for a before/after comparison in one run.
    """
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        port = free_port()
        env = dict(os.environ)
        env.update(LMS_INSTANCE_PATH=f"{tmp}/instance",
                   LMS_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
                   LMS_SECRET_KEY="bench-secret")
        env.pop("LMS_CONTENT_DIR", None)  # the repository's demo content
        env.update(extra_env or {})
        if root is not None:
            env["PYTHONPATH"] = str(root)
        argv = [LMS, "serve", "--demo", "--host", HOST, "--port", str(port)]
        if workers:
            argv += ["--workers", str(workers)]
        log_path = Path(tmp) / "server.log"
        with open(log_path, "w") as log:
            # Its own process group, so stopping it stops every gunicorn worker.
            proc = subprocess.Popen(argv, env=env, cwd=str(root or REPO_ROOT), stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            try:
                _wait_healthy(port, proc, log_path)
                yield port, log_path
            finally:
                stop(proc)


def stop(proc: subprocess.Popen, grace: float = 30) -> None:
    """Stop a server started in its own process group, every gunicorn worker included."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _wait_healthy(port: int, proc: subprocess.Popen, log_path: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{log_path.read_text()}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not become healthy:\n{log_path.read_text()}")


def sign_in(port: int, email: str, password: str) -> str:
    """The session cookie ("session=...") of a signed-in user, through the real form."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = _session_cookie(response)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    body = urlencode({"email": email, "password": password, "csrf_token": token})
    conn.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"sign-in failed: {response.status}")
    cookie = _session_cookie(response)
    # The first page after sign-in adds the CSRF secret to the session, as a browser
    # would keep it. Replaying the cookie from before that would make every request
    # create and sign a new session cookie, which no real client does.
    conn.request("GET", "/", headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    if "session" in (response.headers.get("Set-Cookie") or ""):
        cookie = _session_cookie(response)
    return cookie


def get(port: int, path: str, cookie: str | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    return response.status, response.read().decode()


def _session_cookie(response) -> str:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    if "session" not in jar:
        raise RuntimeError("no session cookie")
    return f"session={jar['session'].value}"


def server_cpu_seconds(port: int) -> float:
    """CPU time (user + system) spent so far by the server listening on ``port``.

    Sums every process whose command line names the port: `lms serve`, the gunicorn
    master and its workers (forked, same command line). Read from /proc, so it counts
    only the server, whatever else the machine is doing.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    needle = f"{port}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            if b"serve" not in cmdline and b"gunicorn" not in cmdline:
                continue
            if needle not in cmdline.split(b"\0"):
                if f"{HOST}:{port}".encode() not in cmdline:
                    continue
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks

