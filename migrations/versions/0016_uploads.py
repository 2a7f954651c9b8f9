"""uploads: evidence bytes in the database (upload_chunks), copied from the instance folder

Every file under <instance>/uploads (or UPLOAD_DIR) that an upload row names is copied
into upload_chunks and read back to check it. The originals are left where they are,
with a note beside them saying they were copied and may be deleted once a backup is
made; a row whose file is missing is reported and left without bytes (it answers 404,
as it did before).

Revision ID: 0016_uploads
Revises: 0014_webhooks
Create Date: 2026-12-02 06:20:00

"""
import hashlib
import logging
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = '0016_uploads'
down_revision = '0014_webhooks'
branch_labels = None
depends_on = None

CHUNK_BYTES = 256 * 1024  # as lms/services/upload_store.py
NOTE = "MOVED-TO-DATABASE.txt"
log = logging.getLogger("alembic.migration")

uploads = sa.table("uploads", sa.column("id", sa.String), sa.column("stored_name", sa.String),
                   sa.column("size", sa.Integer))
chunks = sa.table("upload_chunks", sa.column("upload_id", sa.String),
                  sa.column("seq", sa.Integer), sa.column("data", sa.LargeBinary))


def legacy_folder() -> Path:
    """Where uploads were written before this revision."""
    return Path(current_app.config.get("UPLOAD_DIR")
                or os.path.join(current_app.instance_path, "uploads"))


def upgrade():
    op.create_table(
        'upload_chunks',
        sa.Column('upload_id', sa.String(length=32), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'],
                                name=op.f('fk_upload_chunks_upload_id_uploads'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('upload_id', 'seq', name=op.f('pk_upload_chunks')),
    )
    copy_files_in(op.get_bind(), legacy_folder())


def copy_files_in(conn, folder: Path) -> None:
    rows = conn.execute(sa.select(uploads.c.id, uploads.c.stored_name)).all()
    copied, missing = [], []
    for upload_id, stored_name in rows:
        path = folder / stored_name
        if not path.is_file():
            missing.append(stored_name)
            continue
        data = path.read_bytes()
        for seq, start in enumerate(range(0, len(data), CHUNK_BYTES)):
            conn.execute(chunks.insert().values(upload_id=upload_id, seq=seq,
                                                data=data[start:start + CHUNK_BYTES]))
        stored = b"".join(bytes(piece) for piece in conn.execute(
            sa.select(chunks.c.data).where(chunks.c.upload_id == upload_id)
            .order_by(chunks.c.seq)).scalars())
        if hashlib.sha256(stored).digest() != hashlib.sha256(data).digest():
            raise RuntimeError(f"upload {stored_name} did not read back from the database")
        # The size the row claims is what a download promises: the file is the truth.
        conn.execute(uploads.update().where(uploads.c.id == upload_id).values(size=len(data)))
        copied.append(stored_name)
    for name in missing:
        log.warning("upload file %s is missing from %s: its download answers 404", name, folder)
    if copied:
        (folder / NOTE).write_text(
            f"{len(copied)} uploaded file(s) in this folder were copied into the database\n"
            "(table upload_chunks, migration 0016_uploads) and read back to check them.\n"
            "The site no longer reads this folder. Delete it once a backup (`lms backup`)\n"
            "has been made.\n", encoding="utf-8")
        log.info("copied %d upload(s) from %s into the database; originals kept", len(copied),
                 folder)


def downgrade():
    # Write back any file the folder lacks (uploaded after the upgrade), then drop the bytes.
    conn = op.get_bind()
    folder = legacy_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for upload_id, stored_name in conn.execute(sa.select(uploads.c.id, uploads.c.stored_name)):
        path = folder / stored_name
        if path.is_file():
            continue
        pieces = conn.execute(sa.select(chunks.c.data).where(chunks.c.upload_id == upload_id)
                              .order_by(chunks.c.seq)).scalars().all()
        if pieces:
            path.write_bytes(b"".join(bytes(piece) for piece in pieces))
    (folder / NOTE).unlink(missing_ok=True)
    op.drop_table('upload_chunks')
