"""Content problems: every error in an authored file says where it is, and what, as a
Message (lms/content/messages.py) that reads in English for ``lms check`` and in the
reader's language on the site."""

from __future__ import annotations

from dataclasses import dataclass

from lms.content.messages import Message


def _require_message(message: object) -> None:
    if not isinstance(message, Message):
        raise TypeError(f"a content problem's message must be a Message (N_(...)), "
                        f"not {type(message).__name__}: {message!r}")


@dataclass(frozen=True, order=True)
class ContentProblem:
    path: str  # relative to the content root, POSIX separators: "quizzes/x.md"
    line: int  # 1-based; 0 when the problem concerns the whole file
    message: Message  # a str: its English text

    def __post_init__(self) -> None:
        _require_message(self.message)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised inside a parser to abort one file; the loader turns it into a problem."""

    def __init__(self, line: int, message: Message):
        _require_message(message)
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message
