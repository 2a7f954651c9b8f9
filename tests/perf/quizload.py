"""Helpers for the quiz load test (tests/perf/load_quiz.py).

- a throwaway content root holding one timed quiz of every auto-graded kind;
- the database: a fresh PostgreSQL database, migrations, bulk users and API tokens,
  and the attempts as stored, read back for reconciliation;
- ``lms serve`` (gunicorn, real HTTP) started and stopped as a child process;
- the simulated takers: threads, each with plain ``http.client`` requests to 127.0.0.1,
  doing what the exam page's JavaScript does (static/js/quiz.js): start, autosave the
  whole answer sheet with a growing ``seq``, retry a 503 (database busy) after its
  Retry-After, and submit at the end.

Standard library plus the app itself: nothing to install.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import math
import os
import random
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
QUIZ_SLUG = "load-test"

# --- content -----------------------------------------------------------------------

_QUIZ = """\
---
title: Load test quiz
time_limit: {time_limit}s
pass_mark: 60
attempts: 0
shuffle: true
review: after_submit
---
A quiz for tests/perf/load_quiz.py: twenty auto-graded questions of every kind.

"""


def quiz_markdown(time_limit: int = 1800) -> str:
    """20 questions: single, multiple (all-or-nothing and partial), text, regex, numeric."""
    parts = [_QUIZ.format(time_limit=int(time_limit))]
    for i in range(1, 7):
        parts.append(f"## Single choice question {i} {{id=single-{i}}}\n"
                     + "".join(f"- ({'x' if c == i % 4 else ' '}) Option {c}\n" for c in range(4))
                     + f"\n> Option {i % 4} is right.\n\n")
    for i in range(1, 6):
        attrs = f"id=multi-{i} points=2" + (" partial" if i % 2 else "")
        parts.append(f"## Multiple choice question {i} {{{attrs}}}\n"
                     + "".join(f"- [{'x' if c <= i % 3 + 1 else ' '}] Box {c}\n" for c in range(5))
                     + "\n")
    texts = ["Time To First Deal", "Koemoji", "Partner Academy", "Bronze"]
    for i, text in enumerate(texts, start=1):
        parts.append(f"## What is text answer {i}? {{id=text-{i}}}\n= {text}\n= {text.lower()}\n\n")
    parts.append("## Name a colour (regex) {id=regex-1}\n= /(red|green|blue)/\n\n")
    numbers = [("40", "0.5"), ("1000", "0"), ("3.14", "0.01"), ("-7", "0")]
    for i, (value, tol) in enumerate(numbers, start=1):
        parts.append(f"## Numeric question {i} {{id=num-{i}}}\n= {value} +- {tol}\n\n")
    return "".join(parts)


def write_content(root: Path, time_limit: int = 1800) -> None:
    (root / "courses").mkdir(parents=True, exist_ok=True)
    (root / "quizzes").mkdir(parents=True, exist_ok=True)
    (root / "quizzes" / f"{QUIZ_SLUG}.md").write_text(quiz_markdown(time_limit), encoding="utf-8")


# --- database ----------------------------------------------------------------------

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def reset_postgres(dbname: str) -> str:
    """Drop and create ``dbname``; returns its LMS_DATABASE_URL."""
    import psycopg

    if not dbname.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name: {dbname}")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')
    return f"postgresql://postgres@127.0.0.1:5432/{dbname}"


def drop_postgres(dbname: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@contextlib.contextmanager
def app_env(env: dict[str, str]) -> Iterator[Any]:
    """An app context of ``create_app()`` seeing the server's environment."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from lms import create_app
        from lms.extensions import db

        app = create_app()
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def migrate(env: dict[str, str]) -> None:
    subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "lms"), "db", "upgrade"], env={**os.environ, **env},
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)


