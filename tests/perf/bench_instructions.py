"""Instructions per request, counted by valgrind: signed-in pages against /healthz over HTTP.

    .venv/bin/python tests/perf/bench_instructions.py [--requests 200]
        [--pages lesson,course,home] [--compare OTHER_CHECKOUT]

Requests per second on this shared two-core machine move by a third from one run to the
next; the number of instructions the server executes for a request hardly moves at all.
This runs `lms serve --demo` (one worker, one thread, SQLite) under valgrind's callgrind
with counting off, signs in a demo learner, warms every route up, then for each route
turns counting on in the worker process, sends ``--requests`` requests over one
keep-alive connection, turns counting off and reads the total. What is counted is
everything the worker does for a request over real HTTP: gunicorn's parsing and access
log, Flask, the database driver, SQLite, the template.

The ratio /healthz ÷ page is the page's throughput against /healthz on a server with
nothing else to do (goal for the lesson page, issue 16: >= 50%). ``--compare`` counts
another checkout the same way (its code and templates, this virtualenv) for a before and
after; the counts are deterministic, so the two need not run at the same time.
Needs valgrind (`apt-get install valgrind`); takes a few minutes.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.bench_lesson_page import GOAL, LEARNER, demo_paths  # noqa: E402
from tests.perf.server import (  # noqa: E402
    HOST, LMS, REPO_ROOT, free_port, get, sign_in, stop)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry))
    return found


def _control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120)


def _requests(port: int, path: str, headers: dict, count: int) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    for _ in range(count):
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
    conn.close()


def count(root: Path | None, routes: dict[str, str], requests: int) -> dict[str, float]:
    """Instructions per request of each route, in a server of ``root`` (None: this one)."""
    from lms.demo import DEMO_PASSWORD

    with tempfile.TemporaryDirectory(prefix="lms-instr-") as tmp:
        port = free_port()
        env = dict(os.environ, LMS_INSTANCE_PATH=f"{tmp}/instance",
                   LMS_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
                   LMS_SECRET_KEY="bench-secret", LMS_WORKERS="1", LMS_THREADS="1")
        env.pop("LMS_CONTENT_DIR", None)
        if root is not None:
            env["PYTHONPATH"] = str(root)
        out = f"{tmp}/callgrind.%p"
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--trace-children=yes",
                f"--callgrind-out-file={out}", sys.executable, LMS, "serve", "--demo",
                "--no-worker", "--host", HOST, "--port", str(port)]
        log = open(f"{tmp}/server.log", "w")
        proc = subprocess.Popen(argv, env=env, cwd=str(root or REPO_ROOT), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 900
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(Path(f"{tmp}/server.log").read_text()[-3000:])
                try:
                    if get(port, "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(1)
            workers = _children(proc.pid)
            if len(workers) != 1:
                raise RuntimeError(f"expected one gunicorn worker, found {workers}")
            worker = workers[0]
            cookie = sign_in(port, LEARNER, DEMO_PASSWORD)
            for name, path in routes.items():  # templates compiled, caches filled
                _requests(port, path, {} if name == "trivial" else {"Cookie": cookie}, 30)
            result = {}
            for name, path in routes.items():
                headers = {} if name == "trivial" else {"Cookie": cookie}
                _control("-z", str(worker))
                _control("-i", "on", str(worker))
                _requests(port, path, headers, requests)
                _control("-i", "off", str(worker))
                before = set(Path(tmp).glob("callgrind.*"))
                _control("-d", name, str(worker))
                dumped = [p for p in Path(tmp).glob(f"callgrind.{worker}.*") if p not in before]
                totals = [line for line in dumped[0].read_text().splitlines()
                          if line.startswith("totals:")]
                result[name] = int(totals[0].split()[1]) / requests
                print(f"  {name:<8} {result[name] / 1e6:6.2f} M instructions per request",
                      flush=True)
            return result
        finally:
            stop(proc, grace=60)
            log.close()


def report(label: str, counts: dict[str, float]) -> float:
    print(f"\n{label}")
    trivial = counts["trivial"]
    for name, value in counts.items():
        line = f"  {name:<8} {value / 1e6:6.2f} M instructions  /healthz ÷ {name}: {trivial / value:4.0%}"
        if name not in ("trivial", "lesson"):
            line += f"  {name} ÷ lesson: {value / counts['lesson']:.2f}x (goal <= 2x)"
        print(line)
    return trivial / counts["lesson"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pages", default="lesson,course,home")
    parser.add_argument("--compare", type=Path, default=None, metavar="CHECKOUT")
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is not installed (apt-get install valgrind)")
        return 2
    paths = demo_paths()
    routes = {"trivial": "/healthz", "lesson": paths["lesson"]}
    routes.update({p: paths[p] for p in args.pages.split(",") if p in paths and p != "lesson"})
    runs = {}
    if args.compare:
        print(f"{args.compare}:")
        runs[str(args.compare)] = count(args.compare, routes, args.requests)
    print("this checkout:")
    runs["this checkout"] = count(None, routes, args.requests)
    ratio = 0.0
    for label, counts in runs.items():
        ratio = report(label, counts)
    print(f"\nlesson page at {ratio:.0%} of /healthz by instructions (goal >= {GOAL:.0%})")
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
