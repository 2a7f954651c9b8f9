"""Evidence files learners upload (a paper, practical evidence).

The type is decided by the file's first bytes, never by its name or the browser's
word; the bytes are kept in the database (lms/services/upload_store.py), so every
server serves every file, and are only ever served as attachments through an
authorised route.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from lms.auth.access import can_see_user
from lms.content.program import Program
from lms.database import begin_write
from lms.extensions import db
from lms.models import Upload, User
from lms.services import audit
from lms.services.errors import Invalid, NotFound, ServiceError
from lms.services.evidence import signoff_names
from lms.services.upload_store import read_chunks, stored_size, write_chunks

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAGIC = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


@dataclass(frozen=True)
class StoredFile:
    upload: Upload

    def chunks(self) -> Iterator[bytes]:
        return read_chunks(self.upload.id)


def max_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None when not allowed."""
    for magic, content_type, extension in MAGIC:
        if head.startswith(magic):
            return content_type, extension
    return None


def display_name(filename: str | None, extension: str) -> str:
    """The learner's name for the file, made safe for a Content-Disposition header."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*')[:200]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem or "evidence") + extension


def save_upload(user: User, stream: BinaryIO, filename: str | None, *, level: str,
                requirement: str, program: Program | None,
                address: str | None = None) -> Upload:
    if program is None or requirement not in signoff_names(program, level or ""):
        raise Invalid("unknown_requirement", field="requirement")
    limit = max_bytes()
    data = stream.read(limit + 1)
    if not data:
        raise Invalid("file_empty", field="file")
    if len(data) > limit:
        raise TooLarge("file_too_large", field="file", limit=limit)
    kind = sniff(data[:16])
    if kind is None:
        raise Invalid("file_type", field="file")
    content_type, extension = kind
    try:
        begin_write()
        upload = Upload(user_id=user.id, level=level, requirement=requirement,
                        filename=display_name(filename, extension),
                        stored_name=secrets.token_hex(16), content_type=content_type,
                        size=len(data))
        db.session.add(upload)
        db.session.flush()
        write_chunks(upload.id, data)
        audit.record("upload.added", actor_id=user.id, target=upload.id, address=address,
                     user_id=user.id, level=level, requirement=requirement, size=len(data),
                     content_type=content_type)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the row and its bytes are written together or not at all
        raise
    return upload


def may_download(viewer: User, owner: User) -> bool:
    """The owner, and the staff who judge the evidence within their scope."""
    if viewer.id == owner.id:
        return True
    return viewer.role in ("trainer", "manager", "admin") and can_see_user(viewer, owner)


def open_upload(viewer: User, upload_id: str) -> StoredFile:
    upload = db.session.get(Upload, upload_id) if upload_id else None
    owner = db.session.get(User, upload.user_id) if upload else None
    if upload is None or owner is None or not may_download(viewer, owner):
        raise NotFound("No such file.", code="not_found")
    if stored_size(upload.id) != upload.size:  # bytes missing (never migrated) or cut short
        raise NotFound("No such file.", code="not_found")
    return StoredFile(upload)


def uploads_of(user_id: int) -> list[Upload]:
    return list(db.session.scalars(select(Upload).where(Upload.user_id == user_id)
                                   .order_by(Upload.uploaded_at.desc())))
