"""CPU time per request, in-process: the signed-in pages against /healthz.

    .venv/bin/python tests/perf/bench_cpu_per_request.py [--requests 1500]

On a shared, busy machine requests/s over HTTP mostly measure the neighbours; the CPU
time this process spends per request (``time.process_time``) does not. The demo data
on a throwaway SQLite file, the real app and a signed-in demo learner through the
Flask test client (no HTTP server: gunicorn's own cost is the same for every route).
Reports the best of three batches per route and the ratio /healthz / page, which is
what the page's throughput would be against /healthz if the app were all the cost.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

LEARNER = "learner@tokyo-si.example.com"
PAGES = {
    "lesson": "/courses/koemoji-overview/lessons/what-is-koemoji",
    "course": "/courses/koemoji-overview",
    "home": "/",
}


def signed_in_app(folder: str):
    os.environ.update(LMS_INSTANCE_PATH=f"{folder}/instance",
                      LMS_DATABASE_URL=f"sqlite:///{folder}/cpu.sqlite3",
                      LMS_SECRET_KEY="bench", LMS_BASE_URL="http://127.0.0.1")
    os.environ.pop("LMS_CONTENT_DIR", None)
    logging.disable(logging.WARNING)  # the demo's mail goes to the log
    from flask_migrate import upgrade

    from lms import create_app
    from lms.demo import DEMO_PASSWORD, load_demo

    app = create_app()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        load_demo()
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)
    signed = client.post("/login", data={"email": LEARNER, "password": DEMO_PASSWORD,
                                         "csrf_token": token})
    assert signed.status_code == 302, signed.status_code
    return app, client


def cpu_ms(client, path: str, requests: int) -> float:
    for _ in range(100):  # warm: templates compiled, connections open
        assert client.get(path).status_code == 200, path
    best = float("inf")
    for _ in range(3):
        began = time.process_time()
        for _ in range(requests // 3):
            client.get(path)
        best = min(best, (time.process_time() - began) / (requests // 3) * 1000)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lms-cpu-") as folder:
        app, client = signed_in_app(folder)
        trivial = cpu_ms(app.test_client(), "/healthz", args.requests)
        print(f"  /healthz  {trivial:6.3f} ms CPU per request")
        for name, path in PAGES.items():
            spent = cpu_ms(client, path, args.requests)
            print(f"  {name:8s}  {spent:6.3f} ms CPU per request  /healthz / {name}: "
                  f"{trivial / spent:4.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
