"""The content store: every course, quiz and the program, parsed once per file version.

One store is shared by all requests of a worker. Readers get an immutable snapshot;
``refresh()`` re-scans the content root at most every ``check_interval`` seconds,
re-parses only files whose (mtime_ns, size) changed, then swaps the snapshot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lms.content.courses import LEVELS, Course, load_course
from lms.content.crossrefs import check_course_levels, check_course_references
from lms.content.files import FileCache, Stamp, read_text, stamp_of
from lms.content.last_good import LastGoodCopies
from lms.content.links import SLUG
from lms.content.messages import N_
from lms.content.problems import ContentError, ContentProblem
from lms.content.program import Program, parse_program
from lms.content.program_checks import validate_program
from lms.content.quizzes import Quiz, parse_quiz
from lms.content.severity import errors, is_warning

__all__ = ["ContentStore", "check", "errors", "is_warning"]

log = logging.getLogger(__name__)

PROGRAM_PATH = "courses/program.yml"


@dataclass(frozen=True)
class _Snapshot:
    courses: Mapping[str, Course] = field(default_factory=dict)
    ordered: tuple[Course, ...] = ()
    quizzes: Mapping[str, Quiz] = field(default_factory=dict)
    program: Program | None = None
    problems: tuple[ContentProblem, ...] = ()
    # Paths whose current file is broken while its last valid version is served.
    stale: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Entry:
    """One course folder, quiz or program file at one version, with what it yielded."""
    fingerprint: Any
    value: Any
    problems: tuple[ContentProblem, ...]
    # The last version that parsed without an error, while this one has errors: served in
    # its place, so a typo never takes a course, quiz or the program away
    # (docs/authoring.en.md, "Publishing and editing safely").
    last_good: Any = None

    @property
    def broken(self) -> bool:
        return self.value is None or bool(errors(self.problems))

    @property
    def stale(self) -> bool:
        """Broken now, with an older valid version served instead."""
        return self.broken and self.last_good is not None

    @property
    def live(self) -> Any:
        return self.last_good if self.stale else self.value


def _keeping_last_good(entry: _Entry, previous: _Entry | None) -> _Entry:
    if not entry.broken or previous is None:
        return entry
    good = previous.last_good if previous.broken else previous.value
    return _Entry(entry.fingerprint, entry.value, entry.problems, good)


class ContentStore:
    def __init__(self, root: Path, check_interval: float = 2.0, *,
                 clock: Callable[[], float] = time.monotonic, keep_dir: Path | None = None):
        self.root = Path(root)
        # Last valid versions on disk, for a restart while a file is broken (None: memory only).
        self._copies = LastGoodCopies(keep_dir, self.root)
        self.check_interval = check_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._next_check: float | None = None  # None: never scanned
        self._version = 0
        self._snapshot = _Snapshot()
        self._files = FileCache()
        self._courses: dict[str, _Entry] = {}
        self._quizzes: dict[str, _Entry] = {}
        self._program: _Entry | None = None

    # -- reading ---------------------------------------------------------------

    @property
    def version(self) -> int:
        self.refresh()
        return self._version

    def courses(self) -> tuple[Course, ...]:
        """Every loaded course, drafts included, by (order, slug)."""
        return self._current().ordered

    def course(self, slug: str) -> Course | None:
        return self._current().courses.get(slug)

    def quiz(self, slug: str) -> Quiz | None:
        return self._current().quizzes.get(slug)

    def quizzes(self) -> tuple[Quiz, ...]:
        quizzes = self._current().quizzes
        return tuple(quizzes[slug] for slug in sorted(quizzes))

    def program(self) -> Program | None:
        return self._current().program

    def problems(self) -> tuple[ContentProblem, ...]:
        return self._current().problems

    def stale(self) -> tuple[str, ...]:
        """Paths (``courses/<slug>``, ``quizzes/<file>``, the program) that are broken now
        while their last valid version keeps being served."""
        return self._current().stale

    def asset_path(self, course_slug: str, relpath: str) -> Path | None:
        """The file ``relpath`` inside ``courses/<course_slug>/`` to serve, or None.

        Never a Markdown source (drafts and lessons are only served rendered), never
        a dotfile, never anything outside the folder, symlinks included.
        """
        if not SLUG.match(course_slug or "") or not relpath or "\\" in relpath or "\0" in relpath:
            return None
        parts = relpath.split("/")
        if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            return None  # also rejects absolute paths: they start with an empty part
        folder = self.root / "courses" / course_slug
        try:
            base = folder.resolve(strict=True)
            target = folder.joinpath(*parts).resolve(strict=True)
        except (OSError, RuntimeError):  # missing, or a symlink loop
            return None
        if not target.is_relative_to(base) or not target.is_file():
            return None
        inside = target.relative_to(base).parts
        if any(p.startswith(".") for p in inside) or target.suffix.lower() == ".md":
            return None
        return target

    # -- refreshing ------------------------------------------------------------

    def refresh(self, force: bool = False) -> bool:
        """Re-scan if due (or forced); True when anything changed. Never raises."""
        if not force and self._next_check is not None and self._clock() < self._next_check:
            return False
        with self._lock:
            if not force and self._next_check is not None and self._clock() < self._next_check:
                return False  # another thread scanned while we waited
            try:
                changed = self._scan()
            except Exception:  # a bug must not take the site down; keep the last snapshot
                log.exception("content scan of %s failed", self.root)
                changed = False
            self._next_check = self._clock() + self.check_interval
            return changed

    def _current(self) -> _Snapshot:
        self.refresh()
        return self._snapshot

    def _scan(self) -> bool:
        first = self._next_check is None
        courses = self._scan_courses()
        quizzes = self._scan_quizzes()
        program = self._scan_program()
        changed = (courses != self._courses or quizzes != self._quizzes
                   or program != self._program)
        self._courses, self._quizzes, self._program = courses, quizzes, program
        if changed or first:
            self._files.retain(self._known_paths())
            self._snapshot = self._build_snapshot()
            self._version += 1
        return changed

    def _scan_courses(self) -> dict[str, _Entry]:
        entries = {}
        for folder in _listing(self.root / "courses"):
            if not folder.is_dir():
                continue
            slug = folder.name
            fingerprint = _folder_fingerprint(folder)
            previous = self._courses.get(slug)
            if previous is not None and previous.fingerprint == fingerprint:
                entries[slug] = previous  # untouched: the very same Course object
                continue
            course, problems = _guarded(f"courses/{slug}",
                                        lambda: load_course(self.root, slug, cache=self._files))
            entry = _keeping_last_good(_Entry(fingerprint, course, tuple(problems)), previous)
            if not entry.broken:
                self._copies.save_course(slug, folder)
            elif entry.last_good is None and previous is None:
                kept = self._copies.load_course(slug, load_course)
                entry = _Entry(fingerprint, course, tuple(problems), kept)
            entries[slug] = entry
        return entries

    def _scan_quizzes(self) -> dict[str, _Entry]:
        entries = {}
        for path in _listing(self.root / "quizzes"):
            if path.suffix != ".md" or not path.is_file():
                continue
            rel = f"quizzes/{path.name}"
            entries[rel] = self._file_entry(path, rel, parse_quiz, self._quizzes.get(rel))
        return entries

    def _scan_program(self) -> _Entry | None:
        path = self.root / PROGRAM_PATH
        if not path.is_file():
            return None  # the program is optional
        return self._file_entry(path, PROGRAM_PATH, parse_program, self._program)

    def _file_entry(self, path: Path, rel: str,
                    parse: Callable[[str, str], tuple[Any, list[ContentProblem]]],
                    previous: _Entry | None) -> _Entry:
        stamp = stamp_of(path)
        if previous is not None and previous.fingerprint == stamp:
            return previous

        source: list[str] = []

        def run() -> tuple[Any, list[ContentProblem]]:
            try:
                source.append(read_text(path))
                return parse(rel, source[0])
            except ContentError as exc:
                return None, [ContentProblem(rel, exc.line, exc.message)]

        value, problems = _guarded(rel, run)
        entry = _keeping_last_good(_Entry(stamp, value, tuple(problems)), previous)
        if not entry.broken and source:
            self._copies.save_file(rel, source[0])
        elif entry.broken and entry.last_good is None and previous is None:
            entry = _Entry(stamp, value, tuple(problems), self._copies.load_file(rel, parse))
        return entry

    def _known_paths(self) -> set[str]:
        paths = set(self._quizzes)
        for slug, entry in self._courses.items():
            paths.update(f"courses/{slug}/{name}" for name, _ in entry.fingerprint)
        return paths

    def _build_snapshot(self) -> _Snapshot:
        courses = {slug: e.live for slug, e in self._courses.items() if e.live is not None}
        quizzes = {e.live.slug: e.live for e in self._quizzes.values() if e.live is not None}
        stale = [f"courses/{slug}" for slug, e in self._courses.items() if e.stale]
        stale += [rel for rel, e in self._quizzes.items() if e.stale]
        if self._program is not None and self._program.stale:
            stale.append(PROGRAM_PATH)
        problems: list[ContentProblem] = []
        if not self.root.is_dir():
            problems.append(ContentProblem(str(self.root), 0, N_("the content root does not exist")))
        for entry in self._courses.values():
            problems += entry.problems
        for entry in self._quizzes.values():
            problems += entry.problems
        quiz_slugs = {Path(rel).stem for rel in self._quizzes}
        problems += _guarded("courses", lambda: (None, check_course_references(
            courses, set(self._courses), quiz_slugs)))[1]
        program = self._program.live if self._program is not None else None
        if self._program is not None:
            problems += self._program.problems
        if program is not None:
            problems += _guarded(PROGRAM_PATH, lambda: (None, validate_program(
                program, courses, quizzes)))[1]
        if program is not None or self._program is None:
            # No program.yml at all: bronze | silver | gold. A broken one: not
            # reported again on every course.
            levels = program.levels if program is not None else LEVELS
            problems += _guarded("courses", lambda: (None, check_course_levels(
                courses, levels)))[1]
        ordered = tuple(sorted(courses.values(), key=lambda c: (c.order, c.slug)))
        return _Snapshot(courses=MappingProxyType(courses), ordered=ordered,
                         quizzes=MappingProxyType(quizzes), program=program,
                         problems=tuple(sorted(set(problems))), stale=tuple(sorted(stale)))


def check(root: Path) -> list[ContentProblem]:
    """Validate everything under ``root`` from scratch (for ``lms check``)."""
    store = ContentStore(root, check_interval=0)
    store.refresh(force=True)
    return list(store.problems())


def _listing(folder: Path) -> list[Path]:
    """Entries of ``folder`` by name, without dotfiles; empty when it does not exist."""
    try:
        return sorted((p for p in folder.iterdir() if not p.name.startswith(".")),
                      key=lambda p: p.name)
    except OSError:
        return []


def _folder_fingerprint(folder: Path) -> tuple[tuple[str, Stamp | None], ...]:
    """Versions of the Markdown files a course is made of (media do not affect parsing)."""
    return tuple((p.name, stamp_of(p)) for p in _listing(folder) if p.name.endswith(".md"))


def _guarded(rel: str, parse: Callable[[], tuple[Any, list[ContentProblem]]]
             ) -> tuple[Any, list[ContentProblem]]:
    """Run a parser; a crash becomes a problem on that file instead of an outage."""
    try:
        return parse()
    except Exception as exc:
        log.exception("parsing %s failed", rel)
        return None, [ContentProblem(rel, 0, N_("internal error while reading this file "
                                                "(%(error)s); please report it",
                                                error=type(exc).__name__))]
