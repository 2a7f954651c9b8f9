"""CPU per quiz API request, in-process: start, autosave and submit.

    .venv/bin/python tests/perf/bench_quiz_api.py [--people 200] [--saves 4] [--companies 4]
    .venv/bin/python tests/perf/bench_quiz_api.py --profile save   # cProfile of one operation

The load test's 20-question quiz (tests/perf/quizload.py) on a throwaway SQLite file (or
``--database-url``), ``--people`` learners with API tokens spread over ``--companies``
companies, each signed in lately. Every person starts an attempt, autosaves its growing
answer sheet ``--saves`` times and submits, through the Flask test client. Prints the CPU time
this process spends per request (``time.process_time``, median) and the SQL statements per
request, for each operation. To compare two versions of the code, run this script from
both trees alternately (``--json`` writes the figures).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import random
import secrets
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import quizload  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--saves", type=int, default=4)
    parser.add_argument("--companies", type=int, default=4)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", choices=("start", "save", "submit"), default=None)
    parser.add_argument("--sort", default="cumulative", help="cProfile order: cumulative, tottime")
    parser.add_argument("--sql", action="store_true",
                        help="print the SQL statements of each operation's last request")
    parser.add_argument("--json", default=None, help="write the figures to this file")
    args = parser.parse_args()

    from sqlalchemy import event, insert, select

    from lms import create_app
    from lms.extensions import db
    from lms.models import ApiToken, Organization, User

    folder = Path(tempfile.mkdtemp())
    os.environ["LMS_INSTANCE_PATH"] = str(folder)
    quizload.write_content(folder / "content")
    url = args.database_url or f"sqlite:///{folder}/b.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "LMS_INSTANCE_PATH": str(folder), "CONTENT_DIR": str(folder / "content")})
    now = datetime.now(timezone.utc)
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        orgs = [Organization(slug=f"bench{i}", name=f"Bench {i}") for i in range(args.companies)]
        db.session.add_all(orgs)
        db.session.commit()
        emails = [f"p{i}@bench.example" for i in range(args.people)]
        db.session.execute(insert(User), [
            {"email": e, "name": f"P {i}", "role": "learner", "password_hash": "x",
             "organization_id": orgs[i % len(orgs)].id if orgs else None, "last_active_at": now}
            for i, e in enumerate(emails)])
        ids = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
        tokens = [f"pa_{secrets.token_urlsafe(32)}" for _ in emails]
        db.session.execute(insert(ApiToken), [
            {"user_id": ids[e], "token_hash": hashlib.sha256(t.encode()).hexdigest()}
            for e, t in zip(emails, tokens)])
        db.session.commit()
        engine = db.engine

    statements = [0]
    last_sql: dict[str, list[str]] = {}
    current: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_a):
        statements[0] += 1
        current.append(" ".join(statement.split())[:160])

    client = app.test_client()
    rng = random.Random(1)
    cpu: dict[str, list[float]] = {"start": [], "save": [], "submit": []}
    queries: dict[str, list[int]] = {"start": [], "save": [], "submit": []}
    profiler = cProfile.Profile() if args.profile else None

    def call(op: str, method: str, path: str, token: str, body=None):
        statements[0] = 0
        current.clear()
        if profiler and op == args.profile:
            profiler.enable()
        began = time.process_time()
        response = client.open(path, method=method, json=body,
                               headers={"Authorization": f"Bearer {token}"})
        spent = time.process_time() - began
        if profiler and op == args.profile:
            profiler.disable()
        cpu[op].append(spent)
        queries[op].append(statements[0])
        last_sql[op] = list(current)
        assert response.status_code in (200, 201), (op, response.get_data(as_text=True))
        return response.get_json()

    for token in tokens:
        started = call("start", "POST", f"/api/v1/quizzes/{quizload.QUIZ_SLUG}/attempts", token)
        questions, sheet = started["questions"], {}
        for seq in range(1, args.saves + 1):
            for q in rng.sample(questions, 4):
                ids_ = [c["id"] for c in q["choices"]]
                sheet[q["id"]] = (rng.choice(ids_) if q["type"] == "single" else
                                  rng.sample(ids_, 2) if q["type"] == "multiple" else "40")
            call("save", "PUT", f"/api/v1/attempts/{started['id']}/answers", token,
                 {"answers": {q["id"]: sheet.get(q["id"]) for q in questions}, "seq": seq})
        call("submit", "POST", f"/api/v1/attempts/{started['id']}/submit", token)

    figures = {}
    for op, times in cpu.items():
        ordered = sorted(times)
        figures[op] = {"cpu_ms": 1000 * ordered[len(ordered) // 2], "requests": len(times),
                       "queries": sorted(queries[op])[len(queries[op]) // 2]}
        print(f"{op:7s} median {figures[op]['cpu_ms']:.2f} ms CPU, "
              f"{figures[op]['queries']} SQL statements per request ({len(times)} requests)")
    if args.sql:
        for op, lines in last_sql.items():
            print(f"-- {op}")
            print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(figures))
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(45)


if __name__ == "__main__":
    main()
