"""Typed reading of front-matter keys, with each problem at the line of its key."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Any

from lms.content.frontmatter import meta_line
from lms.content.links import SLUG
from lms.content.messages import N_, Message
from lms.content.problems import ContentProblem
from lms.content.severity import is_warning, warning



def slug_rule() -> Message:
    return N_("lowercase letters, digits and '-', starting with a letter or digit")


class MetaReader:
    """Reads one file's front matter; collects problems instead of raising."""

    def __init__(self, path: str, text: str, meta: Mapping[Any, Any], allowed: Collection[str]):
        self.path = path
        self.text = text
        self.meta = meta
        self.problems: list[ContentProblem] = []
        for key in meta:
            if str(key) not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
                if close:
                    self.error(str(key), N_("unknown key '%(key)s' (did you mean '%(hint)s'?)",
                                            key=str(key), hint=close[0]))
                else:
                    self.error(str(key), N_("unknown key '%(key)s' (known keys: %(known)s)",
                                            key=str(key), known=", ".join(sorted(allowed))))

    @property
    def ok(self) -> bool:
        return not any(not is_warning(p) for p in self.problems)

    def line(self, key: str) -> int:
        return meta_line(self.text, key)

    def error(self, key: str, message: Message) -> None:
        self.problems.append(ContentProblem(self.path, self.line(key), message))

    def warn(self, key: str, message: Message) -> None:
        self.problems.append(warning(self.path, self.line(key), message))

    def _value(self, key: str) -> Any:
        return self.meta.get(key)

    def text_value(self, key: str, required: bool = False) -> str | None:
        value = self._value(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(key, N_("'%(key)s' is required", key=key))
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(key, N_("'%(key)s' must be text (put it in quotes)", key=key))
            return None
        return str(value).strip()

    def integer(self, key: str, default: int | None = None, minimum: int | None = None) -> int | None:
        value = self._value(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, N_("'%(key)s' must be a whole number, not %(value)s", key=key,
                               value=repr(value)))
            return default
        if minimum is not None and value < minimum:
            self.error(key, N_("'%(key)s' must be at least %(minimum)s", key=key, minimum=minimum))
            return default
        return value

    def number(self, key: str, minimum: float | None = None) -> float | None:
        value = self._value(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(key, N_("'%(key)s' must be a number, not %(value)s", key=key, value=repr(value)))
            return None
        if minimum is not None and value < minimum:
            self.error(key, N_("'%(key)s' must be at least %(minimum)s", key=key, minimum=minimum))
            return None
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._value(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(key, N_("'%(key)s' must be true or false, not %(value)s", key=key,
                               value=repr(value)))
            return default
        return value

    def choice(self, key: str, options: Collection[str]) -> str | None:
        value = self._value(key)
        if value is None:
            return None
        if not isinstance(value, str) or value not in options:
            self.error(key, N_("'%(key)s' must be one of %(options)s, not %(value)s", key=key,
                               options=", ".join(options), value=repr(value)))
            return None
        return value

    def slug(self, key: str) -> str | None:
        value = self._value(key)
        if value is None:
            return None
        if not isinstance(value, str) or not SLUG.match(value):
            self.error(key, N_("'%(key)s' must be a slug (%(rule)s), not %(value)s", key=key,
                               rule=slug_rule(), value=repr(value)))
            return None
        return value

    def slug_list(self, key: str) -> tuple[str, ...]:
        value = self._value(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(key, N_("'%(key)s' must be a list of slugs, e.g. [%(value)s]", key=key,
                               value=value)
                       if isinstance(value, str) else N_("'%(key)s' must be a list of slugs", key=key))
            return ()
        slugs: list[str] = []
        for item in value:
            if not isinstance(item, str) or not SLUG.match(item):
                self.error(key, N_("'%(key)s': %(value)s is not a slug (%(rule)s)", key=key,
                                   value=repr(item), rule=slug_rule()))
            elif item in slugs:
                self.warn(key, N_("'%(key)s' lists '%(item)s' twice", key=key, item=item))
            else:
                slugs.append(item)
        return tuple(slugs)
