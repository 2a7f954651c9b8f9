"""The bytes of evidence uploads, kept in the database (docs/operations.md "Files").

In the database, not a server's disk: behind a load balancer any server serves any file,
and `lms backup` (the database copy) carries them. Stored in pieces of CHUNK_BYTES and
streamed out one piece per query, so a download never holds the whole file in memory.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import UploadChunk

CHUNK_BYTES = 256 * 1024


def write_chunks(upload_id: str, data: bytes) -> None:
    """Add the pieces of ``data`` to the session (the caller commits with the upload row)."""
    for seq, start in enumerate(range(0, len(data), CHUNK_BYTES)):
        db.session.add(UploadChunk(upload_id=upload_id, seq=seq,
                                   data=data[start:start + CHUNK_BYTES]))


def stored_size(upload_id: str) -> int | None:
    """The number of bytes stored for an upload; None when none are."""
    count, size = db.session.execute(
        select(func.count(), func.coalesce(func.sum(func.length(UploadChunk.data)), 0))
        .where(UploadChunk.upload_id == upload_id)).one()
    return int(size) if count else None


def read_chunks(upload_id: str) -> Iterator[bytes]:
    """The pieces in order, each fetched on its own when the previous one has been sent."""
    seq = 0
    while True:
        piece = db.session.scalar(select(UploadChunk.data).where(
            UploadChunk.upload_id == upload_id, UploadChunk.seq == seq))
        if piece is None:
            return
        yield bytes(piece)
        seq += 1
