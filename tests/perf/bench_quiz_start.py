"""CPU per quiz start, in-process: the company-stats recount skipped vs forced.

    .venv/bin/python tests/perf/bench_quiz_start.py [--people 300]

A learner's company is recounted in the transaction of anything that may change its figures.
A started attempt changes only whether its person counts as active, so people who signed in
lately skip the recount. This runs the same starts both ways, alternating, in one process
(SQLite, one company) and prints the CPU time per start for each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timezone

from lms import create_app
from lms.extensions import db
from lms.models import Organization, User
from lms.services import company_stats_writes
from lms.services.accounts import create_token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=300)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/b.db",
                      "LMS_INSTANCE_PATH": folder})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        org = Organization(slug="bench", name="Bench")
        db.session.add(org)
        db.session.commit()
        now = datetime.now(timezone.utc)
        people = [User(email=f"p{i}@bench.example", name=f"p{i}", role="learner",
                       organization=org, password_hash="x", last_active_at=now)
                  for i in range(args.people)]
        db.session.add_all(people)
        db.session.commit()
        tokens = [create_token(p.email) for p in people]
    client = app.test_client()
    original = company_stats_writes._already_active
    results: dict[str, list[float]] = {"skip recount": [], "recount every start": []}
    for i, token in enumerate(tokens):
        mode = "skip recount" if i % 2 == 0 else "recount every start"
        company_stats_writes._already_active = original if mode == "skip recount" else (
            lambda *_a: False)
        started = time.process_time()
        response = client.post("/api/v1/quizzes/koemoji-overview-check/attempts",
                               headers={"Authorization": f"Bearer {token}"}, json={})
        results[mode].append(time.process_time() - started)
        assert response.status_code == 201, response.get_data(as_text=True)
    company_stats_writes._already_active = original
    for mode, times in results.items():
        times.sort()
        print(f"{mode:22s} median {1000 * times[len(times) // 2]:.2f} ms CPU per start "
              f"({len(times)} starts)")


if __name__ == "__main__":
    main()
