"""Split a Markdown file into YAML front matter and body, keeping line numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from lms.content.messages import N_
from lms.content.problems import ContentError
from lms.content.yaml_errors import yaml_problem


class _Loader(yaml.SafeLoader):
    """Safe YAML where an impossible date (``2026-13-01``) stays text for the reader to
    report on its line, instead of crashing the parse."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


@dataclass(frozen=True)
class Document:
    meta: dict[str, Any]
    body: str
    body_line: int  # 1-based line number of the body's first line in the file


def split_front_matter(text: str) -> Document:
    """Parse ``---``-fenced YAML at the top of ``text``.

    A file without front matter has empty meta. Errors raise ContentError with the
    file line of the problem.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return Document(meta={}, body=text, body_line=1)
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            break
    else:
        raise ContentError(1, N_("front matter opened with '---' is never closed"))
    raw = "".join(lines[1:end])
    try:
        meta = yaml.load(raw, Loader=_Loader) if raw.strip() else {}  # noqa: S506 - safe
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        raise ContentError(line + 2 if line is not None else 1,
                           N_("invalid front matter: %(detail)s", detail=problem)) from None
    if not isinstance(meta, dict):
        raise ContentError(2, N_("front matter must be a mapping of 'key: value' lines"))
    return Document(meta=meta, body="".join(lines[end + 1:]), body_line=end + 2)


def meta_line(text: str, key: str) -> int:
    """The line where ``key:`` is set in the front matter (1 when not found)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(f"{key}:"):
            return number
        if number > 1 and line.strip() == "---":
            break
    return 1
