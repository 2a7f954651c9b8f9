"""Evidence bytes live in the database: large files stream back whole, the migration
moves the files earlier releases wrote to the instance folder, and backups carry them."""

from __future__ import annotations

import io
import os

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.models import Upload, UploadChunk
from lms.services import accounts, upload_store
from lms.services.upload_store import CHUNK_BYTES
from tests.conftest import PASSWORD, csrf_token, login
from tests.web.helpers import sqlite_app

PDF_HEAD = b"%PDF-1.4\n"


def test_a_file_of_several_pieces_streams_back_whole(app, client, make, monkeypatch):
    # Small pieces, so a file under this app's 64 KiB limit has several.
    monkeypatch.setattr(upload_store, "CHUNK_BYTES", 16 * 1024)
    learner = make.user("learner", org=make.org("alpha"))
    login(client, learner)
    data = PDF_HEAD + os.urandom(2 * 16 * 1024 + 1234)
    token = csrf_token(client, "/certifications")
    posted = client.post("/certifications/uploads", data={
        "target": "gold:paper", "file": (io.BytesIO(data), "big.pdf"), "csrf_token": token},
        content_type="multipart/form-data")
    assert posted.status_code == 303
    row = _db.session.scalars(select(Upload).where(Upload.user_id == learner.id)).one()
    pieces = _db.session.scalar(select(func.count()).where(UploadChunk.upload_id == row.id))
    assert pieces == 3
    got = client.get(f"/uploads/{row.id}")
    assert got.status_code == 200 and got.data == data
    assert got.headers["Content-Length"] == str(len(data))
    assert got.headers["Cache-Control"] == "private, no-store"
    assert got.headers["Content-Disposition"] == 'attachment; filename=big.pdf'


def test_a_japanese_file_name_is_kept_for_the_download(app, client, make):
    learner = make.user("learner", org=make.org("alpha"))
    login(client, learner)
    token = csrf_token(client, "/certifications")
    client.post("/certifications/uploads", data={
        "target": "gold:paper", "file": (io.BytesIO(PDF_HEAD + b"x"), "論文.pdf"),
        "csrf_token": token}, content_type="multipart/form-data")
    row = _db.session.scalars(select(Upload).where(Upload.user_id == learner.id)).one()
    got = client.get(f"/uploads/{row.id}")
    assert got.status_code == 200
    assert "filename*=UTF-8''%E8%AB%96%E6%96%87.pdf" in got.headers["Content-Disposition"]


def _site_with_uploads_on_disk(app, folder):
    """A site at the release before uploads moved: two upload rows, one file on disk."""
    migrations = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=migrations, revision="0014_webhooks")
        accounts.create_organization("acme", "Acme", actor_id=None)
        accounts.create_users([accounts.NewUser(email="a@example.com", name="A", role="learner",
                                                org_slug="acme", password=PASSWORD)],
                              actor_id=None)
        user_id = _db.session.scalar(select(accounts.User.id))
        for stored in ("a" * 32, "b" * 32):
            _db.session.add(Upload(id=stored[:8], user_id=user_id, level="gold",
                                   requirement="paper", filename="paper.pdf",
                                   stored_name=stored, content_type="application/pdf", size=1))
        _db.session.commit()
        _db.session.remove()
    folder.mkdir()
    kept = PDF_HEAD + os.urandom(CHUNK_BYTES + 10)
    (folder / ("a" * 32)).write_bytes(kept)  # the other file went missing before the upgrade
    return migrations, kept


def test_the_migration_moves_files_into_the_database_and_keeps_the_originals(tmp_path):
    folder = tmp_path / "uploads"
    with sqlite_app(tmp_path, UPLOAD_DIR=str(folder)) as app:
        migrations, kept = _site_with_uploads_on_disk(app, folder)
        with app.app_context():
            upgrade(directory=migrations)
        assert (folder / ("a" * 32)).read_bytes() == kept  # the original stays until deleted
        assert "lms backup" in (folder / "MOVED-TO-DATABASE.txt").read_text()
        (folder / ("a" * 32)).unlink()  # the site no longer reads the folder
        with app.app_context():
            client = app.test_client()
            token = csrf_token(client, "/login")
            client.post("/login", data={"email": "a@example.com", "password": PASSWORD,
                                         "csrf_token": token})
            got = client.get("/uploads/aaaaaaaa")
            assert got.status_code == 200 and got.data == kept
            assert got.headers["Content-Length"] == str(len(kept))  # the file's, not the row's
            assert client.get("/uploads/bbbbbbbb").status_code == 404  # missing: still 404


def test_the_downgrade_writes_back_files_uploaded_after_the_upgrade(tmp_path):
    folder = tmp_path / "uploads"
    with sqlite_app(tmp_path, UPLOAD_DIR=str(folder)) as app:
        migrations, kept = _site_with_uploads_on_disk(app, folder)
        with app.app_context():
            upgrade(directory=migrations)
            (folder / ("a" * 32)).unlink()
            downgrade(directory=migrations, revision="0014_webhooks")
        assert (folder / ("a" * 32)).read_bytes() == kept
        assert not (folder / "MOVED-TO-DATABASE.txt").exists()
