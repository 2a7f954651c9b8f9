"""The examples of the authoring guides, read from their fenced code blocks.

A block is an example when its info string names a target after the language:

- ```` ```markdown file=courses/x/course.md ```` starts a file of the example content;
- ```` ```markdown append=quizzes/x.md ```` adds to the end of a file already started;
- ```` ```markdown broken=quizzes/x.md ```` is a file that is wrong on purpose;
- ```` ```text output=quizzes/x.md ```` is what ``lms check`` prints for that broken file.

The line before each example names its target in bold, so a reader sees where it goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = ("authoring.md", "authoring.en.md")
KINDS = ("file", "append", "broken", "output")

_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_TARGET = re.compile(r"\b(?P<kind>file|append|broken|output)=(?P<path>\S+)")


@dataclass(frozen=True)
class Example:
    kind: str  # one of KINDS
    path: str  # the target, relative to the content root
    text: str  # the block's content, ending with a newline
    line: int  # the opening fence's line in the guide
    caption: str  # the nearest non-blank line above the block


def examples(guide: str) -> list[Example]:
    """Every example block of ``docs/<guide>``, in document order."""
    lines = (DOCS / guide).read_text(encoding="utf-8").splitlines()
    found: list[Example] = []
    index = 0
    while index < len(lines):
        match = _OPEN.match(lines[index])
        if match is None:
            index += 1
            continue
        fence, start = match["fence"], index
        index += 1
        body: list[str] = []
        while index < len(lines) and not _closes(lines[index], fence):
            body.append(lines[index])
            index += 1
        index += 1  # past the closing fence
        target = _TARGET.search(match["info"])
        if target is not None:
            caption = next((lines[i] for i in range(start - 1, -1, -1) if lines[i].strip()), "")
            found.append(Example(target["kind"], target["path"], "\n".join(body) + "\n",
                                 start + 1, caption))
    return found


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return (stripped.startswith(fence) and set(stripped) == {fence[0]})


def assemble(guide: str, root: Path) -> dict[str, str]:
    """Write the guide's ``file``/``append`` examples under ``root``; return {path: text}."""
    files: dict[str, str] = {}
    for example in examples(guide):
        if example.kind == "file":
            assert example.path not in files, f"{guide}:{example.line}: {example.path} started twice"
            files[example.path] = example.text
        elif example.kind == "append":
            assert example.path in files, \
                f"{guide}:{example.line}: append to {example.path}, which no earlier example starts"
            files[example.path] += example.text
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return files
