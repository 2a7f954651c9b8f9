"""Benchmark: signed-in pages against a trivial route, from the same server.

    .venv/bin/python tests/perf/bench_lesson_page.py [--rounds 3] [--seconds 5]
        [--concurrency 8] [--tool auto|wrk|python] [--workers N] [--pages lesson,course,home]
        [--compare OTHER_CHECKOUT] [--database-url postgresql://…]

Starts `lms serve --demo` (gunicorn, SQLite in a temporary instance folder) on
127.0.0.1, signs in a demo learner, then loads /healthz, a lesson page and (unless
--pages says otherwise) the course page and the home page in rounds, each round in a
different order (the machine is shared and noisy: interleaving spreads the noise over
all of them). Reports per route requests/s, p50/p95 latency and the server's own CPU
time per request (every `lms serve` process, read from /proc: what the route costs
whatever the neighbours do), then the ratios.

Goals (issue 16): the lesson page at >= 50% of the trivial route's throughput; the
course and home pages within 2x the lesson page's cost. Exit status 1 when the lesson
goal is missed by both the throughput and the CPU figure, or any answer was not a 200.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.loadgen import LoadResult, have_wrk, run_python, run_wrk  # noqa: E402
from tests.perf.server import (  # noqa: E402
    HOST, REPO_ROOT, demo_server, get, server_cpu_seconds, sign_in)

LEARNER = "learner@tokyo-si.example.com"
GOAL = 0.5


def demo_paths() -> dict[str, str]:
    """The first lesson of the first Bronze course of the demo content, its course, home."""
    from lms.content.store import ContentStore

    store = ContentStore(REPO_ROOT, check_interval=3600)
    course = next(c for c in store.courses()
                  if c.level == "bronze" and not c.draft and not c.prerequisites and c.lessons)
    return {"lesson": f"/courses/{course.slug}/lessons/{course.lessons[0].slug}",
            "course": f"/courses/{course.slug}", "home": "/"}


def lesson_path() -> str:
    return demo_paths()["lesson"]


def _summary(results: list[LoadResult], cpu: list[float]) -> dict:
    return {"rps": statistics.median(r.rps for r in results),
            "p50_ms": statistics.median(r.p50_ms for r in results),
            "p95_ms": statistics.median(r.p95_ms for r in results),
            "cpu_ms": statistics.median(cpu), "bad": sum(r.bad for r in results)}


def _report(label: str, names: list[str], results: dict, cpu_ms: dict) -> dict:
    summary = {name: _summary(results[name], cpu_ms[name]) for name in names}
    ratios = [lesson.rps / trivial.rps for lesson, trivial
              in zip(results["lesson"], results["trivial"]) if trivial.rps]
    ratio = statistics.median(ratios) if ratios else 0.0
    cpu_ratio = summary["trivial"]["cpu_ms"] / summary["lesson"]["cpu_ms"]
    print(f"\n{label}: median of rounds")
    for name in names:
        s = summary[name]
        print(f"  {name:<8} {s['rps']:8.1f} req/s  p50 {s['p50_ms']:6.1f} ms  "
              f"p95 {s['p95_ms']:6.1f} ms  server CPU {s['cpu_ms']:5.2f} ms/request")
    print(f"  lesson/trivial throughput: {ratio:.0%} (goal >= {GOAL:.0%}; per round: "
          + ", ".join(f"{r:.0%}" for r in ratios) + ")")
    print(f"  lesson/trivial by server CPU per request: {cpu_ratio:.0%} (goal >= {GOAL:.0%})")
    for name in names[2:]:
        print(f"  {name} page costs {summary[name]['cpu_ms'] / summary['lesson']['cpu_ms']:.2f}x "
              f"the lesson page's server CPU (goal <= 2x); throughput "
              f"{summary[name]['rps'] / summary['lesson']['rps']:.0%} of the lesson page's")
    return {"ratio": ratio, "cpu_ratio": cpu_ratio, "rounds": ratios, **summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: lms serve's own default)")
    parser.add_argument("--pages", default="lesson,course,home",
                        help="signed-in pages to measure beside /healthz (lesson is always one)")
    parser.add_argument("--compare", type=Path, default=None, metavar="CHECKOUT",
                        help="also serve this other checkout (e.g. a git worktree of the "
                             "previous release) and measure both side by side, alternating")
    parser.add_argument("--database-url", default=None,
                        help="serve from this database instead of a throwaway SQLite file "
                             "(e.g. postgresql://postgres@127.0.0.1:5432/lms_bench; the demo "
                             "data is loaded into it)")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    tool = "wrk" if args.tool == "wrk" or (args.tool == "auto" and have_wrk()) else "python"

    from lms.demo import DEMO_PASSWORD

    paths = demo_paths()
    pages = ["lesson"] + [p for p in args.pages.split(",") if p in paths and p != "lesson"]
    names = ["trivial"] + pages
    roots = {"this checkout": None}
    if args.compare:
        roots = {f"{args.compare}": args.compare, "this checkout": None}
    results = {label: {name: [] for name in names} for label in roots}
    cpu_ms = {label: {name: [] for name in names} for label in roots}
    runner = run_wrk if tool == "wrk" else run_python
    with ExitStack() as stack:
        servers = {}
        for label, root in roots.items():
            extra = {"LMS_DATABASE_URL": args.database_url} if args.database_url else None
            port, _log = stack.enter_context(demo_server(workers=args.workers, root=root,
                                                         extra_env=extra))
            cookie = sign_in(port, LEARNER, DEMO_PASSWORD)
            status, html = get(port, paths["lesson"], cookie)
            if status != 200 or "lesson-title" not in html:
                print(f"{label}: the lesson page did not render for a signed-in learner: {status}")
                return 1
            routes = {"trivial": ("/healthz", {})}
            routes.update({name: (paths[name], {"Cookie": cookie}) for name in pages})
            servers[label] = (port, routes)
            print(f"{label}: server 127.0.0.1:{port}")
            # Unmeasured warm-up: every worker's first requests open connections and
            # compile templates; that is start-up cost, not the steady state measured here.
            for route, headers in routes.values():
                run_python(HOST, port, route, headers, seconds=2, concurrency=args.concurrency)
        print(f"tool {tool}, {args.rounds} rounds x {args.seconds:g} s per route and server, "
              f"concurrency {args.concurrency}")
        for name in pages:
            print(f"{name} page: {paths[name]}")
        for round_no in range(args.rounds):
            # Rotate the order, so a slow spell does not always hit the same route.
            order = names[round_no % len(names):] + names[:round_no % len(names)]
            if round_no % 2:
                order.reverse()
            labels = list(servers) if round_no % 2 == 0 else list(reversed(servers))
            for name in order:
                for label in labels:
                    port, routes = servers[label]
                    route, headers = routes[name]
                    cpu_before = server_cpu_seconds(port)
                    result = runner(HOST, port, route, headers, seconds=args.seconds,
                                    concurrency=args.concurrency)
                    spent = ((server_cpu_seconds(port) - cpu_before) * 1000
                             / max(result.requests, 1))
                    results[label][name].append(result)
                    cpu_ms[label][name].append(spent)
                    print(f"  round {round_no + 1} {name:<8} {result.rps:8.1f} req/s  "
                          f"p50 {result.p50_ms:6.1f} ms  p95 {result.p95_ms:6.1f} ms  "
                          f"server CPU {spent:5.2f} ms/request  non-200 {result.bad}"
                          + (f"  ({label})" if len(servers) > 1 else ""))
                    time.sleep(0.5)

    reports = {label: _report(label, names, results[label], cpu_ms[label]) for label in roots}
    mine = reports["this checkout"]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"tool": tool, "paths": paths, **reports}, indent=2))
    bad = sum(report[name]["bad"] for report in reports.values() for name in names)
    if bad:
        print(f"FAILED: {bad} answers were not 200")
        return 1
    return 0 if max(mine["ratio"], mine["cpu_ratio"]) >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
