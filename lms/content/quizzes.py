"""Quiz files (``quizzes/<slug>.md``) parsed into a frozen Quiz.

``parse_quiz`` never raises: a broken file comes back as ``(None, problems)``, each
problem with its file line, so the store can report it and keep everything else
working (docs/authoring.en.md, "Quizzes and exams"). Question-level grammar lives in
``quiz_questions``.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from lms.content.durations import parse_duration
from lms.content.frontmatter import meta_line, split_front_matter
from lms.content.markdown import render_markdown
from lms.content.messages import N_, Message
from lms.content.problems import ContentError, ContentProblem
from lms.content.quiz_questions import (
    Answer,
    Choice,
    NumericAnswer,
    Question,
    QuestionBlock,
    RegexAnswer,
    TextAnswer,
    parse_question,
)
from lms.content.severity import errors, warning

__all__ = [
    "Answer", "Choice", "NumericAnswer", "Question", "Quiz", "RegexAnswer",
    "REVIEW_MODES", "TextAnswer", "parse_quiz",
]

REVIEW_MODES = ("never", "after_submit", "after_pass")
KNOWN_SETTINGS = ("title", "time_limit", "pass_mark", "attempts", "cooldown", "draw",
                  "shuffle", "review", "recertify")
# Default renewal window after a revision marked ``recertify``.
RECERTIFY_WITHIN = timedelta(days=90)
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def is_slug(value: str) -> bool:
    return bool(_SLUG.fullmatch(value))


@dataclass(frozen=True)
class Recertify:
    """This revision of an exam requires holders who earned their level on an older
    revision to pass it again: from ``since`` (UTC midnight), within ``within``."""
    since: datetime
    within: timedelta

    @property
    def deadline(self) -> datetime:
        return self.since + self.within


@dataclass(frozen=True)
class Quiz:
    slug: str
    title: str
    time_limit: timedelta | None  # None: untimed
    pass_mark: float  # percent of the served points
    max_attempts: int  # 0: unlimited
    cooldown: timedelta  # from the end of one attempt to the next start
    draw: int | None  # questions served per attempt; None: all
    shuffle: bool  # question order and choice order, per attempt
    review: str  # one of REVIEW_MODES
    intro_html: str
    questions: tuple[Question, ...]
    path: str
    # The file's content hash: certifications record the exam versions they were earned on.
    version: str = ""
    recertify: Recertify | None = None

    @property
    def total_points(self) -> float:
        """Points of the whole file; an attempt with ``draw`` serves fewer."""
        return sum(q.points for q in self.questions)

    @property
    def questions_per_attempt(self) -> int:
        """How many questions each attempt serves (``draw`` may exceed the file's count)."""
        return min(self.draw or len(self.questions), len(self.questions))

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class _Settings:
    title: str
    time_limit: timedelta | None
    pass_mark: float
    max_attempts: int
    cooldown: timedelta
    draw: int | None
    shuffle: bool
    review: str
    recertify: Recertify | None


def parse_quiz(path: str, text: str) -> tuple[Quiz | None, list[ContentProblem]]:
    """Parse one quiz file; ``path`` is relative to the content root."""
    problems: list[ContentProblem] = []

    def report(line: int, message: Message) -> None:
        problems.append(ContentProblem(path, line, message))

    slug = PurePosixPath(path).stem
    if not _SLUG.fullmatch(slug):
        report(0, N_("the file name '%(slug)s' is not a valid slug (a-z, 0-9 and '-')", slug=slug))
    settings: _Settings | None = None
    intro_html, questions = "", []
    try:
        document = split_front_matter(text)
        settings = _read_settings(document.meta, text, report)
        intro, blocks = _split_questions(document.body, document.body_line)
        questions = _parse_questions(blocks, report)
        if not blocks:
            report(document.body_line, N_("the quiz has no questions: start each one with '## '"))
        if settings and settings.draw is not None and blocks and settings.draw > len(blocks):
            # Not an error: a pool may shrink below its draw while a trainer edits it.
            # Every attempt then serves all of them (grading.select_questions).
            problems.append(warning(path, meta_line(text, "draw"),
                                    N_("draw: %(draw)s is more than the %(count)s questions "
                                       "in the file; every attempt serves all of them",
                                       draw=settings.draw, count=len(blocks))))
        intro_html = render_markdown(intro).html if intro.strip() else ""
    except ContentError as error:
        report(error.line, error.message)
    except RecursionError:
        report(0, N_("the file is nested too deeply to read"))
    if errors(problems) or settings is None:
        return None, sorted(problems)
    quiz = Quiz(slug=slug, intro_html=intro_html, questions=tuple(questions), path=path,
                version=hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
                **settings.__dict__)
    return quiz, sorted(problems)


def _read_settings(meta: dict[str, Any], text: str, report) -> _Settings | None:
    """Validate the front matter; every bad value is reported on its own line."""
    bad_keys: list[str] = []

    def bad(key: str, message: Message) -> None:
        bad_keys.append(key)
        report(meta_line(text, key), message)

    for key in meta:
        if key not in KNOWN_SETTINGS:
            bad(str(key), N_("unknown setting '%(key)s' (known: %(known)s)", key=str(key),
                              known=", ".join(KNOWN_SETTINGS)))

    title = meta.get("title")
    if isinstance(title, (int, float)) and not isinstance(title, bool):
        title = str(title)
    if not isinstance(title, str) or not title.strip():
        bad("title", N_("the quiz needs a 'title:' in its front matter"))
        title = ""

    time_limit = None
    if meta.get("time_limit") is not None:
        time_limit = _duration(meta["time_limit"])
        if time_limit is None or time_limit <= timedelta(0):
            bad("time_limit", N_("time_limit: %(value)s is not a duration above 0 (e.g. 90s, "
                                 "30m, 1h30m; omit it for an untimed quiz)",
                                 value=repr(meta["time_limit"])))

    pass_mark = _number(meta.get("pass_mark", 80))
    if pass_mark is None or not 0 <= pass_mark <= 100:
        bad("pass_mark", N_("pass_mark: %(value)s must be a percent from 0 to 100",
                            value=repr(meta.get("pass_mark"))))

    attempts = meta.get("attempts", 0)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
        bad("attempts", N_("attempts: %(value)s must be a whole number, 0 for unlimited",
                           value=repr(attempts)))

    cooldown = _duration(meta.get("cooldown", 0))
    if cooldown is None:
        bad("cooldown", N_("cooldown: %(value)s is not a duration (e.g. 30m, 24h)",
                           value=repr(meta.get("cooldown"))))

    draw = meta.get("draw")
    if draw is not None and (isinstance(draw, bool) or not isinstance(draw, int) or draw < 1):
        bad("draw", N_("draw: %(value)s must be a whole number of questions, 1 or more",
                       value=repr(draw)))

    shuffle = meta.get("shuffle", True)
    if not isinstance(shuffle, bool):
        bad("shuffle", N_("shuffle: %(value)s must be true or false", value=repr(shuffle)))

    review = meta.get("review", "after_submit")
    if review not in REVIEW_MODES:
        bad("review", N_("review: %(value)s must be one of %(options)s", value=repr(review),
                         options=", ".join(REVIEW_MODES)))

    recertify = None
    if meta.get("recertify") is not None:
        recertify = _recertify(meta["recertify"])
        if isinstance(recertify, Message):
            bad("recertify", recertify)
            recertify = None

    if bad_keys:
        return None
    return _Settings(title=title.strip(), time_limit=time_limit, pass_mark=pass_mark,
                     max_attempts=attempts, cooldown=cooldown, draw=draw, shuffle=shuffle,
                     review=review, recertify=recertify)


def _recertify_help() -> Message:
    return N_("write 'recertify: 2026-12-01' (the revision's date) or "
              "'recertify: {since: 2026-12-01, within: 90d}'")


def _recertify(value: object) -> Recertify | Message:
    """``recertify: DATE`` or ``{since: DATE, within: DURATION}``; a Message is the error."""
    if value is False:
        return None  # type: ignore[return-value]
    within: object = None
    since = value
    if isinstance(value, dict):
        unknown = sorted(str(k) for k in value if k not in ("since", "within"))
        if unknown:
            return N_("recertify: unknown key '%(key)s' (known: since, within)", key=unknown[0])
        since, within = value.get("since"), value.get("within")
    if since is True:
        return N_("recertify: true needs a date from which holders must renew: %(help)s",
                  help=_recertify_help())
    if isinstance(since, str):
        try:
            since = date.fromisoformat(since.strip())
        except ValueError:
            pass
    if isinstance(since, datetime):
        since = since.date()
    if not isinstance(since, date):
        return N_("recertify: %(value)s is not a date: %(help)s", value=repr(value),
                  help=_recertify_help())
    period = RECERTIFY_WITHIN
    if within is not None:
        period = _duration(within)
        if period is None or period <= timedelta(0):
            return N_("recertify: within: %(value)s is not a duration above 0 (e.g. 90d, 12w)",
                      value=repr(within))
    return Recertify(datetime(since.year, since.month, since.day, tzinfo=UTC), period)


def _duration(value: object) -> timedelta | None:
    try:
        duration = parse_duration(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return duration if duration >= timedelta(0) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().endswith("%"):
        value = value.strip()[:-1]
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _split_questions(body: str, first_line: int) -> tuple[str, list[QuestionBlock]]:
    """The intro (before the first ``## ``) and one block per question heading."""
    intro: list[str] = []
    blocks: list[QuestionBlock] = []
    fence: str | None = None
    for number, raw in enumerate(body.splitlines(), start=first_line):
        match = _FENCE.match(raw)
        if fence is not None:
            if match and match[1][0] == fence[0] and len(match[1]) >= len(fence) \
                    and not raw.strip().lstrip("`~"):
                fence = None
        elif match:
            fence = match[1]
        elif raw.startswith("## ") or raw.rstrip() == "##":
            # A closing "##" sequence is Markdown decoration, not part of the stem.
            heading = re.sub(r"(?:^|\s+)#+$", "", raw[2:].strip())
            blocks.append(QuestionBlock(heading_line=number, heading=heading))
            continue
        if blocks:
            blocks[-1].lines.append((number, raw))
        else:
            intro.append(raw)
    return "\n".join(intro), blocks


def _parse_questions(blocks: list[QuestionBlock], report) -> list[Question]:
    questions: list[Question] = []
    first_line_of: dict[str, int] = {}
    for block in blocks:
        try:
            question = parse_question(block)
        except ContentError as error:
            report(error.line, error.message)
            continue
        if question.id in first_line_of:
            report(block.heading_line,
                   N_("duplicate question id '%(id)s' (also line %(line)s); give one of them an "
                      "{id=...} attribute", id=question.id, line=first_line_of[question.id]))
            continue
        first_line_of[question.id] = block.heading_line
        questions.append(question)
    return questions
