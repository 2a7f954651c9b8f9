"""Catalog, course and lesson pages, course files, progress, and the content behind them."""

from __future__ import annotations

import re

import markdown
from click.testing import CliRunner
from sqlalchemy import select

from lms.cli import main as lms_cli
from lms.content.store import ContentStore
from lms.models import LessonProgress
from tests.conftest import login, post_form
from tests.web.helpers import REPO_ROOT, app_on, copy_fixture_content

LESSON = "/courses/getting-started/lessons/welcome"


def mark_done(client, course, lesson, **data):
    return post_form(client, f"/courses/{course}/lessons/{lesson}/done", data,
                     page=f"/courses/{course}/lessons/{lesson}")


# -- catalog and course pages -------------------------------------------------------


def test_catalog_groups_published_courses_by_level_and_track(client, signed_in):
    signed_in("learner")
    html = client.get("/").get_data(as_text=True)
    assert "はじめてのKoemoji" in html and "応用コース" in html
    assert "下書きコース" not in html  # drafts are for trainers and admins
    # Bronze before Silver, each with its track heading and a progress bar.
    assert html.index('id="level-bronze"') < html.index('id="level-silver"')
    assert "core" in html and "technical" in html
    assert '<progress max="100" value="0"' in html


def test_trainers_see_drafts_in_the_catalog(client, signed_in):
    signed_in("trainer")
    assert "下書きコース" in client.get("/").get_data(as_text=True)


def test_course_page_lists_lessons_and_prerequisites(client, signed_in):
    signed_in("learner")
    html = client.get("/courses/advanced").get_data(as_text=True)
    assert "前提コースを修了してから受講します。" in html  # the overview, rendered
    assert 'href="/courses/getting-started"' in html  # the prerequisite, linked
    assert "先に前提コースを修了してください" in html  # locked until then
    assert 'href="/courses/advanced/lessons/deep"' not in html
    html = client.get("/courses/getting-started").get_data(as_text=True)
    assert html.index("ようこそ") < html.index("料金とマージン")  # lesson order by file name
    assert 'href="/courses/getting-started/lessons/welcome"' in html


def test_unknown_course_and_lesson_are_404(client, signed_in):
    signed_in("learner")
    assert client.get("/courses/nope").status_code == 404
    assert client.get("/courses/getting-started/lessons/nope").status_code == 404
    assert client.get("/courses/getting-started/lessons/01-welcome").status_code == 404


def test_pages_need_a_sign_in(client):
    for path in ("/", "/my", "/courses/getting-started", LESSON,
                 "/courses/getting-started/files/media/diagram.svg"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


# -- the lesson page ------------------------------------------------------------------


def test_lesson_page_shows_rendered_and_sanitized_markdown(client, signed_in):
    signed_in("learner")
    response = client.get(LESSON)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<table>" in html and "<td>基本マージン</td>" in html
    # Heading anchors and the table of contents pointing at them.
    assert '<h2 id="概要">概要</h2>' in html
    assert 'href="#概要"' in html and 'href="#詳細"' in html
    # The video becomes a privacy-friendly embed.
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    # The fixture's attack attempts are gone.
    assert 'alert("xss")' not in html and "alert(&#34;xss&#34;)" not in html
    assert "javascript:" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    # Relative links: to the next lesson's page and to the course's own files.
    assert 'href="/courses/getting-started/lessons/pricing"' in html
    assert 'src="/courses/getting-started/files/media/diagram.svg"' in html
    # Previous / next.
    assert 'rel="next" href="/courses/getting-started/lessons/pricing"' in html


def test_admonition_is_rendered(client, signed_in):
    signed_in("learner")
    html = client.get("/courses/getting-started/lessons/pricing").get_data(as_text=True)
    assert '<div class="admonition note">' in html
    assert "ポイント" in html and "<strong>30%</strong>" in html
    assert 'rel="prev" href="/courses/getting-started/lessons/welcome"' in html


def test_mark_as_done_records_progress_and_shows_it(client, signed_in, db):
    user = signed_in("learner")
    response = mark_done(client, "getting-started", "welcome", then="next")
    assert response.status_code == 302
    # "Mark as done and continue" goes on to the next lesson.
    assert response.headers["Location"].endswith("/courses/getting-started/lessons/pricing")
    rows = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user.id)).all()
    assert [(r.course_slug, r.lesson_slug) for r in rows] == [("getting-started", "welcome")]
    course = client.get("/courses/getting-started").get_data(as_text=True)
    assert '<progress max="100" value="50"' in course
    assert "is-done" in course
    # Marking twice is harmless.
    assert mark_done(client, "getting-started", "welcome").status_code == 302
    assert len(db.session.scalars(select(LessonProgress)).all()) == 1


def test_my_learning_lists_started_and_completed_courses(client, signed_in):
    signed_in("learner")
    mark_done(client, "getting-started", "welcome")
    html = client.get("/my").get_data(as_text=True)
    assert "はじめてのKoemoji" in html
    mark_done(client, "getting-started", "pricing")
    html = client.get("/my").get_data(as_text=True)
    assert "はじめてのKoemoji" in html and "応用コース" in html
    assert '<progress max="100" value="100"' in html


