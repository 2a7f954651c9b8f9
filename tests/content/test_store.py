"""The content store: cross-checks, refresh of changed files only, assets, robustness."""

from __future__ import annotations

import os
import threading

import pytest

import lms.content.courses as courses_module
import lms.content.store as store_module
from lms.content.severity import errors, is_warning
from lms.content.store import ContentStore, check

QUIZ = "---\ntitle: Check\n---\n## One?\n- (x) a\n- ( ) b\n"
PROGRAM = """\
certifications:
  bronze:
    title: Bronze
    courses: [basics]
    exams: {basics-check: 80}
    valid_for: 2y
tiers:
  registered: {title: Registered}
margin:
  base: 30
  max: 40
"""


def course_md(title="T", **keys):
    lines = [f"title: {title}"] + [f"{k}: {v}" for k, v in keys.items()]
    return "---\n" + "\n".join(lines) + "\n---\nOverview\n"


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def root(basic_course, write_files):
    """basics (needs partner-program, quiz basics-check), partner-program, a quiz, a program."""
    return write_files(basic_course, {
        "courses/partner-program/course.md": course_md("Partner program", order=5),
        "courses/partner-program/01-types.md": "---\ntitle: Types\n---\nBody\n",
        "quizzes/basics-check.md": QUIZ,
        "courses/program.yml": PROGRAM,
    })


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(root, clock):
    return ContentStore(root, check_interval=2.0, clock=clock)


@pytest.fixture
def render_calls(monkeypatch):
    """Counts Markdown renders done by the course loader."""
    calls = []
    real = courses_module.render_markdown

    def counting(text, rewrite_url=None):
        calls.append(text)
        return real(text, rewrite_url=rewrite_url)

    monkeypatch.setattr(courses_module, "render_markdown", counting)
    return calls


def test_everything_loads(store):
    assert store.problems() == ()
    assert [c.slug for c in store.courses()] == ["partner-program", "basics"]  # order 5, then 10
    assert store.course("basics").title == "Koemoji basics"
    assert store.course("nope") is None
    assert [q.slug for q in store.quizzes()] == ["basics-check"]
    assert store.quiz("basics-check").title == "Check"
    assert store.quiz("nope") is None
    assert store.program().certifications[0].level == "bronze"
    assert store.version == 1


def test_courses_sorted_by_order_then_slug_with_drafts(tmp_path, write_files):
    write_files(tmp_path, {
        "courses/b/course.md": course_md(order=1),
        "courses/a/course.md": course_md(order=1, draft="true"),
        "courses/c/course.md": course_md(),
        "courses/d/course.md": course_md(order=-3),
    })
    store = ContentStore(tmp_path)
    assert [c.slug for c in store.courses()] == ["d", "a", "b", "c"]
    assert store.course("a").draft is True


def test_empty_or_missing_root(tmp_path):
    assert ContentStore(tmp_path).courses() == ()
    assert ContentStore(tmp_path).problems() == ()
    missing = ContentStore(tmp_path / "nope")
    assert missing.courses() == () and missing.program() is None
    assert [p.message for p in missing.problems()] == ["the content root does not exist"]


def test_program_is_optional(root):
    os.remove(root / "courses/program.yml")
    store = ContentStore(root)
    assert store.program() is None
    assert store.problems() == ()


def test_missing_prerequisite_and_quiz_are_reported_at_their_lines(root, write_files):
    write_files(root, {"courses/basics/course.md": course_md(
        "B", level="bronze", prerequisites="[partner-program, nowhere]", quiz="no-such-quiz")})
    problems = [str(p) for p in ContentStore(root).problems()]
    assert problems == [
        "courses/basics/course.md:4: prerequisite 'nowhere' is not a course "
        "(no courses/nowhere/course.md)",
        "courses/basics/course.md:5: quiz 'no-such-quiz' does not exist (no quizzes/no-such-quiz.md)",
        # The program still names basics-check, which is now unused but present: no problem.
    ]


def test_reference_to_a_broken_file_is_not_reported_twice(root, write_files):
    write_files(root, {"courses/partner-program/course.md": "---\nlevel: gold\n---\n",
                       "quizzes/basics-check.md": "---\ntitle: Q\n---\nno questions\n"})
    store = ContentStore(root)
    paths = {p.path for p in errors(store.problems())}
    assert "courses/basics/course.md" not in paths
    assert {"courses/partner-program/course.md", "quizzes/basics-check.md"} <= paths
    assert store.course("basics") is not None and store.course("partner-program") is None


