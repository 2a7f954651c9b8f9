"""Evidence files learners upload (a paper, practical evidence).

The type is decided by the file's first bytes, never by its name or the browser's
word; files are stored under random names in the instance folder, outside static/,
and are only ever served as attachments through an authorised route.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
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
    path: Path


def upload_dir() -> Path:
    folder = current_app.config.get("UPLOAD_DIR") or os.path.join(current_app.instance_path,
                                                                  "uploads")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


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
    stored_name = secrets.token_hex(16)
    path = upload_dir() / stored_name
    # O_EXCL: a random name that somehow exists is never overwritten.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    try:
        begin_write()
        upload = Upload(user_id=user.id, level=level, requirement=requirement,
                        filename=display_name(filename, extension), stored_name=stored_name,
                        content_type=content_type, size=len(data))
        db.session.add(upload)
        db.session.flush()
        audit.record("upload.added", actor_id=user.id, target=upload.id, address=address,
                     user_id=user.id, level=level, requirement=requirement, size=len(data),
                     content_type=content_type)
        db.session.commit()
    except Exception:
        db.session.rollback()
        path.unlink(missing_ok=True)  # no orphan file when the row was not written
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
    path = upload_dir() / upload.stored_name
    if not path.is_file():
        raise NotFound("No such file.", code="not_found")
    return StoredFile(upload, path)


def uploads_of(user_id: int) -> list[Upload]:
    return list(db.session.scalars(select(Upload).where(Upload.user_id == user_id)
                                   .order_by(Upload.uploaded_at.desc())))
