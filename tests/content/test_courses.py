"""Course folders: parsing, every kind of broken file with path:line, link rewriting."""

from __future__ import annotations

import pytest

from lms.content.courses import load_course
from lms.content.severity import is_warning
from lms.content.video import parse_video


def messages(problems):
    return [str(p) for p in problems]


def test_healthy_course_loads_with_all_fields(basic_course):
    course, problems = load_course(basic_course, "basics")
    assert problems == []
    assert (course.slug, course.title, course.level, course.track) == \
        ("basics", "Koemoji basics", "bronze", "core")
    assert (course.hours, course.order, course.prerequisites, course.quiz, course.draft) == \
        (4.0, 10, ("partner-program",), "basics-check", False)
    assert course.path == "courses/basics"
    assert 'href="/courses/basics/lessons/intro"' in course.overview_html

    intro, pricing = course.lessons
    assert (intro.slug, intro.title, intro.minutes, intro.position) == ("intro", "Introduction", 15, 0)
    assert (intro.filename, intro.path, intro.course_slug) == \
        ("01-intro.md", "courses/basics/01-intro.md", "basics")
    assert intro.video.kind == "youtube"
    assert intro.video.embed_url == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert intro.toc[0].title == "What it is" and intro.toc[0].level == 2
    assert f'id="{intro.toc[0].id}"' in intro.html
    assert (pricing.slug, pricing.minutes, pricing.video, pricing.position) == ("pricing", None, None, 1)


def test_lookup_and_neighbours(basic_course):
    course, _ = load_course(basic_course, "basics")
    intro, pricing = course.lessons
    assert course.lesson("pricing") is pricing
    assert course.lesson("nope") is None
    assert course.neighbours("intro") == (None, pricing)
    assert course.neighbours("pricing") == (intro, None)
    assert course.neighbours("nope") == (None, None)


def test_defaults_when_keys_are_omitted(write_files, tmp_path):
    write_files(tmp_path, {"courses/c/course.md": "---\ntitle: Only a title\n---\n"})
    course, problems = load_course(tmp_path, "c")
    assert problems == []
    assert (course.level, course.track, course.hours, course.order) == (None, None, None, 100)
    assert (course.prerequisites, course.quiz, course.draft, course.lessons) == ((), None, False, ())


def test_lessons_are_ordered_by_number_then_name(write_files, tmp_path):
    write_files(tmp_path, {
        "courses/c/course.md": "---\ntitle: C\n---\n",
        "courses/c/10-ten.md": "---\ntitle: Ten\n---\n",
        "courses/c/2-two.md": "---\ntitle: Two\n---\n",
        "courses/c/01-one.md": "---\ntitle: One\n---\n",
    })
    course, problems = load_course(tmp_path, "c")
    assert problems == []
    assert [(l.slug, l.position) for l in course.lessons] == [("one", 0), ("two", 1), ("ten", 2)]


