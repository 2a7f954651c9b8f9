"""What an importer reads from a foreign question file, before it is written as a quiz.

Importers (``gift``, ``aiken``) turn each question they can express into a ``Draft`` and
each one they cannot into a ``Refusal`` with its line in the source file; ``writer``
turns the drafts into the quiz Markdown of docs/authoring.en.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lms.content.messages import Message


@dataclass
class Draft:
    line: int  # the question's first line in the source file
    kind: str  # single, multiple, text, numeric, essay
    text: str  # question text as Markdown (may span lines)
    title: str = ""
    # (Markdown text, percent) per choice; single: 100 marks the right one
    choices: list[tuple[str, float]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # text: '=' lines (plain or /regex/)
    numbers: list[tuple[str, str]] = field(default_factory=list)  # numeric: (value, tolerance)
    feedback: list[str] = field(default_factory=list)  # Markdown lines of the explanation


@dataclass(frozen=True)
class Refusal:
    line: int
    message: Message  # a str: its English text (lms import-quiz prints it)

    def __post_init__(self) -> None:
        if not isinstance(self.message, Message):
            raise TypeError(f"a refusal's message must be a Message (N_(...)), not {self.message!r}")


@dataclass
class Reading:
    drafts: list[Draft] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
