"""Warnings among content problems.

ContentProblem has no severity field, so a warning is a problem whose message is
``warning: %(message)s`` (its English text starts with ``warning: ``). Warnings point at
something an author should fix but which does not stop anything from loading (a link to
a missing lesson); ``lms check`` fails only on errors.
"""

from __future__ import annotations

from collections.abc import Iterable

from lms.content.messages import N_, Message
from lms.content.problems import ContentProblem

WARNING_PREFIX = "warning: "


def warning(path: str, line: int, message: Message) -> ContentProblem:
    return ContentProblem(path, line, N_("warning: %(message)s", message=message))


def is_warning(problem: ContentProblem) -> bool:
    return problem.message.startswith(WARNING_PREFIX)


def errors(problems: Iterable[ContentProblem]) -> list[ContentProblem]:
    return [p for p in problems if not is_warning(p)]
