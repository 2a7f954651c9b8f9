"""SQLite's writers of every process on this machine, queued on a lock file.

SQLite lets one writer in at a time. A writer that finds the lock taken sleeps in SQLite's
busy handler (1, 2, 5 ... 100 ms, then 100 ms at a time) and looks again, so when the
workers of ``lms serve`` write at once (a thousand quiz starts), the lock is often free
while every waiter sleeps. Writers here first take an exclusive ``flock`` on a file beside
the database: the kernel wakes the next waiter the moment the holder lets go.

The wait is bounded: a blocking ``flock`` cannot time out, so it runs in a helper thread of
the process and the writer waits for that thread's answer for as long as it may. A writer
that gives up goes on to SQLite's own wait (which raises "database is locked" when it ends,
the retryable 503); the helper lets go of the lock at once should it come later.

The lock is held from ``BEGIN IMMEDIATE`` to the end of the transaction (lms.database) and
the kernel drops it when its process dies, so a killed worker blocks nobody.
"""

from __future__ import annotations

import fcntl
import logging
import os
import queue
import threading

log = logging.getLogger(__name__)


class _Ticket:
    __slots__ = ("granted", "abandoned", "ready")

    def __init__(self) -> None:
        self.granted = self.abandoned = False
        self.ready = threading.Event()


class WriteQueue:
    """An exclusive lock shared by the processes that open the same file.

    One caller per process at a time (lms.database queues the threads of a process first);
    ``acquire`` returns whether the lock was taken within the timeout, ``release`` lets go.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._pid: int | None = None
        self._fd = -1
        self._mutex = threading.Lock()
        self._requests: queue.SimpleQueue[_Ticket] = queue.SimpleQueue()
        self._outstanding = 0  # tickets handed to the helper and not yet answered
        self._helping = False

    def _open(self) -> int:
        # A file description of this process's own: after a fork the parent's would be
        # shared, and with it the lock (flock belongs to the description).
        if self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
            self._outstanding, self._helping = 0, False
        return self._fd

    def acquire(self, timeout: float) -> bool:
        fd = self._open()
        with self._mutex:
            if not self._outstanding:  # the helper holds nothing that a lock here would share
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    pass
            ticket = _Ticket()
            self._outstanding += 1
            if not self._helping:  # started at the first wait, not for every file opened
                threading.Thread(target=self._helper, args=(fd,), daemon=True,
                                 name="lms-write-queue").start()
                self._helping = True
        self._requests.put(ticket)
        ticket.ready.wait(timeout)
        with self._mutex:
            if not ticket.granted:
                ticket.abandoned = True  # the helper lets go when it gets there
            return ticket.granted

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _helper(self, fd: int) -> None:
        while True:
            ticket = self._requests.get()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # woken by the kernel the moment it is free
            except OSError:  # cannot happen on a local file; the writer falls back to SQLite
                log.exception("write queue %s: flock failed", self.path)
                with self._mutex:
                    self._outstanding -= 1
                ticket.ready.set()
                continue
            with self._mutex:
                self._outstanding -= 1
                if ticket.abandoned:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                else:
                    ticket.granted = True
            ticket.ready.set()


_QUEUES: dict[str, WriteQueue | None] = {}
_QUEUES_LOCK = threading.Lock()


def for_database(database: str | None) -> WriteQueue | None:
    """The queue of a SQLite database file, or None (in-memory, or no file can be made)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    with _QUEUES_LOCK:
        if database not in _QUEUES:
            path = os.path.abspath(database) + "-writers"
            try:
                os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
                _QUEUES[database] = WriteQueue(path)
            except OSError as exc:  # a read-only folder: SQLite's own wait decides
                log.warning("no write queue for %s: %s", database, exc)
                _QUEUES[database] = None
        return _QUEUES[database]
