"""Benchmark: a signed-in lesson page against a trivial route, from the same server.

    .venv/bin/python tests/perf/bench_lesson_page.py [--rounds 3] [--seconds 5]
        [--concurrency 8] [--tool auto|wrk|python] [--workers N]

Starts `lms serve --demo` (gunicorn, SQLite in a temporary instance folder) on
127.0.0.1, signs in a demo learner, then loads /healthz and a lesson page in
alternating rounds (the machine is shared and noisy: interleaving spreads the noise
over both). Reports requests/s, p50/p95 latency and the ratio lesson / trivial.
Goal: the lesson page at >= 50% of the trivial route's throughput. Exit status 1
when the goal is missed or any answer was not a 200.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.loadgen import LoadResult, have_wrk, run_python, run_wrk  # noqa: E402
from tests.perf.server import HOST, REPO_ROOT, demo_server, get, sign_in  # noqa: E402

LEARNER = "learner@tokyo-si.example.com"
GOAL = 0.5


def lesson_path() -> str:
    """The first lesson of the first Bronze course of the demo content."""
    from lms.content.store import ContentStore

    store = ContentStore(REPO_ROOT, check_interval=3600)
    course = next(c for c in store.courses()
                  if c.level == "bronze" and not c.draft and not c.prerequisites and c.lessons)
    return f"/courses/{course.slug}/lessons/{course.lessons[0].slug}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: lms serve's own default)")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    tool = "wrk" if args.tool == "wrk" or (args.tool == "auto" and have_wrk()) else "python"

    from lms.demo import DEMO_PASSWORD

    path = lesson_path()
    results: dict[str, list[LoadResult]] = {"trivial": [], "lesson": []}
    with demo_server(workers=args.workers) as (port, _log):
        cookie = sign_in(port, LEARNER, DEMO_PASSWORD)
        status, html = get(port, path, cookie)
        if status != 200 or "lesson-title" not in html:
            print(f"the lesson page did not render for a signed-in learner: {status}")
            return 1
        routes = {"trivial": ("/healthz", {}), "lesson": (path, {"Cookie": cookie})}
        print(f"server 127.0.0.1:{port}, tool {tool}, {args.rounds} rounds x {args.seconds:g} s "
              f"per route, concurrency {args.concurrency}")
        print(f"lesson page: {path}")
        # Unmeasured warm-up: every worker's first requests open connections and
        # compile templates; that is start-up cost, not the steady state measured here.
        for route, headers in routes.values():
            run_python(HOST, port, route, headers, seconds=2, concurrency=args.concurrency)
        for round_no in range(args.rounds):
            # Alternate which route goes first, so a slow spell does not always hit one.
            order = ["trivial", "lesson"] if round_no % 2 == 0 else ["lesson", "trivial"]
            for name in order:
                route, headers = routes[name]
                runner = run_wrk if tool == "wrk" else run_python
                result = runner(HOST, port, route, headers, seconds=args.seconds,
                                concurrency=args.concurrency)
                results[name].append(result)
                print(f"  round {round_no + 1} {name:<8} {result.rps:8.1f} req/s  "
                      f"p50 {result.p50_ms:6.1f} ms  p95 {result.p95_ms:6.1f} ms  "
                      f"non-200 {result.bad}")
                time.sleep(0.5)

    summary = {name: {"rps": statistics.median(r.rps for r in rs),
                      "p50_ms": statistics.median(r.p50_ms for r in rs),
                      "p95_ms": statistics.median(r.p95_ms for r in rs),
                      "bad": sum(r.bad for r in rs)}
               for name, rs in results.items()}
    ratios = [lesson.rps / trivial.rps for lesson, trivial
              in zip(results["lesson"], results["trivial"]) if trivial.rps]
    ratio = statistics.median(ratios) if ratios else 0.0
    print("\nmedian of rounds:")
    for name in ("trivial", "lesson"):
        s = summary[name]
        print(f"  {name:<8} {s['rps']:8.1f} req/s  p50 {s['p50_ms']:6.1f} ms  "
              f"p95 {s['p95_ms']:6.1f} ms")
    print(f"  ratio lesson/trivial: {ratio:.0%} (goal >= {GOAL:.0%}; per round: "
          + ", ".join(f"{r:.0%}" for r in ratios) + ")")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"tool": tool, "path": path, "ratio": ratio,
                                         "rounds": ratios, **summary}, indent=2))
    bad = summary["trivial"]["bad"] + summary["lesson"]["bad"]
    if bad:
        print(f"FAILED: {bad} answers were not 200")
        return 1
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