def test_prerequisite_cycle_and_self_reference(tmp_path, write_files):
    write_files(tmp_path, {
        "courses/a/course.md": course_md(prerequisites="[b]"),
        "courses/b/course.md": course_md(track="x", prerequisites="[c]"),
        "courses/c/course.md": course_md(prerequisites="[a]"),
        "courses/d/course.md": course_md(prerequisites="[d]"),
    })
    assert [str(p) for p in ContentStore(tmp_path).problems()] == [
        "courses/a/course.md:3: prerequisites form a cycle, so none of these courses can be "
        "started: a -> b -> c -> a",
        "courses/d/course.md:3: a course cannot be its own prerequisite",
    ]


def test_draft_prerequisite_of_a_published_course_is_a_warning(tmp_path, write_files):
    write_files(tmp_path, {
        "courses/a/course.md": course_md(prerequisites="[b]"),
        "courses/b/course.md": course_md(draft="true"),
    })
    (problem,) = ContentStore(tmp_path).problems()
    assert is_warning(problem) and (problem.path, problem.line) == ("courses/a/course.md", 3)


def test_links_between_courses_are_checked(root, write_files):
    write_files(root, {"courses/basics/02-pricing.md": (
        "---\ntitle: P\n---\n[ok](../partner-program/01-types.md)\n\n"
        "[gone](../partner-program/09-gone.md)\n[no course](../nowhere/01-x.md)\n")})
    problems = [str(p) for p in ContentStore(root).problems()]
    assert problems == [
        "courses/basics/02-pricing.md:6: warning: link to 09-gone.md, which is not a lesson "
        "of course 'partner-program'",
        "courses/basics/02-pricing.md:7: warning: link to course 'nowhere', which does not exist",
    ]


def test_program_cross_references_use_loaded_content(root, write_files):
    os.remove(root / "quizzes/basics-check.md")
    problems = [str(p) for p in ContentStore(root).problems()]
    assert any(p.startswith("courses/program.yml:5: certification 'bronze': unknown quiz") for p in problems)


def test_quiz_with_a_bad_file_name_is_reported(root, write_files):
    write_files(root, {"quizzes/Bad_Name.md": QUIZ, "quizzes/notes.txt": "ignored",
                       "quizzes/.hidden.md": "ignored"})
    store = ContentStore(root)
    assert [(p.path, p.line) for p in store.problems()] == [("quizzes/Bad_Name.md", 0)]
    assert [q.slug for q in store.quizzes()] == ["basics-check"]


def test_refresh_waits_for_the_interval(store, root, write_files, clock):
    assert store.course("basics").title == "Koemoji basics"
    write_files(root, {"courses/basics/course.md": course_md("Renamed")})
    clock.now += 1.0
    assert store.course("basics").title == "Koemoji basics"  # not due yet
    clock.now += 1.5
    assert store.course("basics").title == "Renamed"
    assert store.version == 2


def test_refresh_reparses_only_changed_files(store, root, write_files, clock, render_calls):
    before = {c.slug: c for c in store.courses()}
    assert len(render_calls) == 5  # two course.md + three lessons, once each
    clock.now += 10
    assert store.refresh() is False  # nothing changed: no parsing at all
    assert len(render_calls) == 5 and store.version == 1

    write_files(root, {"courses/basics/02-pricing.md": "---\ntitle: Pricing v2\n---\nNew body\n"})
    clock.now += 10
    assert store.refresh() is True
    assert render_calls[5:] == ["New body\n"]  # the one changed file, nothing else
    assert store.version == 2
    after = {c.slug: c for c in store.courses()}
    assert after["partner-program"] is before["partner-program"]
    assert after["basics"] is not before["basics"]
    assert after["basics"].lesson("pricing").title == "Pricing v2"
    # The unchanged lesson was not rendered again: it keeps the very same HTML object.
    assert after["basics"].lesson("intro").html is before["basics"].lesson("intro").html


def test_rendered_once_same_objects_across_calls(store, clock):
    lesson = store.course("basics").lesson("intro")
    for _ in range(3):
        clock.now += 10
        assert store.course("basics").lesson("intro") is lesson
        assert store.courses()[1] is store.course("basics")


def test_new_and_removed_courses_are_picked_up(store, root, write_files, clock):
    assert store.course("new") is None
    write_files(root, {"courses/new/course.md": course_md("New"),
                       "courses/new/01-a.md": "---\ntitle: A\n---\n"})
    clock.now += 10
    assert store.course("new").lessons[0].slug == "a"
    write_files(root, {"courses/new/02-b.md": "---\ntitle: B\n---\n"})
    clock.now += 10
    assert [l.slug for l in store.course("new").lessons] == ["a", "b"]
    os.remove(root / "courses/new/01-a.md")
    clock.now += 10
    assert [(l.slug, l.position) for l in store.course("new").lessons] == [("b", 0)]
    for name in ("02-b.md", "course.md"):
        os.remove(root / "courses/new" / name)
    os.rmdir(root / "courses/new")
    clock.now += 10
    assert store.course("new") is None
    assert store.version == 5


