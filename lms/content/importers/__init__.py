"""Question banks from other systems, converted to a quiz file (``lms import-quiz``)."""

from __future__ import annotations

from dataclasses import dataclass

from lms.content.importers.aiken import read_aiken
from lms.content.importers.gift import read_gift
from lms.content.importers.model import Refusal
from lms.content.importers.writer import write_quiz

FORMATS = {"gift": read_gift, "aiken": read_aiken}


@dataclass(frozen=True)
class Conversion:
    markdown: str | None  # the quiz file, or None when no question could be written
    written: int  # questions in it
    refusals: tuple[Refusal, ...]  # by line in the source file


def convert(source: str, source_format: str, title: str) -> Conversion:
    reading = FORMATS[source_format](source)
    markdown, refused, written = write_quiz(title, reading.drafts)
    refusals = tuple(sorted(reading.refusals + refused, key=lambda r: r.line))
    return Conversion(markdown=markdown, written=written, refusals=refusals)
