"""Drafts written as a quiz file (docs/authoring.en.md), checked by the quiz parser itself.

A draft the parser refuses (two identical choices, say) is left out and reported at its
line in the source file, so what is written always loads.
"""

from __future__ import annotations

import re
import unicodedata

from lms.content.importers.model import Draft, Refusal
from lms.content.messages import N_, Message
from lms.content.quizzes import parse_quiz
from lms.content.severity import errors
from lms.rules.answers import parse_number

_BODY_CONTROL = re.compile(r"^(\s*)(=|>|##|[-*+][ \t]+[(\[])")
_TOLERANCE = re.compile(r"(\+-|\+/-|±)")
_WILDCARD = re.compile(r"(?<!\\)\*")


def text_key(value: str) -> str:
    """The '=' line for a Moodle short answer: plain text unless it would read as a number,
    a regular expression or a tolerance, or has Moodle's ``*`` wildcard."""
    risky = (parse_number(value) is not None or _TOLERANCE.search(value)
             or (value.startswith("/") and value.endswith("/")) or "*" in value)
    if not risky:
        return value
    parts = [_fold(part.replace("\\*", "*")) for part in _WILDCARD.split(value)]
    return "/" + ".*".join(re.escape(part) for part in parts) + "/"


def _fold(text: str) -> str:
    # Answers are compared NFKC-folded, case-folded and with runs of spaces as one.
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", folded)


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:50]


def _weight(percent: float) -> str:
    return f"{percent:.7f}".rstrip("0").rstrip(".") + "%"


def _question(draft: Draft, question_id: str) -> list[str]:
    lines = [line.rstrip() for line in draft.text.strip().splitlines()] or [""]
    heading = " ".join(lines[0].split()) or draft.title or "Question"
    out = [f"## {heading} {{{'essay ' if draft.kind == 'essay' else ''}id={question_id}}}"]
    body = [_BODY_CONTROL.sub(r"\1\\\2", line) for line in lines[1:]]
    if any(line.strip() for line in body):
        out += body + [""]
    if draft.kind in ("single", "multiple"):
        out += _choices(draft)
    elif draft.kind == "text":
        out += [f"= {key}" for key in draft.keys]
    elif draft.kind == "numeric":
        out += [f"= {value}" if tol == "0" else f"= {value} +- {tol}" for value, tol in draft.numbers]
    if draft.feedback:
        out.append("")
        for number, paragraph in enumerate(draft.feedback):
            if number and not (paragraph.startswith("- ") and draft.feedback[number - 1].startswith("- ")):
                out.append(">")
            out += [f"> {line}".rstrip() for line in paragraph.splitlines()]
    return out


def _choices(draft: Draft) -> list[str]:
    single = draft.kind == "single"
    out: list[str] = []
    first_right = True
    for text, weight in draft.choices:
        if single:
            if weight == 100.0 and first_right:
                marker, first_right = "(x)", False
            else:
                marker = "( )" if weight == 0 else f"({_weight(weight)})"
        else:  # always weights: Moodle sums the ticked ones, a 0% tick takes nothing away
            marker = f"[{_weight(weight)}]" if weight else "[ ]"
        lines = [line for line in text.strip().splitlines() if line.strip()] or [""]
        out.append(f"- {marker} {lines[0].strip()}".rstrip())
        out += [f"    {line.strip()}" for line in lines[1:]]
    return out


def write_quiz(title: str, drafts: list[Draft]) -> tuple[str | None, list[Refusal], int]:
    """(quiz Markdown or None when nothing could be written, refusals, questions written)."""
    refusals: list[Refusal] = []
    kept = list(drafts)
    ids: dict[int, str] = {}
    used: set[str] = set()
    for draft in kept:
        base = _slug(draft.title) or f"q-line-{draft.line}"
        question_id, n = base, 2
        while question_id in used:
            question_id, n = f"{base}-{n}", n + 1
        used.add(question_id)
        ids[id(draft)] = question_id
    while kept:
        text, starts = _assemble(title, kept, ids)
        _, problems = parse_quiz("quizzes/imported.md", text)
        bad = errors(problems)
        if not bad:
            return text, refusals, len(kept)
        dropped = set()
        for problem in bad:
            owner = max((s for s in starts if s[0] <= problem.line), default=None,
                        key=lambda s: s[0])
            if owner is None:
                return None, refusals + [Refusal(0, problem.message)], 0
            if id(owner[1]) not in dropped:
                dropped.add(id(owner[1]))
                # Lines of the written file mean nothing to the reader of the source file.
                refusals.append(Refusal(owner[1].line, _without_line(problem.message)))
        kept = [draft for draft in kept if id(draft) not in dropped]
    return None, refusals, 0


def _without_line(message: Message) -> Message:
    """The quiz parser's message without "(also line N)": lines of the written file mean
    nothing to the reader of the source file."""
    if "line" not in message.params:
        return message
    if message.msgid.startswith("duplicate question id"):
        return N_("duplicate question id '%(id)s'; give one of them an {id=...} attribute",
                  id=message.params["id"])
    if message.msgid.startswith("the same choice appears twice"):
        return N_("the same choice appears twice")
    return message


def _assemble(title: str, drafts: list[Draft], ids) -> tuple[str, list[tuple[int, Draft]]]:
    escaped_title = title.replace("\\", "\\\\").replace('"', '\\"')
    out = ["---", f'title: "{escaped_title}"', "---"]
    starts: list[tuple[int, Draft]] = []
    for draft in drafts:
        out.append("")
        starts.append((len(out) + 1, draft))
        out += _question(draft, ids[id(draft)])
    return "\n".join(out) + "\n", starts
