"""A YAML syntax error as a problem on the line of the actual mistake.

PyYAML notices an unclosed ``[``, ``{`` or quote only on a later line; the mistake is
where it was opened (``level: [bronze`` on line 3 is reported on line 3, not 4).

PyYAML words its errors in English; the usual ones become Messages here, so the site
shows them in the reader's language. Anything else is shown as PyYAML wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from lms.content.messages import N_, Message

_OPENED = {
    "while parsing a flow sequence": lambda: N_("'[' opened on this line is never closed with ']'"),
    "while parsing a flow mapping": lambda: N_("'{' opened on this line is never closed with '}'"),
    "while scanning a quoted scalar": lambda: N_("a quote opened on this line is never closed"),
}

_PYYAML: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Message]]] = [
    (re.compile(r"mapping values are not allowed here"),
     lambda m: N_("mapping values are not allowed here")),
    (re.compile(r"found character (?P<char>.+) that cannot start any token"),
     lambda m: N_("found character %(char)s that cannot start any token", char=m["char"])),
    (re.compile(r"could not find expected ':'"),
     lambda m: N_("could not find expected ':'")),
    (re.compile(r"found unexpected end of stream"),
     lambda m: N_("found unexpected end of stream")),
    (re.compile(r"expected <block end>, but found (?P<token>.+)"),
     lambda m: N_("expected <block end>, but found %(token)s", token=m["token"])),
    (re.compile(r"expected ',' or '\]', but got (?P<token>.+)"),
     lambda m: N_("expected ',' or ']', but got %(token)s", token=m["token"])),
    (re.compile(r"expected ',' or '\}', but got (?P<token>.+)"),
     lambda m: N_("expected ',' or '}', but got %(token)s", token=m["token"])),
    (re.compile(r"found undefined alias (?P<name>.+)"),
     lambda m: N_("found undefined alias %(name)s", name=m["name"])),
    (re.compile(r"found unknown escape character (?P<char>.+)"),
     lambda m: N_("found unknown escape character %(char)s", char=m["char"])),
]


def yaml_problem(exc: yaml.YAMLError) -> tuple[int | None, Message | str]:
    """(0-based line in the YAML text or None, what is wrong)."""
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context in _OPENED and context_mark is not None:
        return context_mark.line, _OPENED[context]()
    mark = getattr(exc, "problem_mark", None) or context_mark
    return (mark.line if mark is not None else None), _words(getattr(exc, "problem", None) or str(exc))


def _words(problem: str) -> Message | str:
    for pattern, message in _PYYAML:
        match = pattern.fullmatch(problem)
        if match:
            return message(match)
    return problem