def seed_takers(env: dict[str, str], count: int, companies: int = 0) -> list[str]:
    """``count`` learners with one API token each, bulk-inserted; returns the tokens.

    With ``companies``, the learners are spread over that many partner companies and signed
    in lately (as people who open an exam page are), so every graded attempt updates its
    company's figures, concurrently with the others of the same company."""
    from datetime import datetime, timezone

    from sqlalchemy import insert, select

    from lms.extensions import db
    from lms.models import ApiToken, Organization, User

    tokens = [f"pa_{secrets.token_urlsafe(32)}" for _ in range(count)]
    with app_env(env):
        orgs = [Organization(slug=f"load-{i}", name=f"Load company {i}") for i in range(companies)]
        db.session.add_all(orgs)
        db.session.commit()
        now = datetime.now(timezone.utc)
        emails = [f"taker{i:05d}@load.example" for i in range(count)]
        db.session.execute(insert(User), [
            {"email": e, "name": f"Taker {i}", "role": "learner",
             **({"organization_id": orgs[i % companies].id, "last_active_at": now} if orgs else {})}
            for i, e in enumerate(emails)])
        ids = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
        db.session.execute(insert(ApiToken), [
            {"user_id": ids[e], "token_hash": hashlib.sha256(t.encode()).hexdigest()}
            for e, t in zip(emails, tokens)])
        if orgs:  # a bulk insert passes by the flush listener that keeps the figures
            from flask import current_app

            from lms.services import company_stats

            program = (current_app.extensions["lms.content"].program()
                       or company_stats.FALLBACK_PROGRAM)
            company_stats.rebuild(program, now, [o.id for o in orgs])
        db.session.commit()
    return tokens


def stored_attempts(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every attempt of the load-test quiz as the database holds it, with the grade re-computed."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.models import Attempt
    from lms.rules.grading import grade

    out: dict[str, dict[str, Any]] = {}
    with app_env(env):
        for a in db.session.scalars(select(Attempt).where(Attempt.quiz_slug == QUIZ_SLUG)):
            out[a.id] = {
                "status": a.status, "answers": dict(a.answers or {}), "last_seq": a.last_seq,
                "score": a.score, "percent": a.percent, "submitted_at": a.submitted_at,
                "regrade": grade(a.snapshot["questions"], a.answers or {}, a.essay_scores or {}).score,
                "user_id": a.user_id,
            }
    return out


def company_mismatches(env: dict[str, str]) -> list[str]:
    """Companies whose stored figures differ from a recount now (graded and passed
    attempts, health): the rows updated by concurrent submits must add up."""
    from lms.extensions import db
    from lms.models.organizations import OrganizationStats
    from lms.models.types import utcnow
    from lms.services import company_stats

    keys = ("people", "active_people", "attempts_graded", "attempts_passed", "health")
    out = []
    with app_env(env) as app:
        program = app.extensions["lms.content"].program() or company_stats.FALLBACK_PROGRAM
        fresh = company_stats.compute(program, utcnow())
        for org_id, values in sorted(fresh.items()):
            row = db.session.get(OrganizationStats, org_id)
            stored = {k: getattr(row, k, None) for k in keys}
            if stored != {k: values[k] for k in keys}:
                out.append(f"company {org_id}: stored {stored}, recounted "
                           f"{ {k: values[k] for k in keys} }")
    return out


# --- server ------------------------------------------------------------------------


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of every live process in the process group."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # the process group, after the state and parent
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``lms serve`` in its own process group; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, env: dict[str, str], port: int, workers: int | None, log: Path):
        self.env, self.port, self.workers, self.log_path = env, port, workers, log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        argv = [str(REPO_ROOT / ".venv" / "bin" / "lms"), "serve", "--host", "127.0.0.1",
                "--port", str(self.port)]
        if self.workers:
            argv += ["--workers", str(self.workers)]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, env={**os.environ, **self.env}, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lms serve exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"/healthz did not answer within 60 s; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            pgid = self.proc.pid  # start_new_session: the group is ours alone
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


# --- takers ------------------------------------------------------------------------

OPS = ("start", "save", "final_save", "submit")  # final_save: the last one, just before submit


@dataclass
class OpLog:
    """One logical operation: latency from first send to final answer, retries included."""

    op: str
    ok: bool
    seconds: float
    retries: int
    outcome: str  # "200", "201", "503", "409:stale_seq", "conn:TimeoutError", ...


