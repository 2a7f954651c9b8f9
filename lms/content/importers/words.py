"""The importers' refusals in the reader's language (the command line prints them in English)."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from lms.content.problem_words import problem_text

_RULES = [
    (r"matching questions cannot be expressed in a quiz file; left out",
     lambda m: _("matching questions cannot be expressed in a quiz file; left out")),
    (r"partial credit \((?P<w>[^)]*)\) for an answer has no form in a quiz file",
     lambda m: _("partial credit (%(weight)s) for an answer has no form in a quiz file",
                 weight=m["w"])),
    (r"a description \(text without a question\) is not imported",
     lambda m: _("a description (text without a question) is not imported")),
    (r"the answers need both braces, .*",
     lambda m: _("the answers need both braces, '{' then '}' (write \\{ or \\} for a brace)")),
    (r"a multiple-choice question needs at least two answers",
     lambda m: _("a multiple-choice question needs at least two answers")),
    (r"the weight (?P<w>\S+) is outside -100% to 100%",
     lambda m: _("the weight %(weight)s is outside -100%% to 100%%", weight=m["w"])),
    (r"a negative weight in a one-answer question .*",
     lambda m: _("a negative weight in a one-answer question takes marks away in Moodle; "
                 "a quiz file has no negative marks")),
    (r"a 0% answer before a full-credit one .*",
     lambda m: _("a %(zero)s answer before a full-credit one changes which answer Moodle "
                 "matches first; put full-credit answers first", zero="0%")),
    (r"the question has no full-credit answer",
     lambda m: _("the question has no full-credit answer")),
    (r"'(?P<v>.*)' is not a number, a number:tolerance or a low\.\.high range",
     lambda m: _("'%(value)s' is not a number, a number:tolerance or a low..high range",
                 value=m["v"])),
    (r"the question has no 'ANSWER: X' line",
     lambda m: _("the question has no 'ANSWER: X' line")),
    (r"ANSWER: (?P<a>.*) is not one of the choices (?P<c>.*)",
     lambda m: _("ANSWER: %(answer)s is not one of the choices %(choices)s", answer=m["a"],
                 choices=m["c"])),
    (r"a question needs at least two choices .*",
     lambda m: _("a question needs at least two choices (A) ... B) ...)")),
]
_COMPILED = [(re.compile(pattern), words) for pattern, words in _RULES]


def refusal_text(message: str) -> str:
    for pattern, words in _COMPILED:
        match = pattern.fullmatch(message)
        if match:
            return words(match)
    return problem_text(message)
