"""A YAML syntax error as a problem on the line of the actual mistake.

PyYAML notices an unclosed ``[``, ``{`` or quote only on a later line; the mistake is
where it was opened (``level: [bronze`` on line 3 is reported on line 3, not 4).
"""

from __future__ import annotations

import yaml

_OPENED = {
    "while parsing a flow sequence": "'[' opened on this line is never closed with ']'",
    "while parsing a flow mapping": "'{' opened on this line is never closed with '}'",
    "while scanning a quoted scalar": "a quote opened on this line is never closed",
}


def yaml_problem(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """(0-based line in the YAML text or None, message)."""
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context in _OPENED and context_mark is not None:
        return context_mark.line, _OPENED[context]
    mark = getattr(exc, "problem_mark", None) or context_mark
    return (mark.line if mark is not None else None), getattr(exc, "problem", None) or str(exc)