def test_prerequisites_lock_the_lessons_until_met(client, signed_in):
    signed_in("learner")
    response = client.get("/courses/advanced/lessons/deep")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/courses/advanced")
    response = post_form(client, "/courses/advanced/lessons/deep/done", page="/courses/advanced")
    assert response.headers["Location"].endswith("/courses/advanced")
    mark_done(client, "getting-started", "welcome")
    mark_done(client, "getting-started", "pricing")
    assert client.get("/courses/advanced/lessons/deep").status_code == 200
    assert "先に前提コースを修了してください" not in client.get("/courses/advanced").get_data(as_text=True)


def test_mark_done_on_an_unknown_lesson_is_404(client, signed_in):
    signed_in("learner")
    response = post_form(client, "/courses/getting-started/lessons/nope/done", page=LESSON)
    assert response.status_code == 404


# -- course files -----------------------------------------------------------------


def test_course_file_is_served_to_signed_in_users_with_nosniff(client, signed_in):
    signed_in("learner")
    response = client.get("/courses/getting-started/files/media/diagram.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<svg" in response.data


def test_course_file_paths_cannot_escape_or_reveal_sources(client, signed_in):
    signed_in("learner")
    for relpath in ("01-welcome.md", "course.md", "../advanced/course.md",
                    "media/../01-welcome.md", "media/missing.png", "%2e%2e/advanced/course.md"):
        response = client.get(f"/courses/getting-started/files/{relpath}")
        assert response.status_code == 404, relpath


# -- content is rendered once, and a broken file does not take the site down ---------


def test_markdown_is_rendered_once_per_file_version_not_per_request(app, db, make, tmp_path,
                                                                   monkeypatch):
    calls = []
    convert = markdown.Markdown.convert

    def counting_convert(self, source):
        calls.append(source)
        return convert(self, source)

    monkeypatch.setattr(markdown.Markdown, "convert", counting_convert)
    content = copy_fixture_content(tmp_path / "content")
    with app_on(app, CONTENT_DIR=str(content)) as other:
        client = other.test_client()
        login(client, make.user("learner", org=make.org()))
        assert client.get(LESSON).status_code == 200
        assert calls, "the first load renders the Markdown"
        calls.clear()
        for _ in range(5):
            assert client.get(LESSON).status_code == 200
            assert client.get("/courses/getting-started").status_code == 200
            assert client.get("/").status_code == 200
        assert calls == []
        # A new version of one file re-renders that file only.
        lesson = content / "courses/getting-started/02-pricing.md"
        lesson.write_text(lesson.read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")
        html = client.get("/courses/getting-started/lessons/pricing").get_data(as_text=True)
        assert "追記。" in html
        assert len(calls) == 1 and "追記。" in calls[0]


def test_broken_file_is_reported_to_trainers_and_the_rest_keeps_working(app, db, make, tmp_path):
    content = copy_fixture_content(tmp_path / "content")
    broken = content / "courses/broken-course"
    broken.mkdir()
    (broken / "course.md").write_text("---\ntitle: [unclosed\n---\n本文\n", encoding="utf-8")
    (content / "courses/getting-started/02-pricing.md").write_text(
        "---\nminutes: lots\n---\n本文\n", encoding="utf-8")
    with app_on(app, CONTENT_DIR=str(content)) as other:
        client = other.test_client()
        login(client, make.user("trainer"))
        status = client.get("/admin/content")
        assert status.status_code == 200
        html = status.get_data(as_text=True)
        assert re.search(r"courses/broken-course/course\.md:\d+", html)
        assert re.search(r"courses/getting-started/02-pricing\.md:\d+", html)
        # Everything else still serves.
        assert client.get("/").status_code == 200
        assert client.get("/courses/advanced").status_code == 200
        assert client.get(LESSON).status_code == 200
        assert client.get("/courses/broken-course").status_code == 404


# -- the repository's demo content --------------------------------------------------


def test_lms_check_passes_on_the_repository_content():
    result = CliRunner().invoke(lms_cli, ["check", "--content", str(REPO_ROOT)])
    assert result.exit_code == 0, result.output


def test_demo_content_covers_the_program():
    store = ContentStore(REPO_ROOT, check_interval=0)
    courses = [c for c in store.courses() if not c.draft]
    assert len(courses) >= 6
    assert {c.level for c in courses} >= {"bronze", "silver", "gold"}
    assert sum(len(c.lessons) for c in courses) >= 25
    assert (REPO_ROOT / "courses/program.yml").is_file()
    program = store.program()
    assert program is not None
    assert [p for p in store.problems() if p.path.startswith("courses/program.yml")
            and not p.message.startswith("warning: ")] == []
    # Every lesson has substance, not a stub.
    for course in courses:
        for lesson in course.lessons:
            assert len(re.sub(r"<[^>]+>", "", lesson.html)) > 400, (course.slug, lesson.slug)
