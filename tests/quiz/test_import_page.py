"""The trainers' Moodle import page: upload, read the report, then save."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest

from lms.models import Attempt
from tests.conftest import csrf_token, login
from tests.web.helpers import app_on, copy_fixture_content

GIFT = Path(__file__).parents[1] / "fixtures" / "moodle" / "gift-docs.txt"


@pytest.fixture()
def trainer_site(app, db, make, tmp_path):
    content = copy_fixture_content(tmp_path / "content")
    with app_on(app, CONTENT_DIR=str(content)) as other:
        client = other.test_client()
        login(client, make.user("trainer"))
        yield client, content


def _post(client, action, **fields):
    data = {"csrf_token": csrf_token(client, "/quizzes/import"), "format": "gift",
            "slug": "moodle-docs", "title": "Moodle の例", "action": action, **fields}
    return client.post("/quizzes/import", data=data, content_type="multipart/form-data")


def test_upload_shows_the_report_and_the_keys_and_writes_nothing(trainer_site, db):
    client, content = trainer_site
    response = _post(client, "check", file=(io.BytesIO(GIFT.read_bytes()), "gift-docs.txt"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    lines = re.findall(r'<td class="num">(\d+)</td>', page)
    assert lines == ["15", "24", "75", "81", "91", "93"] and "gift-docs.txt" in page
    assert "組み合わせ問題はクイズファイルでは表現できない" in page  # the UI's language
    assert "is-correct" in page  # keys are shown to the trainer
    assert re.search(r"50%</span>", page)  # the weights of the weighted question
    assert not (content / "quizzes/moodle-docs.md").exists()
    assert db.session.query(Attempt).count() == 0


def test_save_writes_the_quiz_then_learners_see_it_without_keys(trainer_site, make, app):
    client, content = trainer_site
    checked = _post(client, "check", file=(io.BytesIO(GIFT.read_bytes()), "gift-docs.txt"))
    source = re.search(r'name="source" value="([^"]*)"', checked.get_data(as_text=True))
    assert source
    saved = _post(client, "save", source=html.unescape(source[1]), filename="gift-docs.txt")
    assert saved.status_code == 302 and "/preview/quizzes/moodle-docs" in saved.location
    text = (content / "quizzes/moodle-docs.md").read_text(encoding="utf-8")
    assert text.startswith('---\ntitle: "Moodle の例"\n')
    again = _post(client, "save", source=html.unescape(source[1]))
    assert again.status_code == 422  # never replaces a quiz
    with app_on(app, CONTENT_DIR=str(content)) as other:
        learner = other.test_client()
        login(learner, make.user("learner", org=make.org()))
        page = learner.get("/quizzes/moodle-docs").get_data(as_text=True)
        assert "Moodle の例" in page and "is-correct" not in page
        assert learner.get("/quizzes/import").status_code in (403, 404)


def test_a_bad_slug_or_no_file_is_told_and_nothing_converted(trainer_site):
    client, _ = trainer_site
    response = _post(client, "check", slug="Bad Slug")
    assert response.status_code == 422
    assert "report-heading" not in response.get_data(as_text=True)
