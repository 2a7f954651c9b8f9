"""Foreign text formats (Moodle's plain, moodle, html, markdown) as our Markdown."""

from __future__ import annotations

import re

# Markdown punctuation that would change how plain text renders.
_PLAIN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!])")
_ONE_PARAGRAPH = re.compile(r"<p>((?:(?!</?p[ >]).)*)</p>", re.S | re.I)
_MOODLE_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")  # Moodle's own format allows HTML


def plain_to_markdown(text: str) -> str:
    return _PLAIN_SPECIAL.sub(r"\\\1", text)


def to_markdown(text: str, text_format: str) -> str:
    """``text_format`` is Moodle's: markdown and html are kept, plain and moodle escaped."""
    if text_format == "html":
        # One <p> paragraph (what Moodle's editor writes) is just its text.
        match = _ONE_PARAGRAPH.fullmatch(text.strip())
        return match[1] if match else text
    if text_format == "markdown":
        return text
    if text_format == "plain":
        return plain_to_markdown(text)
    return _MOODLE_SPECIAL.sub(r"\\\1", text)


def one_line(markdown: str) -> str:
    return " ".join(markdown.split())
