"""Reading composed YAML nodes with line-aware problems.

``yaml.safe_load`` loses line numbers; walking the composed node tree keeps each entry's
mark, so a problem can say exactly where it is. Subclasses add the sections of one file.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lms.content.problems import ContentProblem

Entry = tuple[Node, Node]  # (key node, value node)


def suggest(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, [str(k) for k in known], n=1, cutoff=0.8)
    return f" (did you mean '{close[0]}'?)" if close else ""


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


class NodeReader:
    """Collects problems instead of stopping at the first, and records entry lines."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[ContentProblem] = []
        self.lines: dict[tuple[str, ...], int] = {}

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(ContentProblem(self.path, line_of(node), message))


    def mapping(self, node: Node, label: str, allowed: tuple[str, ...] | None = None,
                ) -> dict[str, Entry] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{label} must be a mapping of 'key: value' entries")
            return None
        entries: dict[str, Entry] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else None
            if key is None:
                self.problem(key_node, f"{label}: a key must be a plain name")
            elif key in entries:
                self.problem(key_node, f"{label}: '{key}' is given twice")
            elif allowed is not None and key not in allowed:
                self.problem(key_node, f"{label}: unknown key '{key}'{suggest(key, allowed)}; "
                                       f"allowed: {', '.join(allowed)}")
            else:
                entries[key] = (key_node, value_node)
        return entries

    def title(self, fields: dict[str, Entry], node: Node, label: str) -> str:
        if "title" not in fields:
            self.problem(node, f"{label} needs a 'title'")
            return ""
        value = construct(fields["title"][1])
        if value is None or isinstance(value, (list, dict)) or not str(value).strip():
            self.problem(fields["title"][1], f"{label}: 'title' must be a non-empty text")
            return ""
        return str(value).strip()

    def names(self, entry: Entry | None, label: str, where: tuple[str, ...],
              pattern: re.Pattern[str]) -> tuple[str, ...]:
        if entry is None:
            return ()
        node = entry[1]
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{label} must be a list of names, e.g. [a, b]")
            return ()
        names: list[str] = []
        for item in node.value:
            value = construct(item) if isinstance(item, ScalarNode) else None
            if not isinstance(value, str) or not pattern.match(value):
                self.problem(item, f"{label}: {show(item)} is not a name (lowercase letters, "
                                   "digits, '-')")
            elif value in names:
                self.problem(item, f"{label}: '{value}' is listed twice")
            else:
                names.append(value)
                self.lines[where + (value,)] = line_of(item)
        return tuple(names)

    def thresholds(self, entry: Entry | None, label: str, where: tuple[str, ...], *,
                   allowed: tuple[str, ...] | None, low: float, high: float | None,
                   unit: str = "", whole: bool = False,
                   ranges: dict[str, tuple[float, float]] | None = None) -> tuple[tuple[str, float], ...]:
        """``name: number`` pairs within ``low``–``high``, or a name's own range in ``ranges``."""
        if entry is None:
            return ()
        fields = self.mapping(entry[1], label, allowed)
        if fields is None:
            return ()
        result = []
        for name, (key_node, value_node) in fields.items():
            self.lines[where + (name,)] = line_of(key_node)
            name_low, name_high = (ranges or {}).get(name, (low, high))
            value = self.number(value_node, f"{label} '{name}'", name_low, name_high, unit, whole)
            if value is not None:
                result.append((name, value))
        return tuple(result)

    def number(self, node: Node, label: str, low: float, high: float | None, unit: str = "",
               whole: bool = False) -> float | None:
        value = construct(node) if isinstance(node, ScalarNode) else None
        kind = "a whole number" if whole else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                whole and not isinstance(value, int)):
            self.problem(node, f"{label} must be {kind}, not {show(node)}")
            return None
        if value < low or (high is not None and value > high):
            span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            self.problem(node, f"{label} must be {span}{' ' + unit if unit else ''}, not {value:g}")
            return None
        return value

    def percent(self, entry: Entry | None, label: str) -> float | None:
        return None if entry is None else self.number(entry[1], label, 0, 100, "percent")

    def count(self, entry: Entry | None, label: str) -> int | None:
        value = None if entry is None else self.number(entry[1], label, 0, None, whole=True)
        return None if value is None else int(value)

    def boolean(self, entry: Entry | None, label: str) -> bool | None:
        if entry is None:
            return None
        value = construct(entry[1]) if isinstance(entry[1], ScalarNode) else None
        if not isinstance(value, bool):
            self.problem(entry[1], f"{label} must be true or false, not {show(entry[1])}")
            return None
        return value


def construct(node: Node) -> Any:
    """The plain Python value of a scalar node, typed the way yaml.safe_load would."""
    return yaml.SafeLoader("").construct_object(node, deep=True)


def show(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return repr(node.value) if node.value else "nothing"
    return "a list" if isinstance(node, SequenceNode) else "a mapping"