@dataclass
class TakerState:
    index: int
    token: str
    attempt_id: str | None = None
    questions: list[dict[str, Any]] = field(default_factory=list)
    sheet: dict[str, Any] = field(default_factory=dict)  # the page's answers now
    acked: dict[str, Any] | None = None  # the sheet of the last save answered 200
    acked_seq: int = 0
    unconfirmed: list[dict[str, Any]] = field(default_factory=list)  # sent after acked, fate unknown
    seq: int = 1
    submitted: dict[str, Any] | None = None
    ops: list[OpLog] = field(default_factory=list)
    crashed: str | None = None


@dataclass(frozen=True)
class Plan:
    host: str
    port: int
    duration: float  # from the common start to the submit
    interval: float  # between autosaves
    submit_spread: float  # submits spread over the last this-many seconds
    timeout: float  # per HTTP request
    max_retries: int  # per operation, for 503 answers
    seed: int


class Taker:
    """One person at the exam page, driven by a thread."""

    def __init__(self, plan: Plan, state: TakerState):
        self.plan, self.s = plan, state
        self.rng = random.Random(plan.seed * 100_003 + state.index)

    # HTTP: a new connection per request, like a browser whose keep-alive ran out
    # in the 15 s between autosaves (gunicorn's keep-alive is 2 s).
    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, dict, dict]:
        conn = http.client.HTTPConnection(self.plan.host, self.plan.port, timeout=self.plan.timeout)
        try:
            headers = {"Authorization": f"Bearer {self.s.token}", "Accept": "application/json"}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                payload = json.loads(raw) if raw else {}
            except ValueError:
                payload = {"_raw": raw[:200].decode("utf-8", "replace")}
            return resp.status, payload, dict(resp.getheaders())
        finally:
            conn.close()

    def _op(self, op: str, method: str, path: str, body_fn) -> tuple[int | None, dict]:
        """Send, retrying 503 (busy) after Retry-After as the page would; log one OpLog."""
        began = time.perf_counter()
        retries = 0
        while True:
            try:
                status, payload, headers = self._request(method, path, body_fn())
            except (OSError, http.client.HTTPException) as exc:
                self.s.ops.append(OpLog(op, False, time.perf_counter() - began, retries,
                                        f"conn:{type(exc).__name__}"))
                return None, {}
            if status == 503 and retries < self.plan.max_retries:
                retries += 1
                try:
                    wait = float(headers.get("Retry-After", "1"))
                except ValueError:
                    wait = 1.0
                time.sleep(min(wait, 5.0) * self.rng.uniform(0.5, 1.0))
                continue
            code = payload.get("error", {}).get("code") if isinstance(payload, dict) else None
            expected = {"start": (200, 201), "save": (200,), "final_save": (200,), "submit": (200,)}[op]
            outcome = f"{status}:{code}" if code else str(status)
            self.s.ops.append(OpLog(op, status in expected, time.perf_counter() - began,
                                    retries, outcome))
            return status, payload

    # answers ---------------------------------------------------------------------------

    def _answer(self, q: dict[str, Any]) -> Any:
        rng = self.rng
        ids = [c["id"] for c in q["choices"]]
        kind = q["type"]
        if kind == "single":
            return rng.choice(ids)
        if kind == "multiple":
            return rng.sample(ids, rng.randint(1, len(ids)))
        if kind == "numeric":
            return rng.choice(["40", "４０", "1,000", "1000", "3.14", "-7", "−7", "12"])
        return rng.choice(["Time To First Deal", "ｔｉｍｅ  to first DEAL", "koemoji", "Partner Academy",
                           "bronze", "Blue", "purple", "答え"])

    def _think(self) -> None:
        """Answer 2-4 more questions; sometimes change or clear an earlier answer."""
        qs = self.s.questions
        open_qs = [q for q in qs if self.s.sheet.get(q["id"]) is None]
        for q in self.rng.sample(open_qs, min(len(open_qs), self.rng.randint(2, 4))):
            self.s.sheet[q["id"]] = self._answer(q)
        done = [q for q in qs if self.s.sheet.get(q["id"]) is not None]
        if done and self.rng.random() < 0.4:
            q = self.rng.choice(done)
            self.s.sheet[q["id"]] = self._answer(q)
        if done and self.rng.random() < 0.05:
            self.s.sheet[self.rng.choice(done)["id"]] = None

    # the flow ----------------------------------------------------------------------------

    def _save(self, op: str = "save") -> None:
        # The whole sheet, unanswered questions as null, like collectAnswers() in quiz.js.
        sheet = {q["id"]: self.s.sheet.get(q["id"]) for q in self.s.questions}
        seq = self.s.seq
        status, payload = self._op(op, "PUT", f"/api/v1/attempts/{self.s.attempt_id}/answers",
                                   lambda: {"answers": sheet, "seq": seq})
        if status == 200:
            self.s.acked, self.s.acked_seq = dict(sheet), seq
            self.s.unconfirmed.clear()
            self.s.seq = int(payload.get("seq", seq)) + 1
        elif status == 409 and payload.get("error", {}).get("code") == "stale_seq":
            self.s.seq = int(payload["error"].get("last_seq") or seq) + 1
        else:
            if status is None:  # the server may or may not have kept it
                self.s.unconfirmed.append(dict(sheet))
            self.s.seq = seq + 1

    def run(self, t0: float, stop_at: float) -> None:
        try:
            self._run(t0, stop_at)
        except Exception as exc:  # a bug in the client must show, not hang the run
            self.s.crashed = f"{type(exc).__name__}: {exc}"

    def _run(self, t0: float, stop_at: float) -> None:
        plan = self.plan
        status, payload = self._op("start", "POST", f"/api/v1/quizzes/{QUIZ_SLUG}/attempts",
                                   lambda: None)
        if status not in (200, 201):
            return
        self.s.attempt_id = payload["id"]
        self.s.questions = payload["questions"]
        submit_at = t0 + plan.duration - self.rng.uniform(0, plan.submit_spread)
        next_save = time.monotonic() + self.rng.uniform(1.0, plan.interval)  # jittered first save
        while next_save < submit_at - 1.0 and time.monotonic() < stop_at:
            _sleep_until(next_save)
            self._think()
            self._save()
            next_save += plan.interval
        # Last answers, then submit (the page saves what is dirty, then posts the form).
        _sleep_until(min(submit_at - 0.5, stop_at))
        self._think()
        self._save("final_save")
        _sleep_until(min(submit_at, stop_at))
        status, payload = self._op("submit", "POST", f"/api/v1/attempts/{self.s.attempt_id}/submit",
                                   lambda: None)
        if status == 200:
            self.s.submitted = payload


