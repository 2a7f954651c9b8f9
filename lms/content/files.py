"""Reading content files: version stamps, decoding, and a cache of parse results.

A file version is its (mtime_ns, size). Parsers run once per version; the store
and the course loader look results up here before reading anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from lms.content.messages import N_
from lms.content.problems import ContentError

Stamp = tuple[int, int]


def stamp_of(path: Path) -> Stamp | None:
    """The file's version, or None when it is not a readable regular file."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def read_text(path: Path) -> str:
    """Read a UTF-8 file; undecodable bytes raise ContentError with their line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(0, N_("cannot read the file: %(reason)s",
                                  reason=exc.strerror or str(exc))) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ContentError(line, N_("the file is not valid UTF-8 text")) from None


class FileCache:
    """Parse results keyed by content-relative path and file version.

    Not thread-safe by itself: the store uses it under its lock.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Stamp, Any]] = {}

    def get_or_parse(self, rel: str, stamp: Stamp, parse: Callable[[], Any]) -> Any:
        entry = self._entries.get(rel)
        if entry is not None and entry[0] == stamp:
            return entry[1]
        value = parse()
        self._entries[rel] = (stamp, value)
        return value

    def retain(self, paths: Iterable[str]) -> None:
        """Forget files that no longer exist, so deleted content does not pile up."""
        keep = set(paths)
        for rel in [r for r in self._entries if r not in keep]:
            del self._entries[rel]

    def __len__(self) -> int:
        return len(self._entries)
