"""SQLite's writers of several processes queue on a lock file instead of polling SQLite.

Each test holds the queue from a second Python process, as another `lms serve` worker would.
SQLite-only, on an app of its own file, whichever database the rest of the suite runs on.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from lms import database, write_queue
from lms.extensions import db as _db
from lms.models import Organization
from tests.web.helpers import sqlite_app
from tests.web.test_database import migrate

# Another process's writer: takes the queue, then SQLite's lock, writes, holds both for
# HOLD seconds (several of SQLite's busy timeouts here), commits and lets go.
WRITER = """
import sqlite3, sys, time
from lms import write_queue
path, hold = sys.argv[1], float(sys.argv[2])
queue = write_queue.for_database(path)
assert queue.acquire(5)
conn = sqlite3.connect(path, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("CREATE TABLE other_writes (who TEXT)")
conn.execute("INSERT INTO other_writes VALUES ('other')")
print("holding", flush=True)
time.sleep(hold)
conn.execute("COMMIT")
queue.release()
"""

# A process that holds only the queue's lock file until told to let go (stdin closed).
HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture()
def spawn():
    """Start a script in another Python process; returns once it says it holds the lock."""
    started = []

    def _spawn(script: str, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parents[2])
        started.append(proc)
        assert proc.stdout.readline().strip() == "holding"
        return proc

    yield _spawn
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        for stream in (proc.stdin, proc.stdout):
            if not stream.closed:
                stream.close()


@pytest.fixture()
def app(tmp_path):
    with sqlite_app(tmp_path) as app:
        migrate(app)
        with app.app_context():
            engine = _db.engine
            engine.dispose()

            @event.listens_for(engine, "connect")
            def _short_busy_timeout(dbapi_conn, _record):
                # SQLite's own wait gives up after 100 ms: only the queue can make a writer
                # wait longer than that.
                dbapi_conn.execute("PRAGMA busy_timeout=100")

        yield app


def _write(app, slug: str) -> None:
    with app.app_context():
        database.begin_write()
        _db.session.add(Organization(slug=slug, name=slug.title()))
        _db.session.commit()


def _slugs(app) -> list[str]:
    with app.app_context():
        return sorted(_db.session.scalars(select(Organization.slug)))


def test_a_writer_waits_for_another_process_writer_instead_of_failing_busy(app, tmp_path, spawn):
    other = spawn(WRITER, str(tmp_path / "own.sqlite3"), "0.6")
    began = time.monotonic()
    _write(app, "mine")  # SQLite alone would raise "database is locked" after 100 ms
    assert time.monotonic() - began >= 0.3  # it did wait for the other process
    assert other.wait(10) == 0
    assert _slugs(app) == ["mine"]
    with app.app_context():  # the other process's write is there too
        assert _db.session.execute(text("SELECT who FROM other_writes")).scalars().all() == ["other"]


def test_the_wait_for_the_queue_is_bounded_and_leaves_it_free(app, tmp_path, monkeypatch, spawn):
    """A process that holds the queue and never writes (a stuck worker) delays writers by
    the queue's timeout at most; SQLite's own lock then decides. The queue is not left
    taken by the writer that gave up on it."""
    monkeypatch.setattr(database, "_QUEUE_TIMEOUT", 0.3)
    lock_file = write_queue.for_database(str(tmp_path / "own.sqlite3")).path
    stuck = spawn(HOLDER, lock_file)
    began = time.monotonic()
    _write(app, "mine")
    assert 0.25 <= time.monotonic() - began < 5
    assert _slugs(app) == ["mine"]

    stuck.stdin.close()  # it lets go; the helper that waited for it lets go too
    assert stuck.wait(10) == 0
    fd = os.open(lock_file, os.O_RDWR)
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, "the queue was left taken"
                time.sleep(0.05)
    finally:
        os.close(fd)
    _write(app, "again")  # and the next writer takes it as usual
    assert _slugs(app) == ["again", "mine"]


def test_whatever_ends_the_transaction_frees_the_queue_for_other_processes(app, tmp_path):
    lock_file = write_queue.for_database(str(tmp_path / "own.sqlite3")).path
    fd = os.open(lock_file, os.O_RDWR)  # another open file: as another process sees it
    try:
        with app.app_context():
            for end in (_db.session.commit, _db.session.rollback, _db.session.close):
                database.begin_write()
                with pytest.raises(BlockingIOError):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                end()
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def test_no_queue_for_a_database_in_memory_or_where_no_lock_file_can_be_made(tmp_path):
    assert write_queue.for_database(None) is None
    assert write_queue.for_database(":memory:") is None
    assert write_queue.for_database(str(tmp_path / "missing" / "lms.sqlite3")) is None