def warm_up(host: str, port: int, tokens: list[str], requests: int = 64) -> int:
    """Unmeasured reads (quiz info) from many threads, so every worker has loaded the
    content and opened its connections before the takers come, as on a running site.
    Returns how many answered 200."""
    ok = [0]
    lock = threading.Lock()

    def one(i: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            conn.request("GET", f"/api/v1/quizzes/{QUIZ_SLUG}",
                         headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"})
            if conn.getresponse().status == 200:
                with lock:
                    ok[0] += 1
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return ok[0]


def _sleep_until(when: float) -> None:
    delay = when - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def run_takers(plan: Plan, tokens: list[str], hard_cap: float) -> tuple[list[TakerState], float]:
    """All takers start at once (a barrier); returns their states and the wall time."""
    states = [TakerState(i, t) for i, t in enumerate(tokens)]
    barrier = threading.Barrier(len(states) + 1)
    box: dict[str, float] = {}

    def body(state: TakerState) -> None:
        barrier.wait()
        Taker(plan, state).run(box["t0"], box["stop"])

    threading.stack_size(512 * 1024)
    threads = [threading.Thread(target=body, args=(s,), daemon=True, name=f"taker-{s.index}")
               for s in states]
    for t in threads:
        t.start()
    now = time.monotonic()
    box["t0"], box["stop"] = now, now + hard_cap
    barrier.wait()
    for t in threads:
        t.join(timeout=max(0.0, box["stop"] + plan.timeout + 5 - time.monotonic()))
    for s, t in zip(states, threads):
        if t.is_alive():
            s.crashed = s.crashed or "still running at the hard cap"
    return states, time.monotonic() - now


# --- reading the results -----------------------------------------------------------------


def _norm(value: Any) -> Any:
    """An answer as the server stores it: lists as sorted tuples, blanks as absent (None)."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return tuple(sorted(value))
    return value


def _normalised_sheet(sheet: dict[str, Any] | None) -> dict[str, Any]:
    return {k: _norm(v) for k, v in (sheet or {}).items() if _norm(v) is not None}


def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[k]


def summarise(states: list[TakerState], stored: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ops: dict[str, dict[str, Any]] = {}
    for op in OPS:
        logs = [o for s in states for o in s.ops if o.op == op]
        ok = [o.seconds * 1000 for o in logs if o.ok]
        errors = Counter(o.outcome for o in logs if not o.ok)
        ops[op] = {
            "count": len(logs), "ok": len(ok), "errors": sum(errors.values()),
            "errors_by_outcome": dict(errors),
            "retries": sum(o.retries for o in logs),
            "ops_retried": sum(1 for o in logs if o.retries),
            "p50_ms": percentile(ok, 50), "p95_ms": percentile(ok, 95),
            "p99_ms": percentile(ok, 99), "max_ms": max(ok) if ok else None,
        }
    # Reconciliation: what each client believes saved, against the database.
    lost = wrong_grade = not_submitted = unexpected = acked_answers = 0
    examples: list[str] = []
    by_user_attempts = Counter(a["user_id"] for a in stored.values())
    for s in states:
        if s.attempt_id is None:
            continue
        row = stored.get(s.attempt_id)
        if row is None:
            lost += len(_normalised_sheet(s.acked))
            not_submitted += 1
            examples.append(f"taker {s.index}: attempt {s.attempt_id} not in the database")
            continue
        db_answers = {k: _norm(v) for k, v in row["answers"].items()}
        acked = _normalised_sheet(s.acked)
        acked_answers += len(acked)
        # A save whose answer never came (connection error) after the last 200 may or may
        # not have been kept; the database may hold exactly that later sheet instead.
        later = [_normalised_sheet(u) for u in s.unconfirmed]
        if db_answers != acked and db_answers in later:
            pass
        else:
            missing = [q for q, v in acked.items() if db_answers.get(q) != v]
            extra = [q for q in db_answers if q not in acked]
            lost += len(missing)
            unexpected += len(extra)
            if (missing or extra) and len(examples) < 10:
                examples.append(f"taker {s.index}: differs on {missing + extra}")
        if row["status"] != "graded" or row["submitted_at"] is None:
            not_submitted += 1
        elif row["score"] is None or abs(row["score"] - row["regrade"]) > 1e-9:
            wrong_grade += 1
    started = sum(1 for s in states if s.attempt_id)
    return {
        "takers": len(states), "attempts_started": started, "attempts_in_db": len(stored),
        "users_with_several_attempts": sum(1 for c in by_user_attempts.values() if c > 1),
        "client_crashes": [f"taker {s.index}: {s.crashed}" for s in states if s.crashed][:10],
        "client_crash_count": sum(1 for s in states if s.crashed),
        "ops": ops,
        "reconciliation": {
            "acknowledged_answers": acked_answers, "lost_answers": lost,
            "unexpected_answers": unexpected, "not_submitted_or_graded": not_submitted,
            "grade_mismatch": wrong_grade,
            "submitted_client_side": sum(1 for s in states if s.submitted),
            "examples": examples,
        },
    }


def failed(summary: dict[str, Any]) -> bool:
    r = summary["reconciliation"]
    return bool(
        summary.get("company_mismatches") or
        any(o["errors"] for o in summary["ops"].values())
        or r["lost_answers"] or r["unexpected_answers"] or r["not_submitted_or_graded"]
        or r["grade_mismatch"] or summary["client_crash_count"]
        or summary["attempts_started"] != summary["takers"]
        or summary["users_with_several_attempts"]
    )
