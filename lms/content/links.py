"""Relative links in course Markdown, rewritten to the site's URLs at render time.

Authors link files the way they see them in git (``02-pricing.md``,
``../other-course/01-x.md``, ``media/diagram.png``) so links also work on a git
host's file view; the site serves those as lesson pages and course files.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from lms.content.messages import N_, Message
from lms.content.problems import ContentProblem
from lms.content.severity import warning

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LESSON_FILE = re.compile(r"^(\d+)-([a-z0-9][a-z0-9-]*)\.md$")
COURSE_FILE = "course.md"


def course_url(course: str) -> str:
    return f"/courses/{course}"


def lesson_url(course: str, lesson: str) -> str:
    return f"/courses/{course}/lessons/{lesson}"


def file_url(course: str, relpath: str) -> str:
    return f"/courses/{course}/files/{quote(relpath, safe='/')}"


@dataclass(frozen=True)
class LinkRef:
    """A link from ``path`` (line ``line``) to a lesson or course page, checked after loading."""
    path: str
    line: int
    course: str
    filename: str  # a lesson file name, or "course.md" for the course page


class LinkRewriter:
    """The ``rewrite_url`` callback for one file; records lesson links and problems."""

    def __init__(self, course: str, path: str, body: str, body_line: int):
        self.course = course
        self.path = path
        self.refs: list[LinkRef] = []
        self.problems: list[ContentProblem] = []
        self._body = body
        self._body_line = body_line
        self._cursor = 0

    def __call__(self, url: str) -> str:
        if not url or url.startswith(("#", "/", "\\")):
            return url
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path:
            return url
        target = self.resolve(unquote(parts.path))
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if target is None:
            self._warn(url, N_("link '%(url)s' leaves the course folders; it will not work on the "
                               "site", url=url))
            return url
        course, rest = target
        if rest == COURSE_FILE:
            self._ref(url, course, rest)
            return course_url(course) + fragment
        if rest.lower().endswith(".md"):
            match = LESSON_FILE.match(rest)
            if match is None:
                self._warn(url, N_("link '%(url)s' points to a Markdown file that is not a "
                                   "lesson (lesson files are named NN-<slug>.md)", url=url))
                return url
            self._ref(url, course, rest)
            return lesson_url(course, match.group(2)) + fragment
        query = f"?{parts.query}" if parts.query else ""
        return file_url(course, rest) + query + fragment

    def resolve(self, relpath: str) -> tuple[str, str] | None:
        """(course slug, path inside that course folder), or None outside any course."""
        target = posixpath.normpath(posixpath.join("courses", self.course, relpath))
        segments = target.split("/")
        if len(segments) < 3 or segments[0] != "courses" or not SLUG.match(segments[1]):
            return None
        return segments[1], "/".join(segments[2:])

    def local_url(self, relpath: str) -> str | None:
        """Site URL of a file of this course folder (videos kept next to lessons)."""
        target = self.resolve(unquote(relpath))
        if target is None or target[0] != self.course:
            return None
        return file_url(*target)

    def _ref(self, url: str, course: str, filename: str) -> None:
        self.refs.append(LinkRef(self.path, self._line_of(url), course, filename))

    def _warn(self, url: str, message: Message) -> None:
        self.problems.append(warning(self.path, self._line_of(url), message))

    def _line_of(self, url: str) -> int:
        # Links are visited in document order, so search forward from the last hit;
        # fall back to the whole body, then to the body's first line.
        index = self._body.find(url, self._cursor)
        if index < 0:
            index = self._body.find(url)
        if index < 0:
            return self._body_line
        self._cursor = index + len(url)
        return self._body_line + self._body.count("\n", 0, index)
