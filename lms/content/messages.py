"""Content problems as structured messages: an English msgid with named parameters.

Every message a parser or importer writes is declared once, where it is raised, as
``N_("'%(key)s' is required", key=key)``. pybabel extracts the msgid (babel.cfg names
``N_`` as a keyword); ``str()`` of the message is the English text ``lms check`` prints;
the site shows ``translated()``, in the reader's language. Parameters that are the
author's own text (keys, values, slugs) are shown as they are; a parameter that is
itself a Message (a nested detail, a hint) is translated too.

A Message is a ``str`` (its English text), so sorting, comparing and ``in`` keep working
on problems; the structure travels with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any


class Message(str):
    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None) -> Message:
        params = MappingProxyType(dict(params or {}))
        self = super().__new__(cls, _render(msgid, params, _english))
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self):
        return (Message, (self.msgid, dict(self.params)))

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {dict(self.params)!r})"

    def translated(self, translate: Callable[[str], str] | None = None) -> str:
        """The text in ``translate``'s language (default: the current request's)."""
        if translate is None:
            translate = _request_gettext()
        try:
            return _render(self.msgid, self.params, translate)
        except (KeyError, TypeError, ValueError):  # a broken translation: the English text
            return str(self)


def N_(msgid: str, /, **params: Any) -> Message:  # noqa: N802 - the gettext convention
    """Declare a content message (extracted by pybabel; translated when shown)."""
    return Message(msgid, params)


def as_text(message: object) -> str:
    """A content message in the current request's language; anything else as written."""
    if isinstance(message, Message):
        return message.translated()
    return "" if message is None else str(message)


def _english(msgid: str) -> str:
    return msgid


def _render(msgid: str, params: Mapping[str, Any], translate: Callable[[str], str]) -> str:
    text = translate(msgid)
    if not params:
        return text
    values = {name: value.translated(translate) if isinstance(value, Message) else value
              for name, value in params.items()}
    return text % values


def _request_gettext() -> Callable[[str], str]:
    from flask import has_request_context

    if not has_request_context():
        return _english
    from lms.i18n import request_translations

    return request_translations().ugettext
