"""Course files and evidence never run as the site: the headers each type is served with.

The browser side (a page of script opened by an admin, an SVG opened directly) is in
tests/browser/test_course_file_attacks.py.
"""

from __future__ import annotations

import pytest

from lms.security.files import delivery_for
from tests.conftest import login
from tests.web.helpers import app_on, copy_fixture_content
from tests.web.test_security_headers import assert_security_headers

SVG_WITH_SCRIPT = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                   b'<script>document.title="owned"</script><rect width="10" height="10"/></svg>')

# name -> (Content-Type served, shown in place?)
INLINE = {
    "photo.png": "image/png",
    "photo.JPG": "image/jpeg",
    "photo.jpeg": "image/jpeg",
    "anim.gif": "image/gif",
    "pic.webp": "image/webp",
    "clip.mp4": "video/mp4",
    "clip.webm": "video/webm",
    "voice.mp3": "audio/mpeg",
    "voice.ogg": "audio/ogg",
    "voice.wav": "audio/wav",
    "guide.pdf": "application/pdf",
}
ATTACHMENTS = ["promote.html", "page.htm", "promote.js", "style.css", "data.json", "page.xhtml",
               "notes.txt", "archive.zip", "unknown", "feed.xml", "doc.svgz", "trick.png.html"]


@pytest.fixture()
def files_app(app, db, tmp_path):
    content = copy_fixture_content(tmp_path / "content")
    media = content / "courses" / "getting-started" / "media"
    for name in [*INLINE, *ATTACHMENTS]:
        (media / name).write_bytes(b"<html><script>alert(1)</script></html>")
    (media / "evil.svg").write_bytes(SVG_WITH_SCRIPT)
    with app_on(app, CONTENT_DIR=str(content)) as other:
        yield other


@pytest.fixture()
def files_client(files_app, make):
    client = files_app.test_client()
    login(client, make.user("learner"))
    return client


def get(client, name, dest=None):
    headers = {"Sec-Fetch-Dest": dest} if dest else {}
    response = client.get(f"/courses/getting-started/files/media/{name}", headers=headers)
    assert response.status_code == 200, name
    return response


def assert_sandboxed(response, name):
    csp = response.headers["Content-Security-Policy"]
    directives = [d.strip() for d in csp.split(";")]
    assert "sandbox" in directives, (name, csp)  # no allow-scripts, no allow-same-origin
    assert "default-src 'none'" in directives, (name, csp)
    assert "script-src" not in csp and "unsafe-eval" not in csp, (name, csp)
    assert response.headers["X-Content-Type-Options"] == "nosniff", name
    assert_security_headers(response)  # and what every response carries


@pytest.mark.parametrize("name", sorted(INLINE))
@pytest.mark.parametrize("dest", [None, "document", "image", "video"])
def test_media_is_shown_in_place_but_sandboxed(files_client, name, dest):
    response = get(files_client, name, dest)
    assert response.mimetype == INLINE[name]
    assert response.headers["Content-Disposition"].startswith("inline"), name
    assert_sandboxed(response, name)


@pytest.mark.parametrize("name", ATTACHMENTS)
@pytest.mark.parametrize("dest", [None, "document", "iframe", "image", "script"])
def test_everything_else_is_a_download_of_a_type_no_browser_renders(files_client, name, dest):
    response = get(files_client, name, dest)
    assert response.mimetype == "application/octet-stream", name
    assert response.headers["Content-Disposition"].startswith("attachment"), name
    assert_sandboxed(response, name)


def test_svg_is_an_image_only_when_loaded_as_one(files_client):
    as_image = get(files_client, "evil.svg", "image")
    assert as_image.mimetype == "image/svg+xml"
    assert as_image.headers["Content-Disposition"].startswith("inline")
    assert_sandboxed(as_image, "evil.svg")
    assert "Sec-Fetch-Dest" in as_image.headers["Vary"]  # no cached <img> copy reused as a page
    for dest in ("document", "iframe", "embed", "object", "frame"):
        opened = get(files_client, "evil.svg", dest)
        assert opened.mimetype == "application/octet-stream", dest
        assert opened.headers["Content-Disposition"].startswith("attachment"), dest
        assert_sandboxed(opened, dest)
        assert "Sec-Fetch-Dest" in opened.headers["Vary"]


def test_svg_without_fetch_metadata_keeps_its_type_for_img_but_is_a_download(files_client):
    # Browsers send Sec-Fetch-Dest only to secure origins: on a plain-HTTP intranet an
    # <img> must still get image/svg+xml, and opening the file must still download it.
    response = get(files_client, "evil.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert_sandboxed(response, "evil.svg")


def test_the_policy_is_by_extension_case_insensitive():
    assert delivery_for("A.PDF", None).inline and delivery_for("x.Png", "image").inline
    assert not delivery_for("x.SVG", "document").inline
    assert delivery_for("x.SVG", "image").mimetype == "image/svg+xml"
    assert delivery_for(".png", None).mimetype == "application/octet-stream"  # a dotfile name


def test_range_requests_still_work_for_video(files_client):
    response = files_client.get("/courses/getting-started/files/media/clip.mp4",
                                headers={"Range": "bytes=0-5"})
    assert response.status_code == 206 and response.data == b"<html>"
    assert_sandboxed(response, "clip.mp4")


def test_learner_evidence_is_always_downloaded_sandboxed(app, client, make):

    learner = make.user("learner")
    login(client, learner)
    from lms.extensions import db
    from lms.models import Upload
    from lms.services.upload_store import write_chunks

    data = b"%PDF-1.4 <script>alert(1)</script>"
    row = Upload(user_id=learner.id, level="bronze", requirement="paper", filename="paper.pdf",
                 stored_name="a" * 32, content_type="application/pdf", size=len(data))
    db.session.add(row)
    db.session.flush()
    write_chunks(row.id, data)
    db.session.commit()
    for dest in (None, "document", "iframe"):
        response = client.get(f"/uploads/{row.id}",
                              headers={"Sec-Fetch-Dest": dest} if dest else {})
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["Cache-Control"] == "private, no-store"
        assert_sandboxed(response, "evidence")
