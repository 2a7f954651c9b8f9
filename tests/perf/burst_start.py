"""N quiz starts at the same moment against `lms serve`: latency, and whose CPU it was.

    .venv/bin/python tests/perf/burst_start.py --takers 1000 [--db sqlite|postgresql] [--rounds 2]

The load test's quiz, database and server (tests/perf/quizload.py), without the 2-minute
exam: per round, ``--takers`` fresh learners each POST a start at once (asyncio, one
connection each, the way ``load_quiz.py``'s threads do, with far less client CPU), and
the round prints start p50 / p95 / max, errors, and the CPU seconds the server's
processes and this client spent. Several rounds run against the same server (new learners
each round), so a run can also show warm-up effects. Exit status 1 on any non-201.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import quizload  # noqa: E402

async def start_one(port: int, token: str, gate: asyncio.Event, t0: list[float]):
    await gate.wait()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (f"POST /api/v1/quizzes/{quizload.QUIZ_SLUG}/attempts HTTP/1.1\r\n"
               f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
               "Accept: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    writer.write(request.encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    status = int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/") else 0
    return status, time.perf_counter() - t0[0]


async def burst(port: int, tokens: list[str]) -> tuple[list[int], list[float]]:
    gate, t0 = asyncio.Event(), [0.0]
    tasks = [asyncio.create_task(start_one(port, t, gate, t0)) for t in tokens]
    await asyncio.sleep(0.2)  # every task waits at the gate
    t0[0] = time.perf_counter()
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    statuses = [r[0] if isinstance(r, tuple) else -1 for r in results]
    return statuses, [r[1] for r in results if isinstance(r, tuple)]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--takers", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--pg-database", default="lms_load")
    p.add_argument("--json", default=None)
    args = p.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    base = Path(tempfile.mkdtemp(prefix="lms-burst-"))
    content, instance = base / "content", base / "instance"
    quizload.write_content(content)
    instance.mkdir()
    env = {"LMS_CONTENT_DIR": str(content), "LMS_INSTANCE_PATH": str(instance),
           "LMS_SECRET_KEY": "load-test-only"}
    env["LMS_DATABASE_URL"] = (quizload.reset_postgres(args.pg_database) if args.db == "postgresql"
                               else "sqlite:///" + str(instance / "lms.sqlite3"))
    quizload.migrate(env)
    tokens = quizload.seed_takers(env, args.takers * args.rounds)
    port = quizload.free_port()
    rounds = []
    failed = False
    try:
        with quizload.Server(env, port, args.workers, base / "server.log") as server:
            quizload.warm_up("127.0.0.1", port, tokens)
            for r in range(args.rounds):
                batch = tokens[r * args.takers:(r + 1) * args.takers]
                server_cpu, client_cpu = quizload.group_cpu(server.proc.pid), time.process_time()
                began = time.perf_counter()
                statuses, seconds = asyncio.run(burst(port, batch))
                wall = time.perf_counter() - began
                server_cpu = quizload.group_cpu(server.proc.pid) - server_cpu
                client_cpu = time.process_time() - client_cpu
                ms = sorted(1000 * s for s in seconds)
                errors = sum(1 for s in statuses if s != 201)
                failed |= bool(errors)
                row = {"round": r + 1, "takers": len(batch), "errors": errors,
                       "p50_ms": quizload.percentile(ms, 50), "p95_ms": quizload.percentile(ms, 95),
                       "max_ms": ms[-1] if ms else None, "wall_s": round(wall, 2),
                       "server_cpu_s": round(server_cpu, 2), "client_cpu_s": round(client_cpu, 2),
                       "server_cpu_ms_per_start": round(1000 * server_cpu / len(batch), 2)}
                rounds.append(row)
                print(f"round {r + 1}: {len(batch)} starts, errors {errors}, p50 {row['p50_ms']:.0f} ms, "
                      f"p95 {row['p95_ms']:.0f} ms, max {row['max_ms']:.0f} ms, wall {wall:.1f} s; "
                      f"server CPU {server_cpu:.1f} s ({row['server_cpu_ms_per_start']} ms/start), "
                      f"client CPU {client_cpu:.1f} s; load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        if args.db == "postgresql":
            quizload.drop_postgres(args.pg_database)
    if args.json:
        Path(args.json).write_text(json.dumps(rounds))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
