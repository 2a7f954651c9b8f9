"""Warnings among content problems.

ContentProblem has no severity field, so a warning is a problem whose message
starts with ``warning: ``. Warnings point at something an author should fix but
which does not stop anything from loading (a link to a missing lesson); ``lms check``
fails only on errors.
"""

from __future__ import annotations

from collections.abc import Iterable

from lms.content.problems import ContentProblem

WARNING_PREFIX = "warning: "


def warning(path: str, line: int, message: str) -> ContentProblem:
    return ContentProblem(path, line, WARNING_PREFIX + message)


def is_warning(problem: ContentProblem) -> bool:
    return problem.message.startswith(WARNING_PREFIX)


def errors(problems: Iterable[ContentProblem]) -> list[ContentProblem]:
    return [p for p in problems if not is_warning(p)]
