"""Quiz load test: N simulated takers against `lms serve`, on SQLite and PostgreSQL.

    .venv/bin/python tests/perf/load_quiz.py --takers 500 --db sqlite,postgresql --duration 120

Per database: a fresh database (SQLite in a temp instance folder; PostgreSQL database
``lms_load``, dropped and re-created), a throwaway content root with one 20-question
timed quiz, N learners with API tokens, then `lms serve` (gunicorn, real HTTP on
127.0.0.1). All takers start an attempt at the same moment, autosave their whole answer
sheet every --interval seconds (first save jittered) with a growing ``seq``, retry a
503 (database busy) after Retry-After like the exam page, and submit at the end.

Reports per operation latency percentiles, errors by status/code and retries, and a
reconciliation of every answer a client saw acknowledged (200) against the database:
the final stored answers must equal the client's last acknowledged sheet, and every
attempt must be submitted and graded on it. Prints a side-by-side table, writes JSON
under tests/perf/results/ and exits 1 on any error or lost answer. Not part of pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import quizload  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def run_one(kind: str, args: argparse.Namespace, workdir: Path) -> dict:
    base = workdir / kind
    content, instance = base / "content", base / "instance"
    quizload.write_content(content, args.time_limit)
    instance.mkdir(parents=True, exist_ok=True)
    env = {"LMS_CONTENT_DIR": str(content), "LMS_INSTANCE_PATH": str(instance),
           "LMS_SECRET_KEY": "load-test-only"}
    if kind == "postgresql":
        env["LMS_DATABASE_URL"] = quizload.reset_postgres(args.pg_database)
    else:
        env["LMS_DATABASE_URL"] = "sqlite:///" + str(instance / "lms.sqlite3")
    print(f"[{kind}] migrating and seeding {args.takers} takers", file=sys.stderr)
    quizload.migrate(env)
    tokens = quizload.seed_takers(env, args.takers, args.companies)
    port = quizload.free_port()
    log = base / "server.log"
    plan = quizload.Plan(host="127.0.0.1", port=port, duration=args.duration, interval=args.interval,
                         submit_spread=args.submit_spread, timeout=args.timeout,
                         max_retries=args.max_retries, seed=args.seed)
    hard_cap = args.duration + args.cap_margin
    with quizload.Server(env, port, args.workers, log) as server:
        print(f"[{kind}] serving on 127.0.0.1:{port}; {args.takers} takers for {args.duration:.0f} s "
              f"(hard cap {hard_cap:.0f} s)", file=sys.stderr)
        warm = quizload.warm_up("127.0.0.1", port, tokens)
        # Whose CPU the run was: the server's processes (gunicorn, without the database
        # server) and this client's threads, which share the machine's cores.
        server_cpu, client_cpu = quizload.group_cpu(server.proc.pid), time.process_time()
        states, wall = quizload.run_takers(plan, tokens, hard_cap)
        server_cpu = quizload.group_cpu(server.proc.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    stored = quizload.stored_attempts(env)
    summary = quizload.summarise(states, stored)
    summary["company_mismatches"] = quizload.company_mismatches(env) if args.companies else []
    summary.update({"database": kind, "wall_seconds": round(wall, 1), "warm_up_ok": warm,
                    "server_cpu_seconds": round(server_cpu, 1),
                    "client_cpu_seconds": round(client_cpu, 1),
                    "server_log": str(log) if args.keep else None})
    if kind == "postgresql" and not args.keep:
        quizload.drop_postgres(args.pg_database)
    return summary


def _fmt(value, unit=""):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.0f}{unit}" if value >= 100 else f"{value:.1f}{unit}"
    return f"{value}{unit}"


def table(results: list[dict]) -> str:
    rows: list[tuple[str, list[str]]] = []
    for op in quizload.OPS:
        for key, label in (("count", "requests"), ("p50_ms", "p50 ms"), ("p95_ms", "p95 ms"),
                           ("p99_ms", "p99 ms"), ("max_ms", "max ms"), ("retries", "503 retries"),
                           ("errors", "errors")):
            rows.append((f"{op} {label}", [_fmt(r["ops"][op][key]) for r in results]))
        rows.append((f"{op} errors by code", [
            ", ".join(f"{k}×{v}" for k, v in sorted(r["ops"][op]["errors_by_outcome"].items())) or "-"
            for r in results]))
    rec = [r["reconciliation"] for r in results]
    rows += [
        ("attempts started / in db", [f"{r['attempts_started']} / {r['attempts_in_db']}" for r in results]),
        ("acknowledged answers", [_fmt(x["acknowledged_answers"]) for x in rec]),
        ("lost answers", [_fmt(x["lost_answers"]) for x in rec]),
        ("unexpected answers", [_fmt(x["unexpected_answers"]) for x in rec]),
        ("not submitted+graded", [_fmt(x["not_submitted_or_graded"]) for x in rec]),
        ("grade mismatch", [_fmt(x["grade_mismatch"]) for x in rec]),
        ("client crashes", [_fmt(r["client_crash_count"]) for r in results]),
        ("company rows off", [_fmt(len(r.get("company_mismatches") or [])) for r in results]),
        ("wall s", [_fmt(r["wall_seconds"]) for r in results]),
        ("server / client CPU s", [f"{_fmt(r.get('server_cpu_seconds'))} / "
                                   f"{_fmt(r.get('client_cpu_seconds'))}" for r in results]),
        ("verdict", ["FAIL" if quizload.failed(r) else "ok" for r in results]),
    ]
    width = max(len(label) for label, _ in rows)
    cols = [max(len(r["database"]), *(len(vals[i]) for _, vals in rows)) for i, r in enumerate(results)]
    lines = [" " * width + "  " + "  ".join(r["database"].rjust(c) for r, c in zip(results, cols))]
    for label, vals in rows:
        lines.append(label.ljust(width) + "  " + "  ".join(v.rjust(c) for v, c in zip(vals, cols)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--takers", type=int, default=500)
    p.add_argument("--db", default="sqlite,postgresql", help="comma list: sqlite, postgresql")
    p.add_argument("--duration", type=float, default=120.0, help="seconds from the common start to submit")
    p.add_argument("--interval", type=float, default=15.0, help="seconds between autosaves")
    p.add_argument("--submit-spread", type=float, default=3.0,
                   help="submits spread over the last this-many seconds (0: all at once)")
    p.add_argument("--time-limit", type=int, default=1800,
                   help="the quiz's time limit in seconds (default 30 min); set it near --duration to "
                        "make the last saves and submits race the server's deadline + grace")
    p.add_argument("--timeout", type=float, default=60.0, help="per HTTP request")
    p.add_argument("--max-retries", type=int, default=5, help="503 retries per operation")
    p.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: lms serve's)")
    p.add_argument("--cap-margin", type=float, default=60.0,
                   help="hard cap per database = duration + this (takers still running then fail)")
    p.add_argument("--companies", type=int, default=0,
                   help="spread the takers over this many partner companies (0: none)")
    p.add_argument("--pg-database", default="lms_load")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the temp folder, server logs and PG database")
    args = p.parse_args(argv)
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    if not kinds or any(k not in ("sqlite", "postgresql") for k in kinds):
        p.error("--db takes sqlite and/or postgresql")
    if args.takers < 1 or args.duration < 5 or args.interval <= 0:
        p.error("need --takers >= 1, --duration >= 5, --interval > 0")

    results = []
    workdir = Path(tempfile.mkdtemp(prefix="lms-load-"))
    try:
        for kind in kinds:
            results.append(run_one(kind, args, workdir))
            print(table(results[-1:]), file=sys.stderr)
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}", file=sys.stderr)
    print(table(results))
    for r in results:
        for line in (r["reconciliation"]["examples"] + r["client_crashes"]
                     + (r.get("company_mismatches") or [])[:10]):
            print(f"  {r['database']}: {line}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"quiz-load-{stamp}-{args.takers}.json"
    out.write_text(json.dumps({
        "argv": sys.argv[1:], "settings": {k: v for k, v in vars(args).items()},
        "server_env": {k: os.environ.get(k) for k in ("LMS_QUIZ_GRACE_SECONDS", "LMS_WORKERS")},
        "cpus": os.cpu_count(), "load_average_after": os.getloadavg(), "results": results,
    }, indent=2, default=str))
    print(f"wrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 1 if any(quizload.failed(r) for r in results) else 0


def _interrupt(_signo, _frame):
    raise KeyboardInterrupt  # so `timeout` or kill still stops the server and drops the database


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    code = main()
    print(f"done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    sys.exit(code)