def test_force_refresh_ignores_the_interval(store, root, write_files):
    store.courses()
    write_files(root, {"quizzes/second.md": QUIZ})
    assert store.quiz("second") is None
    store.refresh(force=True)
    assert store.quiz("second").slug == "second"


def test_a_file_breaking_later_keeps_its_last_good_version(store, root, write_files, clock):
    before = store.course("partner-program")
    write_files(root, {"courses/partner-program/course.md": "---\ntitle: [oops\n---\n"})
    clock.now += 10
    assert store.course("partner-program") is before  # the last valid version is served
    assert store.course("basics") is not None
    (problem,) = store.problems()
    # Line 2 holds the unclosed "[": the mistake, not where YAML noticed it.
    assert (problem.path, problem.line) == ("courses/partner-program/course.md", 2)
    assert problem.message.startswith("invalid front matter")
    assert store.stale() == ("courses/partner-program",)


def test_each_kind_of_file_keeps_serving_its_last_good_version(store, root, write_files, clock):
    quiz, program_before = store.quiz("basics-check"), store.program()
    write_files(root, {"quizzes/basics-check.md": QUIZ.replace("- (x) a", "- ( ) a")})
    clock.now += 10
    assert store.quiz("basics-check") is quiz
    assert store.stale() == ("quizzes/basics-check.md",)
    write_files(root, {"quizzes/basics-check.md": QUIZ.replace("One?", "Two?")})
    clock.now += 10
    fixed = store.quiz("basics-check")
    assert fixed.questions[0].stem == "Two?" and store.stale() == () and store.problems() == ()
    write_files(root, {"quizzes/basics-check.md": "---\ntitle: [x\n---\n## Q\n= a\n"})
    clock.now += 10
    assert store.quiz("basics-check") is fixed  # the newest good version, not the first
    assert program_before is not None
    write_files(root, {"courses/program.yml": "certifications: [bronze\n"})
    clock.now += 10
    assert store.program() is program_before
    assert "courses/program.yml" in store.stale()


def test_a_broken_lesson_keeps_the_whole_course_as_it_was(store, root, write_files, clock):
    before = store.course("basics")
    lesson = next(iter(sorted((root / "courses/basics").glob("0*.md"))))
    write_files(root, {f"courses/basics/{lesson.name}": "---\nminutes: many\n---\n"})
    clock.now += 10
    assert store.course("basics") is before
    assert store.stale() == ("courses/basics",)


def test_a_new_file_that_never_parsed_is_absent(store, root, write_files, clock):
    store.courses()
    write_files(root, {"quizzes/new-one.md": "---\ntitle: [x\n---\n"})
    clock.now += 10
    assert store.quiz("new-one") is None and store.stale() == ()
    assert [p.line for p in store.problems()] == [2]


def test_a_crashing_parser_becomes_a_problem(root, monkeypatch):
    def explode(path, text):
        raise RuntimeError("bug")

    monkeypatch.setattr(store_module, "parse_quiz", explode)
    store = ContentStore(root)
    assert "quizzes/basics-check.md:0: internal error while reading this file (RuntimeError); " \
        "please report it" in [str(p) for p in store.problems()]
    assert store.quiz("basics-check") is None
    assert store.course("basics") is not None


def test_concurrent_readers_during_changes(store, root, write_files, clock):
    failures = []

    def read():
        try:
            for _ in range(200):
                assert store.course("basics") is not None
                store.problems()
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for n in range(20):
        write_files(root, {"courses/basics/02-pricing.md": f"---\ntitle: P{n}\n---\n" + "x" * n})
        clock.now += 10
    for thread in threads:
        thread.join()
    assert failures == []
    clock.now += 10
    assert store.course("basics").lesson("pricing").title == "P19"


def test_check_validates_from_scratch(root, write_files):
    assert check(root) == []
    write_files(root, {"courses/basics/01-intro.md": "---\ntitle: I\nlevel: gold\n---\n"})
    assert [str(p) for p in check(root)] == [
        "courses/basics/01-intro.md:3: unknown key 'level' (known keys: minutes, title, video)",
        # course.md links the broken lesson, which is not served until it is fixed.
        "courses/basics/course.md:11: warning: link to 01-intro.md, which is not a lesson of this course"]


# -- assets ------------------------------------------------------------------------

