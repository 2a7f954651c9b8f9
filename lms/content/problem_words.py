"""Content problems in the reader's language.

Parsers write their messages in English (``lms check`` prints them as they are); the site
shows them through this table. A message with no entry here is shown as written.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from lms.content.severity import WARNING_PREFIX


def _opened(kind: str) -> str:
    return {
        "[": _("the '[' opened on this line is never closed with ']'"),
        "{": _("the '{' opened on this line is never closed with '}'"),
        "quote": _("a quote opened on this line is never closed"),
    }[kind]


def _detail(detail: str) -> str:
    for kind, english in (("[", "'[' opened on this line"), ("{", "'{' opened on this line"),
                          ("quote", "a quote opened on this line")):
        if detail.startswith(english):
            return _opened(kind)
    return detail


_RULES: list[tuple[re.Pattern[str], object]] = [
    (re.compile(r"invalid front matter: (?P<detail>.*)"),
     lambda m: _("invalid front matter (the lines between the two '---'): %(detail)s",
                 detail=_detail(m["detail"]))),
    (re.compile(r"invalid YAML: (?P<detail>.*)"),
     lambda m: _("invalid YAML: %(detail)s", detail=_detail(m["detail"]))),
    (re.compile(r"front matter opened with '---' is never closed"),
     lambda m: _("the front matter opened with '---' is never closed with another '---'")),
    (re.compile(r"unknown key '(?P<key>[^']*)' \(did you mean '(?P<hint>[^']*)'\?\)"),
     lambda m: _("unknown key '%(key)s' (did you mean '%(hint)s'?)", key=m["key"], hint=m["hint"])),
    (re.compile(r"unknown key '(?P<key>[^']*)' \(known keys: (?P<known>.*)\)"),
     lambda m: _("unknown key '%(key)s' (known keys: %(known)s)", key=m["key"], known=m["known"])),
    (re.compile(r"'(?P<key>[^']*)' is required"),
     lambda m: _("'%(key)s' is required", key=m["key"])),
    (re.compile(r"'(?P<key>[^']*)' must be true or false, not (?P<value>.*)"),
     lambda m: _("'%(key)s' must be true or false, not %(value)s", key=m["key"], value=m["value"])),
    (re.compile(r"'(?P<key>[^']*)' must be one of (?P<options>.*), not (?P<value>.*)"),
     lambda m: _("'%(key)s' must be one of %(options)s, not %(value)s", key=m["key"],
                 options=m["options"], value=m["value"])),
    (re.compile(r"missing: every course folder needs a course\.md"),
     lambda m: _("missing: every course folder needs a course.md")),
    (re.compile(r"the quiz needs a 'title:' in its front matter"),
     lambda m: _("the quiz needs a 'title:' in its front matter")),
    (re.compile(r"pass_mark: (?P<value>.*) must be a percent from 0 to 100"),
     lambda m: _("pass_mark: %(value)s must be a percent from 0 to 100", value=m["value"])),
    (re.compile(r"the quiz has no questions: start each one with '## '"),
     lambda m: _("the quiz has no questions: start each one with '## '")),
    (re.compile(r"a \( \) question needs exactly one \(x\): none is marked"),
     lambda m: _("a ( ) question needs exactly one (x): none is marked")),
    (re.compile(r"a \( \) question needs exactly one \(x\); use \[ \] / \[x\] for several right answers"),
     lambda m: _("a ( ) question needs exactly one (x); use [ ] / [x] for several right answers")),
    (re.compile(r"a \[ \] question needs at least one \[x\]$"),
     lambda m: _("a [ ] question needs at least one [x]")),
    (re.compile(r"a question mixes \( \) and \[ \] choices; use one kind"),
     lambda m: _("a question mixes ( ) and [ ] choices; use one kind")),
    (re.compile(r"the question has no answers: add choices, '=' answers, or mark it \{essay\}"),
     lambda m: _("the question has no answers: add choices, '=' answers, or mark it {essay}")),
    (re.compile(r"points=(?P<value>\S*) must be a number above 0 and at most (?P<max>\d+)"),
     lambda m: _("points=%(value)s must be a number above 0 and at most %(max)s",
                 value=m["value"], max=m["max"])),
    (re.compile(r"unexpected text after the explanation; start every explanation line with '> '"),
     lambda m: _("unexpected text after the explanation; start every explanation line with '> '")),
    (re.compile(r"duplicate question id '(?P<id>[^']*)' \(also line (?P<line>\d+)\); "
                r"give one of them an \{id=\.\.\.\} attribute"),
     lambda m: _("duplicate question id '%(id)s' (also line %(line)s); give one of them an "
                 "{id=...} attribute", id=m["id"], line=m["line"])),
]


def problem_text(message: str) -> str:
    """``message`` in the current language when known, else as written."""
    prefix = ""
    if message.startswith(WARNING_PREFIX):
        prefix, message = _("warning: "), message[len(WARNING_PREFIX):]
    for pattern, words in _RULES:
        match = pattern.fullmatch(message)
        if match:
            return prefix + words(match)  # type: ignore[operator]
    return prefix + message
