"""Benchmark: a lesson's discussion page with 200 questions and the leaderboards over
50,000 people, beside the trivial route, from the same server in the same run.

    .venv/bin/python tests/perf/bench_community.py [--rounds 3] [--seconds 4] [--concurrency 8]

Starts `lms serve --demo` (SQLite) on 127.0.0.1, then adds 50,000 people with points in
2,000 companies and 200 questions (each with two answers) on the first Bronze lesson,
straight into the database. Routes are loaded in alternating rounds (the machine is shared
and noisy) and reported as requests/s and as a ratio to /healthz. Reports only: a figure
is not a pass or a fail.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.bench_lesson_page import LEARNER, lesson_path  # noqa: E402
from tests.perf.loadgen import run_python  # noqa: E402
from tests.perf.server import HOST, demo_server, get, sign_in  # noqa: E402

PEOPLE, COMPANIES, QUESTIONS = 50_000, 2_000, 200


def populate(database: Path, lesson: str) -> None:
    """People with points this month and all time, and a busy discussion, in bulk."""
    course_slug, lesson_slug = lesson.split("/")[2], lesson.split("/")[4]
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    stamp = now.isoformat(sep=" ")
    month = now.astimezone().strftime("%Y-%m")
    with sqlite3.connect(database, timeout=30) as conn:
        base_org = conn.execute("SELECT coalesce(max(id), 0) FROM organizations").fetchone()[0]
        conn.executemany(
            "INSERT INTO organizations (id, slug, name, tier, deals_closed, annual_revenue, "
            "target_met, created_at) VALUES (?, ?, ?, 'registered', 0, 0, 0, ?)",
            [(base_org + i, f"bench-co-{i}", f"ベンチ株式会社 {i}", stamp) for i in range(1, COMPANIES + 1)])
        base_user = conn.execute("SELECT coalesce(max(id), 0) FROM users").fetchone()[0]
        users = [(base_user + i, f"bench{i}@bench.example", f"受講者 {i}", base_org + 1 + i % COMPANIES)
                 for i in range(1, PEOPLE + 1)]
        conn.executemany(
            "INSERT INTO users (id, email, name, role, organization_id, timezone, active, "
            "session_version, created_at, unread_notifications, leaderboard_opt_out) "
            "VALUES (?, ?, ?, 'learner', ?, 'Asia/Tokyo', 1, 1, '%s', 0, %s)" % (stamp, "0"),
            users)
        totals, companies = [], {}
        for uid, _email, _name, org in users:
            every = rng.randint(10, 5000)
            this_month = rng.randint(0, min(every, 800))
            totals += [(uid, "all", every), (uid, month, this_month)]
            companies[(org, "all")] = companies.get((org, "all"), 0) + every
            companies[(org, month)] = companies.get((org, month), 0) + this_month
        conn.executemany("INSERT INTO points_totals (user_id, period, points) VALUES (?, ?, ?)", totals)
        conn.executemany("INSERT INTO company_points_totals (organization_id, period, points) "
                         "VALUES (?, ?, ?)", [(o, p, n) for (o, p), n in companies.items()])
        for q in range(QUESTIONS):
            author = base_user + 1 + rng.randrange(PEOPLE)
            body = f"質問 {q}: 導入時の設定について教えてください。" * 3
            cur = conn.execute(
                "INSERT INTO posts (course_slug, lesson_slug, user_id, body, body_html, private, "
                "hidden, pinned, accepted, deleted, answers, created_at) "
                "VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 2, ?)",
                (course_slug, lesson_slug, author, body, f"<p>{body}</p>", stamp))
            for a in range(2):
                reply = f"回答 {a}: 手順書の 3 章を参照してください。" * 2
                conn.execute(
                    "INSERT INTO posts (course_slug, lesson_slug, parent_id, user_id, body, body_html, "
                    "private, hidden, pinned, accepted, deleted, answers, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, ?, 0, 0, ?)",
                    (course_slug, lesson_slug, cur.lastrowid, base_user + 1 + rng.randrange(PEOPLE),
                     reply, f"<p>{reply}</p>", int(a == 0), stamp))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    from lms.demo import DEMO_PASSWORD

    lesson = lesson_path()
    with tempfile.TemporaryDirectory(prefix="lms-bench-community-") as tmp:
        database = Path(tmp) / "community.sqlite3"
        with demo_server(extra_env={"LMS_DATABASE_URL": f"sqlite:///{database}"}) as (port, _log):
            started = time.perf_counter()
            populate(database, lesson)
            print(f"populated {PEOPLE:,} people, {COMPANIES:,} companies, {QUESTIONS} questions "
                  f"in {time.perf_counter() - started:.1f} s")
            cookie = sign_in(port, LEARNER, DEMO_PASSWORD)
            routes = {
                "healthz": ("/healthz", {}),
                "lesson": (lesson, {"Cookie": cookie}),
                "discussion (200 questions)": (lesson + "/discussion", {"Cookie": cookie}),
                "leaderboard people month": ("/leaderboard?scope=people&period=month", {"Cookie": cookie}),
                "leaderboard people all": ("/leaderboard?scope=people&period=all", {"Cookie": cookie}),
                "leaderboard companies": ("/leaderboard?scope=companies&period=all", {"Cookie": cookie}),
            }
            for name, (path, headers) in routes.items():
                status, _ = get(port, path, headers.get("Cookie"))
                if status != 200:
                    print(f"{name}: {path} answered {status}")
                    return 1
                run_python(HOST, port, path, headers, seconds=1, concurrency=args.concurrency)
            results: dict[str, list[float]] = {name: [] for name in routes}
            names = list(routes)
            for round_no in range(args.rounds):
                order = names if round_no % 2 == 0 else names[::-1]
                for name in order:
                    path, headers = routes[name]
                    result = run_python(HOST, port, path, headers, seconds=args.seconds,
                                        concurrency=args.concurrency)
                    results[name].append(result.rps)
                    print(f"  round {round_no + 1} {name:<28} {result.rps:8.1f} req/s "
                          f"p50 {result.p50_ms:6.1f} ms non-200 {result.bad}")
    trivial = statistics.median(results["healthz"])
    print("\nmedian of rounds (ratio to /healthz in the same run):")
    for name, values in results.items():
        rps = statistics.median(values)
        print(f"  {name:<28} {rps:8.1f} req/s  {rps / trivial:6.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
