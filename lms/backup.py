"""`lms backup`: a consistent copy of the database while the site runs.

SQLite: the online backup API in ONE step (``pages=-1``). A step holds a read
transaction for its whole length, so writers in other processes carry on (WAL) and
cannot make it restart; a page-by-page backup restarts whenever another process
writes, and on a busy site never finishes. The copy is written beside the target,
checked with ``PRAGMA integrity_check`` and only then renamed into place.

PostgreSQL: ``pg_dump --format=custom``, checked with ``pg_restore --list``.

Uploaded evidence files are in the database (table ``upload_chunks``): the copy of
the database carries them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL


class BackupError(RuntimeError):
    """The backup could not be made or did not verify; nothing was left at the target."""


def backup_sqlite(database: str, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=30)
    dest = sqlite3.connect(str(partial))
    try:
        source.execute("PRAGMA busy_timeout=30000")
        source.backup(dest, pages=-1)  # one step: one consistent snapshot
        result = dest.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as exc:
        dest.close()
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup failed: {exc}") from None
    finally:
        dest.close()
        source.close()
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"integrity check of the backup failed: {result}")
    os.replace(partial, target)


def backup_postgresql(url: URL, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed: install the PostgreSQL client tools "
                          "(the same major version as the server), or run pg_dump yourself "
                          "(see docs/operations.md)")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where ps shows it
    plain = url.set(drivername="postgresql", password=None)
    conninfo = plain.render_as_string(hide_password=False)
    partial = target.with_name(target.name + ".partial")
    dump = subprocess.run(["pg_dump", "--format=custom", f"--file={partial}", conninfo],
                          env=env, capture_output=True, text=True)
    if dump.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {dump.stderr.strip()}")
    listing = subprocess.run(["pg_restore", "--list", str(partial)], capture_output=True, text=True)
    if listing.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the dump does not read back: {listing.stderr.strip()}")
    os.replace(partial, target)


def run_backup(url: URL, target: Path) -> list[str]:
    """Write the backup; the lines to print. Raises BackupError."""
    if target.exists():
        raise BackupError(f"{target} exists; refusing to overwrite")
    backend = url.get_backend_name()
    if backend == "sqlite":
        backup_sqlite(url.database, target)
        lines = [f"backup written to {target} (integrity ok)"]
    elif backend == "postgresql":
        backup_postgresql(url, target)
        lines = [f"backup written to {target} (pg_dump custom format, readable)"]
    else:
        raise BackupError(f"no backup for {backend} databases")
    return lines
