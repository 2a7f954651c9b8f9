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

from lms.content.messages import N_, Message
from lms.content.problems import ContentProblem

Entry = tuple[Node, Node]  # (key node, value node)
# What a problem names: the author's own key ("'tiers'", "margin base") or a Message
# ("certification 'gold'").
Label = str | Message
# Number problems by (span, unit): "between 0 and 100 percent", "at least 1 people".
_NUMBER_RANGES = {
    ("between", ""): lambda **v: N_("%(label)s must be between %(low)s and %(high)s, not "
                                    "%(value)s", **v),
    ("between", "percent"): lambda **v: N_("%(label)s must be between %(low)s and %(high)s "
                                           "percent, not %(value)s", **v),
    ("between", "people"): lambda **v: N_("%(label)s must be between %(low)s and %(high)s "
                                          "people, not %(value)s", **v),
    ("at least", ""): lambda **v: N_("%(label)s must be at least %(low)s, not %(value)s", **v),
    ("at least", "percent"): lambda **v: N_("%(label)s must be at least %(low)s percent, not "
                                            "%(value)s", **v),
    ("at least", "people"): lambda **v: N_("%(label)s must be at least %(low)s people, not "
                                           "%(value)s", **v),
}


def suggest(name: str, known: Any) -> Message | str:
    """A hint to append to a message (its ``%(hint)s``): the closest known name, if any."""
    close = difflib.get_close_matches(name, [str(k) for k in known], n=1, cutoff=0.8)
    return N_(" (did you mean '%(name)s'?)", name=close[0]) if close else ""


def sub_label(label: Label, key: str) -> Message:
    """A key inside a labelled entry: "certification 'gold' requires"."""
    return N_("%(label)s %(key)s", label=label, key=key)


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


class NodeReader:
    """Collects problems instead of stopping at the first, and records entry lines."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[ContentProblem] = []
        self.lines: dict[tuple[str, ...], int] = {}

    def problem(self, node: Node, message: Message) -> None:
        self.problems.append(ContentProblem(self.path, line_of(node), message))


    def mapping(self, node: Node, label: Label, allowed: tuple[str, ...] | None = None,
                ) -> dict[str, Entry] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, N_("%(label)s must be a mapping of 'key: value' entries", label=label))
            return None
        entries: dict[str, Entry] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else None
            if key is None:
                self.problem(key_node, N_("%(label)s: a key must be a plain name", label=label))
            elif key in entries:
                self.problem(key_node, N_("%(label)s: '%(key)s' is given twice", label=label, key=key))
            elif allowed is not None and key not in allowed:
                self.problem(key_node, N_("%(label)s: unknown key '%(key)s'%(hint)s; allowed: "
                                          "%(allowed)s", label=label, key=key,
                                          hint=suggest(key, allowed), allowed=", ".join(allowed)))
            else:
                entries[key] = (key_node, value_node)
        return entries

    def title(self, fields: dict[str, Entry], node: Node, label: Label) -> str:
        if "title" not in fields:
            self.problem(node, N_("%(label)s needs a 'title'", label=label))
            return ""
        value = construct(fields["title"][1])
        if value is None or isinstance(value, (list, dict)) or not str(value).strip():
            self.problem(fields["title"][1], N_("%(label)s: 'title' must be a non-empty text",
                                                 label=label))
            return ""
        return str(value).strip()

    def names(self, entry: Entry | None, label: Label, where: tuple[str, ...],
              pattern: re.Pattern[str]) -> tuple[str, ...]:
        if entry is None:
            return ()
        node = entry[1]
        if not isinstance(node, SequenceNode):
            self.problem(node, N_("%(label)s must be a list of names, e.g. [a, b]", label=label))
            return ()
        names: list[str] = []
        for item in node.value:
            value = construct(item) if isinstance(item, ScalarNode) else None
            if not isinstance(value, str) or not pattern.match(value):
                self.problem(item, N_("%(label)s: %(value)s is not a name (lowercase letters, "
                                      "digits, '-')", label=label, value=show(item)))
            elif value in names:
                self.problem(item, N_("%(label)s: '%(value)s' is listed twice", label=label,
                                      value=value))
            else:
                names.append(value)
                self.lines[where + (value,)] = line_of(item)
        return tuple(names)

    def thresholds(self, entry: Entry | None, label: Label, where: tuple[str, ...], *,
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
            value = self.number(value_node, N_("%(label)s '%(name)s'", label=label, name=name),
                                name_low, name_high, unit, whole)
            if value is not None:
                result.append((name, value))
        return tuple(result)

    def number(self, node: Node, label: Label, low: float, high: float | None, unit: str = "",
               whole: bool = False) -> float | None:
        """A number within ``low``–``high`` (``unit``: "", "percent" or "people")."""
        value = construct(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                whole and not isinstance(value, int)):
            self.problem(node, N_("%(label)s must be a whole number, not %(value)s", label=label,
                                  value=show(node)) if whole else
                         N_("%(label)s must be a number, not %(value)s", label=label,
                            value=show(node)))
            return None
        if value < low or (high is not None and value > high):
            span = "between" if high is not None else "at least"
            self.problem(node, _NUMBER_RANGES[span, unit](
                label=label, low=f"{low:g}", high=f"{high:g}" if high is not None else "",
                value=f"{value:g}"))
            return None
        return value

    def percent(self, entry: Entry | None, label: Label) -> float | None:
        return None if entry is None else self.number(entry[1], label, 0, 100, "percent")

    def count(self, entry: Entry | None, label: Label) -> int | None:
        value = None if entry is None else self.number(entry[1], label, 0, None, whole=True)
        return None if value is None else int(value)

    def boolean(self, entry: Entry | None, label: Label) -> bool | None:
        if entry is None:
            return None
        value = construct(entry[1]) if isinstance(entry[1], ScalarNode) else None
        if not isinstance(value, bool):
            self.problem(entry[1], N_("%(label)s must be true or false, not %(value)s", label=label,
                                     value=show(entry[1])))
            return None
        return value


def construct(node: Node) -> Any:
    """The plain Python value of a scalar node, typed the way yaml.safe_load would."""
    return yaml.SafeLoader("").construct_object(node, deep=True)


def show(node: Node) -> Message | str:
    """What the author wrote, for a message: their value quoted, or what kind of thing it is."""
    if isinstance(node, ScalarNode):
        return repr(node.value) if node.value else N_("nothing")
    return N_("a list") if isinstance(node, SequenceNode) else N_("a mapping")
