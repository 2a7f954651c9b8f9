"""Webhook throughput: N certification awards queued, then delivered to a loopback receiver.

    .venv/bin/python tests/perf/bench_webhooks.py                      # 1,000 awards, 1 worker
    .venv/bin/python tests/perf/bench_webhooks.py --workers 2 --database postgresql://postgres@127.0.0.1:5432/lms_bench

A throwaway database (SQLite in a temp folder unless --database; a PostgreSQL database is
emptied first), one endpoint for ``certification.awarded`` pointing at a real receiver on
127.0.0.1 that verifies every delivery with the ``standardwebhooks`` library (as a partner's
CRM would), N people each awarded a certification in their own transaction (the event is
written with it), then ``lms worker`` processes deliver. Reports the time to queue, the time
to deliver and the rate, and exits 1 unless every message arrived exactly once and verified.
Not part of pytest.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from lms import create_app  # noqa: E402
from lms.config import database_url  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.models import Certification, User, WebhookMessage  # noqa: E402
from lms.models.types import utcnow  # noqa: E402
from lms.services import webhooks  # noqa: E402
from lms.webhooks import events  # noqa: E402
from tests.webhooks.receiver import Receiver  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="lms worker processes")
    parser.add_argument("--database", default="", help="postgresql://… (default: SQLite)")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    url = database_url(args.database or None, str(folder))
    os.environ["LMS_INSTANCE_PATH"] = str(folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WEBHOOK_ALLOW_PRIVATE": True, "SERVER_NAME": "academy.test"})
    receiver = Receiver().start()
    with app.app_context():
        from flask_migrate import upgrade

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(directory=app.extensions["migrate"].directory)
        endpoint = webhooks.add_endpoint(receiver.url, "certification.awarded", actor_id=None)
        receiver.secrets.append(endpoint.secret)
        people = [User(email=f"p{i}@example.com", name=f"Person {i}", role="learner")
                  for i in range(args.awards)]
        db.session.add_all(people)
        db.session.commit()
        started = time.monotonic()
        for person in people:  # one transaction per award, as awarding does
            now = utcnow()
            cert = Certification(user_id=person.id, level="bronze", awarded_at=now, renewals=0,
                                 notices=["awarded"], current_key=f"{person.id}:bronze")
            db.session.add(cert)
            db.session.flush()
            events.certification("certification.awarded", cert, now=now)
            db.session.commit()
        queued_s = time.monotonic() - started
        queued = db.session.scalar(select(func.count()).select_from(WebhookMessage))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(LMS_DATABASE_URL=url, LMS_INSTANCE_PATH=str(folder), LMS_SECRET_KEY="bench",
               LMS_WEBHOOK_ALLOW_PRIVATE="1")
    command = [sys.executable, "-c", "from lms.cli import main; main()", "worker",
               "--interval", "0.05"]
    started = time.monotonic()
    workers = [subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for _ in range(args.workers)]
    try:
        while len(receiver.ok()) < queued and time.monotonic() - started < args.timeout:
            time.sleep(0.02)
        delivered_s = time.monotonic() - started
        time.sleep(0.5)  # a duplicate would show now
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(30)
        receiver.stop()
    counts = Counter(d.webhook_id for d in receiver.deliveries)
    ok = (queued == args.awards and len(counts) == queued and max(counts.values()) == 1
          and not receiver.unverified)
    print(f"database: {url.split(':')[0]}, "
          f"workers: {args.workers}")
    print(f"queued {queued} awards with their events in {queued_s:.2f} s "
          f"({queued / queued_s:.0f}/s)")
    print(f"delivered {len(counts)} (verified, each once: {ok}) in {delivered_s:.2f} s "
          f"({len(counts) / delivered_s:.0f}/s), worker start-up included")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