@pytest.fixture
def assets(root, write_files, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("secret")
    write_files(root, {
        "courses/basics/media/sub/guide.pdf": "PDF",
        "courses/basics/.env": "SECRET=1",
        "courses/basics/.git/config": "x",
        "courses/basics/media/.hidden.png": "x",
        "courses/other-secret.txt": "x",
    })
    media = root / "courses/basics/media"
    (media / "escape.txt").symlink_to(outside / "secret.txt")
    (media / "escape-dir").symlink_to(outside, target_is_directory=True)
    (media / "inside.png").symlink_to(media / "diagram.png")
    (media / "lesson.png").symlink_to(root / "courses/basics/01-intro.md")
    (media / "loop").symlink_to(media / "loop")
    return root


def test_asset_path_serves_files_inside_the_course(assets):
    store = ContentStore(assets)
    assert store.asset_path("basics", "media/diagram.png") == \
        (assets / "courses/basics/media/diagram.png").resolve()
    assert store.asset_path("basics", "media/sub/guide.pdf").read_text() == "PDF"
    assert store.asset_path("basics", "media/inside.png") is not None  # symlink within the folder


@pytest.mark.parametrize("slug, relpath", [
    ("basics", "course.md"), ("basics", "01-intro.md"), ("basics", "01-INTRO.MD"),
    ("basics", ".env"), ("basics", ".git/config"), ("basics", "media/.hidden.png"),
    ("basics", "../other-secret.txt"), ("basics", "media/../../other-secret.txt"),
    ("basics", "media/../course.md"), ("basics", "/etc/passwd"), ("basics", "//etc/passwd"),
    ("basics", "media\\..\\course.md"), ("basics", "media/escape.txt"),
    ("basics", "media/escape-dir/secret.txt"), ("basics", "media/lesson.png"),
    ("basics", "media/loop"), ("basics", "media"), ("basics", "media/"), ("basics", ""),
    ("basics", "media/missing.png"), ("basics", "media/diagram.png\0.txt"), ("basics", "./media/diagram.png"),
    ("..", "courses/basics/media/diagram.png"), ("nope", "media/diagram.png"),
    ("Basics", "media/diagram.png"), ("", "basics/media/diagram.png"),
])
def test_asset_path_refuses_everything_else(assets, slug, relpath):
    assert ContentStore(assets).asset_path(slug, relpath) is None


def test_course_levels_are_the_programs_certifications(write_files, tmp_path):
    # Levels are whatever program.yml names (bronze/silver/gold are only the demo's).
    program = PROGRAM.replace("  bronze:", "  associate:")
    write_files(tmp_path, {
        "courses/basics/course.md": course_md("Basics", level="associate"),
        "courses/other/course.md": "---\ntitle: Other\nlevel: platinum\n---\n",
        "quizzes/basics-check.md": QUIZ,
        "courses/program.yml": program,
    })
    store = ContentStore(tmp_path, check_interval=0)
    assert store.course("basics").level == "associate"
    assert store.course("other") is not None  # reported, still served
    assert [str(p) for p in errors(store.problems())] == [
        "courses/other/course.md:3: 'level' must be one of associate, not 'platinum'"]


def test_course_levels_without_a_program_are_spec_levels(write_files, tmp_path):
    write_files(tmp_path, {"courses/c/course.md": "---\ntitle: C\nlevel: platinum\n---\n"})
    assert [str(p) for p in check(tmp_path)] == [
        "courses/c/course.md:3: 'level' must be one of bronze, silver, gold, not 'platinum'"]


def test_a_restart_while_a_file_is_broken_still_serves_its_last_good_version(
        root, write_files, tmp_path):
    keep = tmp_path / "kept"
    first = ContentStore(root, check_interval=0, keep_dir=keep)
    course, quiz, program = first.course("partner-program"), first.quiz("basics-check"), first.program()
    assert course and quiz and program
    write_files(root, {"courses/partner-program/course.md": "---\ntitle: [oops\n---\n",
                       "quizzes/basics-check.md": QUIZ.replace("- (x) a", "- ( ) a"),
                       "courses/program.yml": "certifications: [bronze\n"})
    restarted = ContentStore(root, check_interval=0, keep_dir=keep)
    assert restarted.course("partner-program").title == course.title
    assert restarted.quiz("basics-check").questions[0].stem == quiz.questions[0].stem
    assert restarted.program().levels == program.levels
    assert restarted.stale() == ("courses/partner-program", "courses/program.yml",
                                 "quizzes/basics-check.md")
    assert {p.path for p in restarted.problems()} >= {"courses/partner-program/course.md",
                                                       "quizzes/basics-check.md",
                                                       "courses/program.yml"}
    # Without kept copies (lms check, or another content root) a broken file is absent.
    assert ContentStore(root, check_interval=0).course("partner-program") is None
    assert ContentStore(root, check_interval=0, keep_dir=tmp_path / "other").quiz("basics-check") is None
