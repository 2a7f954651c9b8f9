"""Moodle's Aiken format: single-answer multiple choice, plain text.

    Question text (one or more lines)
    A) First choice          (or "A. First choice")
    B) Second choice
    ANSWER: B

A line of fewer than two characters is ignored, as Moodle does.
"""

from __future__ import annotations

import re

from lms.content.importers.model import Draft, Reading, Refusal
from lms.content.importers.text import plain_to_markdown
from lms.content.messages import N_

_OPTION = re.compile(r"^(?P<letter>[A-Z])[).][ \t]+(?P<text>.*)$")
_ANSWER = re.compile(r"^ANSWER:\s*(?P<letter>\S?)")


def read_aiken(source: str) -> Reading:
    reading = Reading()
    text: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0
    broken: Refusal | None = None

    def reset() -> None:
        nonlocal text, options, start, broken
        text, options, start, broken = [], [], 0, None

    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if len(line) < 2:
            continue
        option, answer = _OPTION.match(line), _ANSWER.match(line)
        if answer:
            if broken:
                reading.refusals.append(broken)
            elif not text:
                reading.refusals.append(Refusal(number, N_("ANSWER: without a question before it")))
            else:
                _finish(reading, start, text, options, answer["letter"], number)
            reset()
        elif option:
            if not text and broken is None:
                broken = Refusal(number, N_("a choice without a question before it"))
            options.append((option["letter"], option["text"].strip()))
        else:
            if options and broken is None:
                broken = Refusal(start, N_("line %(line)s is neither a choice (A) ...) nor "
                                           "'ANSWER: X'; the question's choices were not "
                                           "finished", line=number))
            if not text:
                start = number
            text.append(line)
    if text or options:
        reading.refusals.append(broken or Refusal(start or 1,
                                                           N_("the question has no 'ANSWER: X' line")))
    return reading


def _finish(reading: Reading, start: int, text: list[str], options, letter: str, line: int):
    letters = [found for found, _ in options]
    if len(options) < 2:
        reading.refusals.append(Refusal(start, N_("a question needs at least two choices (A) ... B) "
                                                  "...)")))
    elif letter not in letters:
        reading.refusals.append(Refusal(line, N_(
            "ANSWER: %(answer)s is not one of the choices %(choices)s",
            answer=letter or N_("(nothing)"), choices=", ".join(letters))))
    else:
        reading.drafts.append(Draft(
            line=start, kind="single", text=plain_to_markdown("\n".join(text)),
            choices=[(plain_to_markdown(choice), 100.0 if found == letter else 0.0)
                     for found, choice in options]))
