"""Generate a partner-academy database at scale: 20,000 companies, 500,000 people,
5,000,000 attempts and 600,000 certifications at --scale 1 (a tenth at 0.1; issue 5's
size, 2,000 companies, is --scale 0.1).

On PostgreSQL the rows are made by the database itself, set-based (INSERT ... SELECT
FROM generate_series, seeded random()): minutes at full size on two cores. On SQLite,
bulk Core inserts in chunks from Python (no ORM objects, no per-row listeners): fine up
to --scale 0.1. Then one rebuild of the company figures and of the chart counts, as
`lms sweep` would do. Deterministic for a given --seed (on PostgreSQL, as long as the
database plans the same way).

    .venv/bin/python tests/perf/generate.py --scale 1 --database postgresql://postgres@127.0.0.1:5432/perf
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

FULL = {"companies": 20000, "people": 500000, "attempts": 5000000, "certifications": 600000}
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
    from lms.services import chart_counts, company_stats

    rng = random.Random(seed)
    sizes = {k: max(int(v * scale), 1) for k, v in FULL.items()}
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        started = time.monotonic()
        with db.engine.begin() as conn:
            if conn.execute(text("SELECT COUNT(*) FROM organizations")).scalar():
                raise SystemExit("the database already holds companies; use a fresh one")
            if conn.dialect.name == "postgresql":
                _generate_sql(conn, sizes, seed)
            else:
                _generate_python(conn, rng, sizes)
        print(f"rows made in {time.monotonic() - started:.1f} s", flush=True)
        program = app.extensions["lms.content"].program()
        company_stats.rebuild(program, NOW)
        db.session.commit()
        print(f"company figures in {time.monotonic() - started:.1f} s", flush=True)
        chart_counts.rebuild()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:   # VACUUM runs outside a transaction
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE"))
        sizes["seconds"] = round(time.monotonic() - started, 1)
    return sizes


def _generate_sql(conn, sizes: dict[str, int], seed: int) -> None:
    """The same shapes as _generate_python, made by PostgreSQL from generate_series."""
    from sqlalchemy import text

    from lms.security.passwords import hash_password

    def run(label: str, sql: str, **params) -> None:
        began = time.monotonic()
        conn.execute(text(sql), params)
        print(f"  {label}: {time.monotonic() - began:.1f} s", flush=True)

    conn.execute(text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000})
    params = {"now": NOW, "companies": sizes["companies"], "people": sizes["people"]}
    run("companies", """
        INSERT INTO organizations (id, slug, name, tier, deals_closed, annual_revenue,
                                   target_met, created_at, active)
        SELECT i, 'partner-' || lpad(i::text, 5, '0'), 'Partner ' || lpad(i::text, 5, '0') || ' KK',
               (ARRAY['registered', 'bronze', 'silver', 'gold'])[1 + floor(random() * 4)::int],
               floor(random() * 21)::int,
               (ARRAY[0, 100000000, 500000000, 2000000000]::bigint[])[1 + floor(random() * 4)::int],
               random() < 0.4, :now - interval '800 days', true
        FROM generate_series(1, :companies) AS i""", **params)
    run("people", """
        INSERT INTO users (id, email, name, password_hash, role, organization_id, timezone,
                           active, session_version, created_at, last_active_at)
        SELECT i, 'person' || i || '@perf.example', 'Person ' || i, :password, 'learner',
               (i - 1) % :companies + 1, 'Asia/Tokyo', random() > 0.03, 1,
               :now - interval '700 days', :now - floor(random() * 301)::int * interval '1 day'
        FROM generate_series(1, :people) AS i""",
        password=hash_password("perf password 123"), **params)
    # One standing certification per person and level, higher levels rarer: everyone
    # Bronze, 45% of them Silver too, 45% of those Gold; the first n in that order.
    run("certifications", """
        WITH person AS (
            SELECT i AS person, random() AS r1, random() AS r2
            FROM generate_series(1, :people) AS i),
        held AS (
            SELECT person, 1 AS rank, 'bronze' AS level FROM person
            UNION ALL SELECT person, 2, 'silver' FROM person WHERE r1 < 0.45
            UNION ALL SELECT person, 3, 'gold' FROM person WHERE r1 < 0.45 AND r2 < 0.45),
        picked AS (
            SELECT person, level, row_number() OVER (ORDER BY rank, person) AS n,
                   :now - floor(random() * 761)::int * interval '1 day' AS awarded
            FROM held ORDER BY rank, person LIMIT :n)
        INSERT INTO certifications (id, user_id, level, awarded_at, expires_at, revoked_at,
                                    renewals, current_key, notices)
        SELECT lpad(to_hex(n), 32, '0'), person, level, awarded, awarded + interval '730 days',
               CASE WHEN random() < 0.01 THEN :now - interval '1 day' END, 0,
               person || ':' || level, '[]'
        FROM picked""", n=sizes["certifications"], **params)
    run("attempts", """
        INSERT INTO attempts (id, user_id, quiz_slug, number, status, started_at, submitted_at,
                              graded_at, snapshot, answers, last_seq, essay_scores,
                              essay_comments, percent, passed, score, total)
        SELECT 'a' || lpad(to_hex(i), 31, '0'), 1 + floor(random() * :people)::int,
               (CAST(:quizzes AS text[]))[1 + floor(random() * :nquizzes)::int], 1, 'graded',
               started, started + interval '20 minutes', started + interval '20 minutes',
               '{}', '{}', 0, '{}', '{}', percent, percent >= 80, percent, 100
        FROM (SELECT i, :now - floor(random() * 541)::int * interval '1 day'
                         - floor(random() * 1441)::int * interval '1 minute' AS started,
                     round((30 + random() * 70)::numeric, 1)::float AS percent
              FROM generate_series(1, :attempts) AS i) AS a""",
        attempts=sizes["attempts"], quizzes=list(QUIZZES), nquizzes=len(QUIZZES), **params)
    for table in ("organizations", "users"):   # ids given explicitly: move the sequences on
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"(SELECT max(id) FROM {table}))"))


def _generate_python(conn, rng, sizes: dict[str, int]) -> None:
    """Rows made in Python, inserted in chunks (SQLite)."""
    from lms.models import Attempt, Certification, Organization, User
    from lms.security.passwords import hash_password

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