BROKEN_COURSE_MD = [
    # (course.md text, expected "path:line: message" prefix)
    # The line of the unclosed "[" itself, not the line where YAML noticed it.
    ("---\ntitle: [unclosed\n---\n", "courses/c/course.md:2: invalid front matter"),
    ("---\nlevel: bronze\n---\nNo title.\n", "courses/c/course.md:1: 'title' is required"),
    ("No front matter at all.\n", "courses/c/course.md:1: 'title' is required"),
    ("---\ntitle: T\nlevel: Bronze\n---\n", "courses/c/course.md:3: 'level' must be a slug"),
    ("---\ntitle: T\nhours: four\n---\n", "courses/c/course.md:3: 'hours' must be a number"),
    ("---\ntitle: T\nhours: -1\n---\n", "courses/c/course.md:3: 'hours' must be at least 0"),
    ("---\ntitle: T\ntrack: core\norder: 1.5\n---\n", "courses/c/course.md:4: 'order' must be a whole number"),
    ("---\ntitle: T\norder: true\n---\n", "courses/c/course.md:3: 'order' must be a whole number"),
    ("---\ntitle: T\nprerequisites: basics\n---\n", "courses/c/course.md:3: 'prerequisites' must be a list"),
    ("---\ntitle: T\nprerequisites: [ok, Bad_Slug]\n---\n",
     "courses/c/course.md:3: 'prerequisites': 'Bad_Slug' is not a slug"),
    ("---\ntitle: T\nprerequisites:\n  - 3\n---\n", "courses/c/course.md:3: 'prerequisites': 3 is not a slug"),
    ("---\ntitle: T\ndraft: 'no'\n---\n", "courses/c/course.md:3: 'draft' must be true or false"),
    ("---\ntitle: T\nquiz: My Quiz\n---\n", "courses/c/course.md:3: 'quiz' must be a slug"),
    ("---\ntitle: T\n\nprerequisite: [a]\n---\n",
     "courses/c/course.md:4: unknown key 'prerequisite' (did you mean 'prerequisites'?)"),
    ("---\ntitle: T\nauthor: me\n---\n", "courses/c/course.md:3: unknown key 'author' (known keys:"),
    ("---\ntitle: T\nlevel: bronze\nNo closing fence\n", "courses/c/course.md:1: front matter opened"),
    ("---\n- a list\n---\n", "courses/c/course.md:2: front matter must be a mapping"),
    ("---\ntitle: 2024-01-01\n---\n", "courses/c/course.md:2: 'title' must be text"),
]


@pytest.mark.parametrize("text, expected", BROKEN_COURSE_MD)
def test_broken_course_md_is_not_loaded_and_says_where(write_files, tmp_path, text, expected):
    write_files(tmp_path, {"courses/c/course.md": text, "courses/c/01-fine.md": "---\ntitle: F\n---\n"})
    course, problems = load_course(tmp_path, "c")
    assert course is None
    assert any(m.startswith(expected) for m in messages(problems)), messages(problems)
    assert not any(is_warning(p) for p in problems)


def test_course_md_not_utf8_reports_the_line(tmp_path):
    (tmp_path / "courses/c").mkdir(parents=True)
    (tmp_path / "courses/c/course.md").write_bytes(b"---\ntitle: T\n---\nok\n\xff\xfe broken\n")
    course, problems = load_course(tmp_path, "c")
    assert course is None
    assert messages(problems) == ["courses/c/course.md:5: the file is not valid UTF-8 text"]


def test_missing_course_md_and_bad_folder_name(write_files, tmp_path):
    write_files(tmp_path, {"courses/empty/01-x.md": "---\ntitle: X\n---\n",
                           "courses/Bad_Name/course.md": "---\ntitle: T\n---\n"})
    assert messages(load_course(tmp_path, "empty")[1]) == \
        ["courses/empty/course.md:0: missing: every course folder needs a course.md"]
    course, problems = load_course(tmp_path, "Bad_Name")
    assert course is None
    assert messages(problems)[0].startswith("courses/Bad_Name:0: a course folder name must be a slug")


def test_broken_lesson_is_left_out_and_reported(basic_course, write_files):
    write_files(basic_course, {"courses/basics/01-intro.md": "---\nminutes: ten\n---\nBody\n"})
    course, problems = load_course(basic_course, "basics")
    assert [l.slug for l in course.lessons] == ["pricing"]
    assert course.lessons[0].position == 0
    assert set(messages(problems)) >= {
        "courses/basics/01-intro.md:1: 'title' is required",
        "courses/basics/01-intro.md:2: 'minutes' must be a whole number, not 'ten'",
    }


