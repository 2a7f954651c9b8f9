"""Database plumbing: SQLite pragmas, write transactions, retryable lock errors."""

from __future__ import annotations

import sqlite3
import threading
import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from lms import write_queue
from lms.extensions import db

_WRITE = "lms_write"


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # We issue BEGIN ourselves (below), so pysqlite must not.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the lock up front: a deferred transaction that upgrades
        # from read to write fails at once with SQLITE_BUSY instead of waiting.
        if conn.get_execution_options().get(_WRITE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        # Every request begins a read: straight to the driver, SQLAlchemy's statement
        # machinery costs more than SQLite's BEGIN. A deferred BEGIN takes no lock; should
        # it fail anyway, it is tried again through SQLAlchemy, which raises its own
        # error (what the lock and storage handlers look for).
        try:
            conn.connection.driver_connection.execute("BEGIN")
        except sqlite3.Error:
            conn.exec_driver_sql("BEGIN")


# SQLite has one writer at a time. A writer that finds the lock taken sleeps in SQLite's
# busy handler (1, 2, 5 ... 100 ms, then 100 ms at a time), so when a burst of requests
# write at once (2,000 quiz takers starting), the lock is often free while its waiters
# sleep, and a request can wait seconds for a write of a millisecond. Writers therefore
# queue first, woken the moment the one before them ends: the threads of a process here,
# then one writer per process on a lock file shared by every process (lms.write_queue).
# Both are released when the transaction ends (commit, rollback or the session closed).
_SQLITE_WRITER = threading.Lock()
_HOLDS = "lms.sqlite_writer"
_QUEUE_TIMEOUT = 10.0  # as PRAGMA busy_timeout; after it, SQLite's own wait decides


def begin_write() -> None:
    """Start the current session's write transaction, holding the write lock on SQLite.

    Call it at the start of a service that writes. Whatever was read before (the
    signed-in user) is committed first: reads need no lock.
    """
    session = db.session()  # the real Session behind the scoped proxy
    if session.in_transaction():
        session.commit()
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and not session.info.get(_HOLDS):
        _queue_for_sqlite(session, bind.url.database)
    try:
        session.connection(execution_options={_WRITE: True})
    except BaseException:
        _release(session)
        raise
    for joins in JOIN_WRITE:
        joins()


# Small writes a request has put off (a token's last use) that ride along in its write
# transaction, if it has one: no second transaction, no second turn at SQLite's lock.
JOIN_WRITE: list = []


def _queue_for_sqlite(session: Session, database: str | None) -> None:
    began = time.monotonic()
    if not _SQLITE_WRITER.acquire(timeout=_QUEUE_TIMEOUT):
        return  # SQLite's own wait decides
    try:
        machine = write_queue.for_database(database)
        left = _QUEUE_TIMEOUT - (time.monotonic() - began)
        queued = machine is not None and machine.acquire(max(left, 0.0))
    except BaseException:
        _SQLITE_WRITER.release()
        raise
    session.info[_HOLDS] = machine if queued else True


def _release(session: Session) -> None:
    held = session.info.pop(_HOLDS, False)
    if held:
        if held is not True:
            held.release()
        _SQLITE_WRITER.release()


def _transaction_ended(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost: commit, rollback or close
        _release(session)


event.listen(Session, "after_transaction_end", _transaction_ended)


def is_lock_timeout(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def init_app(app: Flask) -> None:
    with app.app_context():
        configure_engine(db.engine)


def dialect_insert(table):
    """The INSERT of the session's database (PostgreSQL or SQLite), which has ON CONFLICT."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def upsert_ignore(model, values: dict, unique: tuple[str, ...]) -> bool:
    """INSERT … ON CONFLICT (unique) DO NOTHING on either database; True when a row was added.

    Safe under concurrent requests: the database, not a read before the write, decides
    which of two racing inserts wins.
    """
    statement = (dialect_insert(model).values(**values)
                 .on_conflict_do_nothing(index_elements=list(unique))
                 .returning(*model.__table__.primary_key.columns))
    # RETURNING, not rowcount: the row count of an ORM-enabled INSERT is not reliable
    # across drivers (psycopg reports none for it).
    return db.session.execute(statement).first() is not None


def upsert_add(model, key: dict, column: str, amount: int) -> None:
    """INSERT the row with ``column = amount``, or add ``amount`` to it atomically."""
    statement = dialect_insert(model).values(**key, **{column: amount})
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={column: getattr(model, column) + statement.excluded[column]})
    db.session.execute(statement)
