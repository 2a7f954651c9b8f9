"""Instructions per quiz API request, counted by valgrind: start, save, submit and /healthz.

    .venv/bin/python tests/perf/bench_quiz_instructions.py [--requests 100]
        [--compare OTHER_CHECKOUT]

The CPU a quiz start costs decides how long a burst of simultaneous starts takes
(tests/perf/burst_start.py), but CPU time on this shared machine moves by a third between
runs. The number of instructions the server executes for a request hardly moves. This runs
`lms serve` (one worker, one thread, SQLite) on the load test's 20-question quiz
(tests/perf/quizload.py) under valgrind's callgrind with counting off, with ``--requests``
learners holding API tokens. For each operation it turns counting on in the worker, sends
one request per learner over one keep-alive connection (a start each, then a save of a full
answer sheet each, then a submit each), turns counting off and reads the total: gunicorn's
parsing and access log, Flask, the token check, SQLAlchemy, SQLite, the JSON.

Each figure is also given against /healthz counted the same way, the floor of any request on
this server. ``--compare`` counts another checkout (its code, this virtualenv) for a before
and after; the counts are deterministic, so the two need not run at the same time.
Needs valgrind (`apt-get install valgrind`); takes a few minutes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import quizload  # noqa: E402
from bench_instructions import _children, _control  # noqa: E402
from server import HOST, LMS, REPO_ROOT, free_port, get, stop  # noqa: E402

WARM = 20  # learners whose requests fill the caches before counting starts


def _answer(question: dict):
    """A plausible answer of the question's kind (right or wrong does not matter here)."""
    ids = [c["id"] for c in question.get("choices") or ()]
    kind = question["type"]
    if kind == "single":
        return ids[0]
    if kind == "multiple":
        return ids[:2]
    if kind == "numeric":
        return "40"
    return "Time To First Deal"


class Client:
    """One keep-alive connection; every request carries the given learner's token."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=300)

    def call(self, method: str, path: str, token: str | None, body=None, ok=(200, 201)):
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        if response.status not in ok:
            raise RuntimeError(f"{method} {path}: {response.status} {raw[:300]!r}")
        return json.loads(raw) if raw and path != "/healthz" else None


def _operations(client: Client, tokens: list[str]):
    """(name, one call per learner) in order: healthz, start, save, submit."""
    attempts: dict[str, dict] = {}
    start_path = f"/api/v1/quizzes/{quizload.QUIZ_SLUG}/attempts"

    def healthz():
        for _ in tokens:
            client.call("GET", "/healthz", None)

    def start():
        for token in tokens:
            attempts[token] = client.call("POST", start_path, token, ok=(201,))

    def save():
        for token in tokens:
            body = {"seq": 1, "answers": {q["id"]: _answer(q) for q in attempts[token]["questions"]}}
            client.call("PUT", f"/api/v1/attempts/{attempts[token]['id']}/answers", token, body)

    def submit():
        for token in tokens:
            client.call("POST", f"/api/v1/attempts/{attempts[token]['id']}/submit", token, {})

    return [("healthz", healthz), ("start", start), ("save", save), ("submit", submit)]


def count(root: Path | None, requests: int, keep: Path | None = None) -> dict[str, float]:
    """Instructions per request of each operation, in a server of ``root`` (None: this one)."""
    with tempfile.TemporaryDirectory(prefix="lms-quiz-instr-") as tmp:
        base = Path(tmp)
        (base / "instance").mkdir()
        quizload.write_content(base / "content")
        env = {"LMS_CONTENT_DIR": str(base / "content"), "LMS_INSTANCE_PATH": str(base / "instance"),
               "LMS_DATABASE_URL": f"sqlite:///{base}/bench.sqlite3", "LMS_SECRET_KEY": "bench-secret",
               "LMS_WORKERS": "1", "LMS_THREADS": "1"}
        if root is not None:
            env["PYTHONPATH"] = str(root)
        quizload.migrate(env)
        tokens = quizload.seed_takers(env, WARM + requests)
        port = free_port()
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--trace-children=yes",
                f"--callgrind-out-file={tmp}/callgrind.%p", sys.executable, LMS, "serve",
                "--no-worker", "--host", HOST, "--port", str(port)]
        log = open(base / "server.log", "w")
        proc = subprocess.Popen(argv, env={**os.environ, **env}, cwd=str(root or REPO_ROOT),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 900
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((base / "server.log").read_text()[-3000:])
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
            client = Client(port)
            for _name, run in _operations(client, tokens[:WARM]):  # caches filled
                run()
            result = {}
            for name, run in _operations(client, tokens[WARM:]):
                _control("-z", str(worker))
                _control("-i", "on", str(worker))
                run()
                _control("-i", "off", str(worker))
                before = set(base.glob("callgrind.*"))
                _control("-d", name, str(worker))
                dumped = [p for p in base.glob(f"callgrind.{worker}.*") if p not in before]
                totals = [line for line in dumped[0].read_text().splitlines()
                          if line.startswith("totals:")]
                result[name] = int(totals[0].split()[1]) / requests
                if keep is not None:  # for callgrind_annotate --inclusive=yes
                    keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(dumped[0], keep / f"callgrind.{name}")
                print(f"  {name:<8} {result[name] / 1e6:6.2f} M instructions per request", flush=True)
            return result
        finally:
            stop(proc, grace=60)
            log.close()


def report(label: str, counts: dict[str, float]) -> None:
    print(f"\n{label}")
    for name, value in counts.items():
        print(f"  {name:<8} {value / 1e6:6.2f} M instructions  {value / counts['healthz']:5.2f}x /healthz")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--compare", type=Path, default=None, metavar="CHECKOUT")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="copy this checkout's callgrind dumps here (callgrind.start, ...)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is not installed (apt-get install valgrind)")
        return 2
    runs = {}
    if args.compare:
        print(f"{args.compare}:")
        runs[str(args.compare)] = count(args.compare, args.requests)
    print("this checkout:")
    runs["this checkout"] = count(None, args.requests, args.keep)
    for label, counts in runs.items():
        report(label, counts)
    if args.compare:
        before, after = runs.values()
        print("\nafter ÷ before: " + ", ".join(f"{n} {after[n] / before[n]:.2f}" for n in after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