@pytest.mark.parametrize("text, expected", [
    ("---\ntitle: L\nvideo: https://example.com/watch?v=1\n---\n", "courses/c/01-l.md:3: unsupported video URL"),
    ("---\ntitle: L\nminutes: 5\nvideo: https://www.youtube.com/watch?v=short\n---\n",
     "courses/c/01-l.md:4: no YouTube video id"),
    ("---\ntitle: L\nvideo: http://example.com/v.mp4\n---\n", "courses/c/01-l.md:3: an .mp4 video must be"),
    ("---\ntitle: L\nvideo: ../other/v.mp4\n---\n", "courses/c/01-l.md:3: an .mp4 video must be"),
    ("---\ntitle: L\nvideo: [a, b]\n---\n", "courses/c/01-l.md:3: video must be a URL"),
    ("---\ntitle: L\nvideos: https://youtu.be/dQw4w9WgXcQ\n---\n", "courses/c/01-l.md:3: unknown key 'videos'"),
    ("---\ntitle: [L\n---\n", "courses/c/01-l.md:2: invalid front matter"),
    ("---\ntitle: L\n", "courses/c/01-l.md:1: front matter opened with '---' is never closed"),
])
def test_broken_lessons(write_files, tmp_path, text, expected):
    write_files(tmp_path, {"courses/c/course.md": "---\ntitle: C\n---\n", "courses/c/01-l.md": text})
    course, problems = load_course(tmp_path, "c")
    assert course is not None and course.lessons == ()
    assert any(m.startswith(expected) for m in messages(problems)), messages(problems)


def test_duplicate_lesson_slug_keeps_the_first(write_files, tmp_path):
    write_files(tmp_path, {
        "courses/c/course.md": "---\ntitle: C\n---\n",
        "courses/c/01-intro.md": "---\ntitle: First\n---\n",
        "courses/c/03-intro.md": "---\ntitle: Second\n---\n",
    })
    course, problems = load_course(tmp_path, "c")
    assert [l.title for l in course.lessons] == ["First"]
    assert messages(problems) == ["courses/c/03-intro.md:0: lesson slug 'intro' is already used "
                                  "by 01-intro.md; this lesson is left out"]


def test_badly_named_markdown_files(write_files, tmp_path):
    write_files(tmp_path, {
        "courses/c/course.md": "---\ntitle: C\n---\n",
        "courses/c/01_intro.md": "---\ntitle: Typo\n---\n",
        "courses/c/02-Pricing.md": "---\ntitle: Typo\n---\n",
        "courses/c/notes.md": "scratch",
        "courses/c/media/01-not-a-lesson.md": "---\ntitle: X\n---\n",
    })
    course, problems = load_course(tmp_path, "c")
    assert course.lessons == ()
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {"courses/c/01_intro.md", "courses/c/02-Pricing.md", "courses/c/notes.md"}
    assert not is_warning(by_path["courses/c/01_intro.md"])
    assert not is_warning(by_path["courses/c/02-Pricing.md"])
    assert is_warning(by_path["courses/c/notes.md"])


@pytest.mark.parametrize("url, kind, embed", [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ?t=90", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90"),
    ("https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=1m30s", "youtube",
     "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90"),
    ("https://www.youtube.com/embed/dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "vimeo", "https://player.vimeo.com/video/76979871"),
    ("https://vimeo.com/76979871/abc123def0", "vimeo", "https://player.vimeo.com/video/76979871?h=abc123def0"),
    ("https://player.vimeo.com/video/76979871?h=abc123", "vimeo", "https://player.vimeo.com/video/76979871?h=abc123"),
    ("https://vimeo.com/channels/staffpicks/76979871", "vimeo", "https://player.vimeo.com/video/76979871"),
    ("https://cdn.example.com/videos/intro.MP4", "mp4", "https://cdn.example.com/videos/intro.MP4"),
])
def test_video_urls(url, kind, embed):
    video = parse_video(url)
    assert (video.kind, video.url, video.embed_url) == (kind, url, embed)


@pytest.mark.parametrize("url", [
    "https://example.com/video", "javascript:alert(1)", "https://www.youtube.com/watch?v=x",
    "https://www.youtube.com/feed", "https://vimeo.com/about", "ftp://example.com/a.mp4", "", None, 42,
])
def test_unsupported_video_urls(url):
    with pytest.raises(ValueError):
        parse_video(url)


