"""Courses: one folder ``courses/<slug>/`` parsed into frozen dataclasses.

A broken ``course.md`` means the course is not loaded; a broken lesson is left out
of an otherwise working course. Either way every problem is reported with its
file and line, and nothing raises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from lms.content.files import FileCache, read_text, stamp_of
from lms.content.frontmatter import split_front_matter
from lms.content.links import COURSE_FILE, LESSON_FILE, SLUG, LinkRef, LinkRewriter
from lms.content.markdown import TocEntry, render_markdown
from lms.content.messages import N_
from lms.content.meta import MetaReader, slug_rule
from lms.content.problems import ContentError, ContentProblem
from lms.content.severity import warning
from lms.content.video import Video, parse_video

# The levels the authoring guide's examples name; a course's ``level`` is checked against
# program.yml's certifications when there is one (crossrefs.check_course_levels), else
# against these.
LEVELS = ("bronze", "silver", "gold")
COURSE_KEYS = ("title", "level", "track", "hours", "order", "prerequisites", "quiz", "draft")
LESSON_KEYS = ("title", "minutes", "video")
DEFAULT_ORDER = 100

__all__ = ["Course", "Lesson", "Video", "load_course", "lesson_files", "LEVELS"]


@dataclass(frozen=True)
class Lesson:
    course_slug: str
    slug: str
    title: str
    minutes: int | None
    video: Video | None
    html: str
    toc: tuple[TocEntry, ...]
    position: int  # 0-based, in file-name order
    filename: str  # "02-pricing.md"
    path: str  # "courses/<course>/02-pricing.md"


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    level: str | None
    track: str | None
    hours: float | None
    order: int
    prerequisites: tuple[str, ...]
    quiz: str | None
    draft: bool
    overview_html: str
    lessons: tuple[Lesson, ...]
    path: str  # "courses/<slug>"
    # For cross-checks after loading: where each front-matter key is written, and
    # the links (from course.md and lessons) to lesson and course pages.
    key_lines: tuple[tuple[str, int], ...] = field(default=(), compare=False, repr=False)
    links: tuple[LinkRef, ...] = field(default=(), compare=False, repr=False)

    def lesson(self, slug: str) -> Lesson | None:
        for lesson in self.lessons:
            if lesson.slug == slug:
                return lesson
        return None

    def neighbours(self, slug: str) -> tuple[Lesson | None, Lesson | None]:
        """(previous, next) lesson around ``slug``; (None, None) for an unknown slug."""
        lesson = self.lesson(slug)
        if lesson is None:
            return None, None
        i = lesson.position
        previous = self.lessons[i - 1] if i > 0 else None
        following = self.lessons[i + 1] if i + 1 < len(self.lessons) else None
        return previous, following

    @property
    def course_md(self) -> str:
        return f"{self.path}/{COURSE_FILE}"

    def line_of(self, key: str) -> int:
        """Line of ``key`` in course.md (1 when not written)."""
        return dict(self.key_lines).get(key, 1)


@dataclass(frozen=True)
class _Parsed:
    """What one file yields, independent of its siblings (so it can be cached)."""
    value: Course | Lesson | None
    problems: tuple[ContentProblem, ...]
    links: tuple[LinkRef, ...] = ()


def load_course(root: Path, slug: str, *, cache: FileCache | None = None
                ) -> tuple[Course | None, list[ContentProblem]]:
    """Parse ``courses/<slug>/``. ``cache`` lets a caller skip files whose version it has seen."""
    rel_dir = f"courses/{slug}"
    folder = Path(root) / "courses" / slug
    if not SLUG.match(slug):
        return None, [ContentProblem(rel_dir, 0, N_("a course folder name must be a slug (%(rule)s)",
                                                         rule=slug_rule()))]
    if not (folder / COURSE_FILE).is_file():
        return None, [ContentProblem(f"{rel_dir}/{COURSE_FILE}", 0,
                                     N_("missing: every course folder needs a course.md"))]
    head = _parse_file(cache, folder / COURSE_FILE, f"{rel_dir}/{COURSE_FILE}",
                       lambda rel, text: _parse_course_md(slug, rel, text))
    problems = list(head.problems)
    links = list(head.links)

    files, file_problems = lesson_files(folder, rel_dir)
    problems += file_problems
    lessons: list[Lesson] = []
    for name in files:
        parsed = _parse_file(cache, folder / name, f"{rel_dir}/{name}",
                             lambda rel, text, name=name: _parse_lesson(slug, name, rel, text))
        problems += parsed.problems
        links += parsed.links
        if isinstance(parsed.value, Lesson):
            lessons.append(replace(parsed.value, position=len(lessons)))

    present = {lesson.filename for lesson in lessons} | {COURSE_FILE}
    for ref in links:
        if ref.course == slug and ref.filename not in present:
            problems.append(warning(ref.path, ref.line,
                                    N_("link to %(file)s, which is not a lesson of this course",
                                       file=ref.filename)))
    if not isinstance(head.value, Course):
        return None, problems
    course = replace(head.value, lessons=tuple(lessons),
                     links=tuple(r for r in links if r.course != slug))
    return course, problems


def lesson_files(folder: Path, rel_dir: str) -> tuple[list[str], list[ContentProblem]]:
    """Lesson file names in order, and problems with names (bad, duplicate slugs)."""
    problems: list[ContentProblem] = []
    candidates = []
    for entry in folder.iterdir():
        name = entry.name
        if name.startswith(".") or name == COURSE_FILE or not name.endswith(".md"):
            continue
        match = LESSON_FILE.match(name)
        if match is not None:
            candidates.append((int(match.group(1)), name, match.group(2)))
        elif name[:1].isdigit():
            problems.append(ContentProblem(f"{rel_dir}/{name}", 0,
                                           N_("a lesson file is named NN-<slug>.md with a slug "
                                              "of %(rule)s", rule=slug_rule())))
        else:
            problems.append(warning(f"{rel_dir}/{name}", 0,
                                    N_("not a lesson (lesson files are named NN-<slug>.md); "
                                       "ignored")))
    # Numeric order first, so 2-x.md comes before 10-y.md even without zero padding.
    candidates.sort()
    seen: dict[str, str] = {}
    files = []
    for _, name, lesson_slug in candidates:
        if lesson_slug in seen:
            problems.append(ContentProblem(f"{rel_dir}/{name}", 0,
                                           N_("lesson slug '%(slug)s' is already used by "
                                              "%(file)s; this lesson is left out",
                                              slug=lesson_slug, file=seen[lesson_slug])))
            continue
        seen[lesson_slug] = name
        files.append(name)
    return files, problems


def _parse_file(cache: FileCache | None, path: Path, rel: str,
                parse: Callable[[str, str], _Parsed]) -> _Parsed:
    def run() -> _Parsed:
        try:
            return parse(rel, read_text(path))
        except ContentError as exc:
            return _Parsed(None, (ContentProblem(rel, exc.line, exc.message),))

    stamp = stamp_of(path)
    if cache is None or stamp is None:
        return run()
    return cache.get_or_parse(rel, stamp, run)


def _parse_course_md(slug: str, rel: str, text: str) -> _Parsed:
    doc = split_front_matter(text)
    meta = MetaReader(rel, text, doc.meta, COURSE_KEYS)
    title = meta.text_value("title", required=True)
    values = dict(
        level=meta.slug("level"),
        track=meta.text_value("track"),
        hours=meta.number("hours", minimum=0),
        order=meta.integer("order", default=DEFAULT_ORDER),
        prerequisites=meta.slug_list("prerequisites"),
        quiz=meta.slug("quiz"),
        draft=meta.boolean("draft", default=False),
    )
    rewriter = LinkRewriter(slug, rel, doc.body, doc.body_line)
    rendered = render_markdown(doc.body, rewrite_url=rewriter)
    problems = tuple(meta.problems + rewriter.problems)
    if not meta.ok or title is None:
        return _Parsed(None, problems, tuple(rewriter.refs))
    course = Course(slug=slug, title=title, overview_html=rendered.html, lessons=(),
                    path=f"courses/{slug}",
                    key_lines=tuple((key, meta.line(key)) for key in COURSE_KEYS if key in doc.meta),
                    **values)
    return _Parsed(course, problems, tuple(rewriter.refs))


def _parse_lesson(course_slug: str, filename: str, rel: str, text: str) -> _Parsed:
    doc = split_front_matter(text)
    meta = MetaReader(rel, text, doc.meta, LESSON_KEYS)
    title = meta.text_value("title", required=True)
    minutes = meta.integer("minutes", minimum=0)
    rewriter = LinkRewriter(course_slug, rel, doc.body, doc.body_line)
    video = None
    if doc.meta.get("video") is not None:
        try:
            video = parse_video(doc.meta["video"], local_url=rewriter.local_url)
        except ValueError as exc:
            meta.error("video", exc.args[0])
    rendered = render_markdown(doc.body, rewrite_url=rewriter)
    problems = tuple(meta.problems + rewriter.problems)
    if not meta.ok or title is None:
        return _Parsed(None, problems, tuple(rewriter.refs))
    match = LESSON_FILE.match(filename)
    assert match is not None  # lesson_files() only passes well-formed names
    lesson = Lesson(course_slug=course_slug, slug=match.group(2), title=title, minutes=minutes,
                    video=video, html=rendered.html, toc=rendered.toc, position=0,
                    filename=filename, path=rel)
    return _Parsed(lesson, problems, tuple(rewriter.refs))
