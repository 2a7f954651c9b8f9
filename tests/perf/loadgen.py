"""Bounded load generators for the benchmarks: wrk when installed, else Python threads.

Both keep connections alive, run for a fixed time, send the same headers (the
session cookie) to every request and report requests/s, p50/p95 latency and the
number of non-200 answers, so a signed-out redirect cannot pass for a fast page.
"""

from __future__ import annotations

import http.client
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoadResult:
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    bad: int  # answers other than 200, and connection errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_python(host: str, port: int, path: str, headers: dict[str, str], *, seconds: float,
               concurrency: int) -> LoadResult:
    """Threads, each with one keep-alive connection, for ``seconds``."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    bad = [0] * concurrency
    start_gate = threading.Barrier(concurrency + 1)
    deadline_box: list[float] = []

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        start_gate.wait()
        deadline = deadline_box[0]
        mine = latencies[index]
        while True:
            began = time.perf_counter()
            if began >= deadline:
                break
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad[index] += 1
            except (OSError, http.client.HTTPException):
                bad[index] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                continue
            mine.append(time.perf_counter() - began)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline_box.append(began + seconds)
    start_gate.wait()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.perf_counter() - began
    flat = sorted(x for per_thread in latencies for x in per_thread)
    return LoadResult(path=path, requests=len(flat), seconds=elapsed,
                      p50_ms=_percentile(flat, 50) * 1000, p95_ms=_percentile(flat, 95) * 1000,
                      bad=sum(bad))


WRK_SCRIPT = """
local extra = {headers}
for name, value in pairs(extra) do wrk.headers[name] = value end

local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total_bad = summary.errors.connect + summary.errors.read + summary.errors.write
                    + summary.errors.timeout
  for _, thread in ipairs(threads) do total_bad = total_bad + thread:get("bad") end
  io.write(string.format("RESULT requests=%d micros=%d p50=%d p95=%d bad=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    total_bad))
end
"""


def run_wrk(host: str, port: int, path: str, headers: dict[str, str], *, seconds: float,
            concurrency: int, threads: int = 2) -> LoadResult:
    lua_headers = "{" + ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items()) + "}"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT.format(headers=lua_headers))
        script = Path(fh.name)
    try:
        out = subprocess.run(
            ["wrk", f"-t{min(threads, concurrency)}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s",
             "--timeout", "30s", "-s", str(script), f"http://{host}:{port}{path}"],
            capture_output=True, text=True, timeout=seconds + 120, check=True).stdout
    finally:
        script.unlink()
    match = re.search(r"RESULT requests=(\d+) micros=(\d+) p50=(\d+) p95=(\d+) bad=(\d+)", out)
    if not match:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    requests, micros, p50, p95, bad = (int(g) for g in match.groups())
    return LoadResult(path=path, requests=requests, seconds=micros / 1e6, p50_ms=p50 / 1000,
                      p95_ms=p95 / 1000, bad=bad)


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(pct) - 1]