def test_relative_mp4_is_served_from_the_course_folder(write_files, tmp_path):
    write_files(tmp_path, {
        "courses/c/course.md": "---\ntitle: C\n---\n",
        "courses/c/01-l.md": "---\ntitle: L\nvideo: media/intro.mp4\n---\n",
    })
    course, problems = load_course(tmp_path, "c")
    assert problems == []
    assert course.lessons[0].video.embed_url == "/courses/c/files/media/intro.mp4"


LINKS_LESSON = """\
---
title: Links
---
[same course](02-pricing.md) and [anchored](02-pricing.md#tiers)

[other course](../other/01-x.md) and [other course page](../other/course.md)

![image](media/diagram.png) [pdf](docs/guide%20v2.pdf?download=1#page=2) [dot](./media/a.png)

[absolute](https://example.com/a.md) [anchor](#top) [mail](mailto:a@example.com) [site](/catalog)

[mine](course.md)
"""


def test_relative_links_are_rewritten(write_files, tmp_path):
    write_files(tmp_path, {
        "courses/c/course.md": "---\ntitle: C\n---\n",
        "courses/c/01-links.md": LINKS_LESSON,
        "courses/c/02-pricing.md": "---\ntitle: P\n---\n",
    })
    course, problems = load_course(tmp_path, "c")
    assert problems == []
    html = course.lessons[0].html
    for expected in [
        'href="/courses/c/lessons/pricing"',
        'href="/courses/c/lessons/pricing#tiers"',
        'href="/courses/other/lessons/x"',
        'href="/courses/other"',
        'src="/courses/c/files/media/diagram.png"',
        'href="/courses/c/files/docs/guide%20v2.pdf?download=1#page=2"',
        'href="/courses/c/files/media/a.png"',
        'href="https://example.com/a.md"',
        'href="#top"',
        'href="mailto:a@example.com"',
        'href="/catalog"',
        'href="/courses/c"',
    ]:
        assert expected in html, expected
    # Links to other courses are kept for the store's cross-check.
    assert {(r.course, r.filename, r.line) for r in course.links} == \
        {("other", "01-x.md", 6), ("other", "course.md", 6)}


def test_links_to_missing_lessons_and_outside_are_warnings_with_lines(write_files, tmp_path):
    write_files(tmp_path, {
        "courses/c/course.md": "---\ntitle: C\n---\nSee [later](03-later.md).\n",
        "courses/c/01-l.md": ("---\ntitle: L\n---\nIntro\n\n[fine](01-l.md)\n\n[gone](02-gone.md#x)\n\n"
                              "[readme](../../README.md) [notes](media/notes.md)\n"),
    })
    course, problems = load_course(tmp_path, "c")
    assert course is not None and len(course.lessons) == 1
    assert all(is_warning(p) for p in problems)
    assert sorted(messages(problems)) == [
        "courses/c/01-l.md:10: warning: link '../../README.md' leaves the course folders; "
        "it will not work on the site",
        "courses/c/01-l.md:10: warning: link 'media/notes.md' points to a Markdown file that is "
        "not a lesson (lesson files are named NN-<slug>.md)",
        "courses/c/01-l.md:8: warning: link to 02-gone.md, which is not a lesson of this course",
        "courses/c/course.md:4: warning: link to 03-later.md, which is not a lesson of this course",
    ]


def test_link_to_a_broken_lesson_is_reported_too(write_files, tmp_path):
    write_files(tmp_path, {
        "courses/c/course.md": "---\ntitle: C\n---\n\n[b](02-b.md)\n",
        "courses/c/02-b.md": "---\nnope: 1\n---\n",
    })
    _, problems = load_course(tmp_path, "c")
    assert "courses/c/course.md:5: warning: link to 02-b.md, which is not a lesson of this course" \
        in messages(problems)


def test_script_in_lesson_is_sanitized(write_files, tmp_path):
    write_files(tmp_path, {
        "courses/c/course.md": "---\ntitle: C\n---\n<script>alert(1)</script>\n",
        "courses/c/01-l.md": "---\ntitle: L\n---\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n",
    })
    course, _ = load_course(tmp_path, "c")
    assert "<script" not in course.overview_html
    assert "javascript:" not in course.lessons[0].html and "onerror" not in course.lessons[0].html
