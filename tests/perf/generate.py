"""Generate a partner-academy database at scale: 2,000 companies, 50,000 people,
500,000 attempts and 60,000 certifications at --scale 1 (a tenth at 0.1).

Bulk Core inserts in chunks (no ORM objects, no per-row listeners), then one rebuild of
the company figures, as `lms sweep` would do. Deterministic for a given --seed.

    .venv/bin/python tests/perf/generate.py --scale 1 --database /tmp/perf-1.sqlite3
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

FULL = {"companies": 2000, "people": 50000, "attempts": 500000, "certifications": 60000}
CHUNK = 5000
LEVELS = ("bronze", "silver", "gold")
TIERS = ("registered", "bronze", "silver", "gold")
QUIZZES = ("bronze-exam", "silver-exam", "gold-exam", "koemoji-overview-check",
           "sales-basics-check", "partner-program-check", "technical-deep-dive-check")
NOW = datetime.now(timezone.utc)
DAY = timedelta(days=1)


def make_app(database: str, instance: str):
    from lms import create_app

    os.environ.setdefault("LMS_INSTANCE_PATH", instance)
    url = database if "://" in database else "sqlite:///" + database
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "perf",
                       "CONTENT_DIR": str(REPO), "TESTING": False,
                       "PARTNERS_CHART_SECONDS": 300, "SERVER_NAME": "perf.test"})


def _chunks(rows, size=CHUNK):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(conn, table, rows) -> int:
    n = 0
    for batch in _chunks(rows):
        conn.execute(table.insert(), batch)
        n += len(batch)
    return n


def generate(app, scale: float, seed: int = 5) -> dict[str, int]:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from lms.extensions import db
    from lms.models import Attempt, Certification, Organization, User
    from lms.services import company_stats
    from lms.security.passwords import hash_password

    rng = random.Random(seed)
    sizes = {k: max(int(v * scale), 1) for k, v in FULL.items()}
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        started = time.monotonic()
        with db.engine.begin() as conn:
            if conn.execute(text("SELECT COUNT(*) FROM organizations")).scalar():
                raise SystemExit("the database already holds companies; use a fresh one")
            orgs = ({"id": i + 1, "slug": f"partner-{i + 1:05d}", "name": f"Partner {i + 1:05d} KK",
                     "tier": rng.choice(TIERS), "deals_closed": rng.randint(0, 20),
                     "annual_revenue": rng.choice([0, 10**8, 5 * 10**8, 2 * 10**9]),
                     "target_met": rng.random() < 0.4, "created_at": NOW - 800 * DAY}
                    for i in range(sizes["companies"]))
            _insert(conn, Organization.__table__, orgs)
            password = hash_password("perf password 123")
            people = ({"id": i + 1, "email": f"person{i + 1}@perf.example", "name": f"Person {i + 1}",
                       "password_hash": password, "role": "learner",
                       "organization_id": i % sizes["companies"] + 1, "timezone": "Asia/Tokyo",
                       "active": rng.random() > 0.03, "session_version": 1,
                       "created_at": NOW - 700 * DAY,
                       "last_active_at": NOW - rng.randint(0, 300) * DAY}
                      for i in range(sizes["people"]))
            _insert(conn, User.__table__, people)
            _insert(conn, Certification.__table__, _certifications(rng, sizes))
            _insert(conn, Attempt.__table__, _attempts(rng, sizes))
        program = app.extensions["lms.content"].program()
        company_stats.rebuild(program, NOW)
        db.session.commit()
        sizes["seconds"] = round(time.monotonic() - started, 1)
    return sizes


def _certifications(rng, sizes):
    # One standing certification per person and level, higher levels rarer: people take
    # Bronze, some go on to Silver, fewer to Gold (the next level needs the one below).
    n, made, held = sizes["certifications"], 0, {}
    while made < n:
        for person in range(1, sizes["people"] + 1):
            level_index = held.get(person, 0)
            if made >= n:
                break
            if level_index >= len(LEVELS) or (level_index and rng.random() > 0.45):
                continue
            held[person] = level_index + 1
            awarded = NOW - rng.randint(0, 760) * DAY
            made += 1
            level = LEVELS[level_index]
            yield {"id": f"{made:032x}", "user_id": person, "level": level,
                   "awarded_at": awarded, "expires_at": awarded + 730 * DAY,
                   "revoked_at": NOW - DAY if rng.random() < 0.01 else None,
                   "renewals": 0, "current_key": f"{person}:{level}", "notices": []}


def _attempts(rng, sizes):
    for i in range(sizes["attempts"]):
        started = NOW - rng.randint(0, 540) * DAY - timedelta(minutes=rng.randint(0, 1440))
        percent = round(rng.uniform(30, 100), 1)
        yield {"id": f"a{i:031x}", "user_id": rng.randint(1, sizes["people"]),
               "quiz_slug": rng.choice(QUIZZES), "number": 1, "status": "graded",
               "started_at": started, "submitted_at": started + 20 * timedelta(minutes=1),
               "graded_at": started + 20 * timedelta(minutes=1), "snapshot": {}, "answers": {},
               "last_seq": 0, "essay_scores": {}, "essay_comments": {}, "percent": percent,
               "passed": percent >= 80, "score": percent, "total": 100}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", required=True,
                        help="a SQLite file path, or a database URL (postgresql://...)")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    app = make_app(args.database, f"/tmp/lms-perf-instance-{os.getpid()}")
    print(generate(app, args.scale, args.seed))


if __name__ == "__main__":
    main()
