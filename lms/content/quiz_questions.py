"""One quiz question: from its ``## `` heading and the lines under it to a Question.

The grammar (docs/authoring.en.md, "Question kinds"): the heading is the stem with optional ``{…}``
attributes; then optional Markdown body text; then either choice lines
(``- ( )``/``- (x)`` or ``- [ ]``/``- [x]``) or ``=`` answer lines; then ``>``
explanation lines, of which an essay's may end in a ``> rubric:`` block (the marking
criteria, for trainers only). Every mistake raises ContentError with its file line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from lms.content.markdown import render_inline, render_markdown
from lms.content.messages import N_
from lms.content.problems import ContentError
from lms.rules.answers import compile_answer_pattern, normalise_text, parse_number

KINDS = ("single", "multiple", "text", "numeric", "essay")
MAX_POINTS = 1000

_ATTRIBUTES = re.compile(r"^(?P<stem>.*?)\s*\{(?P<attrs>[^{}]*)\}\s*$")
_EXPLICIT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_WEIGHT = r"[+-]?\d{1,3}(?:\.\d+)?%"
_CHOICE = re.compile(
    rf"^ {{0,3}}[-*+][ \t]+(?:\((?P<radio>[ xX]?|{_WEIGHT})\)|\[(?P<check>[ xX]?|{_WEIGHT})\])"
    r"(?:[ \t]+(?P<text>.*))?$"
)
_ANSWER = re.compile(r"^=(?P<text>.*)$")
_EXPLANATION = re.compile(r"^ {0,3}>")
_RUBRIC = re.compile(r"^rubric:\s*(?P<rest>.*)$", re.IGNORECASE)
_TOLERANCE = re.compile(r"^(?P<value>.+?)\s*(?:\+-|\+/-|±)\s*(?P<tolerance>.*)$")
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")


@dataclass(frozen=True)
class Choice:
    id: str
    text: str  # as authored (Markdown), for trainers' reports
    html: str
    correct: bool
    # Percent of the question's points this choice is worth, when the question gives
    # weights (``[50%]``, ``[-100%]``, ``(50%)``); None otherwise.
    weight: float | None = None


@dataclass(frozen=True)
class TextAnswer:
    text: str


@dataclass(frozen=True)
class RegexAnswer:
    pattern: str


@dataclass(frozen=True)
class NumericAnswer:
    value: float
    tolerance: float = 0.0


Answer = TextAnswer | RegexAnswer | NumericAnswer


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # one of KINDS
    stem: str  # plain text of the heading, attributes removed
    stem_html: str
    body_html: str
    points: float
    partial: bool
    choices: tuple[Choice, ...]
    accepted: tuple[Answer, ...]
    explanation_html: str
    line: int  # the heading's line in the file
    rubric_html: str = ""  # an essay's marking criteria: trainers only, never a learner


@dataclass
class QuestionBlock:
    """The raw lines of one question, as the quiz splitter found them."""

    heading_line: int
    heading: str  # the heading text after "## "
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Attributes:
    points: float = 1
    essay: bool = False
    partial: bool = False
    id: str | None = None


def derived_question_id(stem: str) -> str:
    """A stable id from the stem, so an attempt's answers survive unrelated edits."""
    digest = hashlib.sha256(normalise_text(stem).encode("utf-8")).hexdigest()
    return f"q-{digest[:10]}"


def _choice_id(question_id: str, text: str) -> str:
    # From the text, not the position: ids reveal nothing about the authored order.
    digest = hashlib.sha256(f"{question_id}\n{normalise_text(text)}".encode("utf-8"))
    return f"c-{digest.hexdigest()[:8]}"


def parse_question(block: QuestionBlock) -> Question:
    stem, attrs = _split_attributes(block.heading, block.heading_line)
    body, choice_lines, answer_lines, explanation, rubric = _split_sections(block)
    question_id = attrs.id or derived_question_id(stem)

    if attrs.essay:
        extra = choice_lines[:1] or answer_lines[:1]
        if extra:
            raise ContentError(extra[0][0], N_("an essay question takes no choices or '=' answers"))
        kind, choices, accepted = "essay", (), ()
    elif choice_lines and answer_lines:
        line = max(choice_lines[0][0], answer_lines[0][0])
        raise ContentError(line, N_("a question has either choices or '=' answers, not both"))
    elif choice_lines:
        kind, choices = _parse_choices(question_id, choice_lines, block.heading_line)
        accepted = ()
    elif answer_lines:
        kind, accepted = _parse_accepted(answer_lines)
        choices = ()
    else:
        raise ContentError(
            block.heading_line,
            N_("the question has no answers: add choices, '=' answers, or mark it {essay}"),
        )
    if rubric is not None and kind != "essay":
        raise ContentError(rubric[0], N_("a '> rubric:' block belongs to an {essay} question only"))
    if attrs.partial and kind != "multiple":
        raise ContentError(block.heading_line,
                           N_("'partial' only applies to a [ ] / [x] question"))
    if attrs.partial and any(choice.weight is not None for choice in choices):
        raise ContentError(block.heading_line,
                           N_("'partial' and choice weights do not mix: the weights give the "
                              "credit"))

    return Question(
        id=question_id,
        kind=kind,
        stem=stem,
        stem_html=render_inline(stem),
        body_html=render_markdown(body).html if body.strip() else "",
        points=attrs.points,
        partial=attrs.partial,
        choices=choices,
        accepted=accepted,
        explanation_html=render_markdown(explanation).html if explanation.strip() else "",
        line=block.heading_line,
        rubric_html=render_markdown(rubric[1]).html if rubric and rubric[1].strip() else "",
    )


def _split_attributes(heading: str, line: int) -> tuple[str, _Attributes]:
    match = _ATTRIBUTES.match(heading)
    stem, values = (match["stem"], match["attrs"]) if match else (heading, "")
    stem = stem.strip()
    if not stem:
        raise ContentError(line, N_("the question heading has no text"))
    found: dict[str, object] = {}
    for token in values.replace(",", " ").split():
        name, _, value = token.partition("=")
        if name in found:
            raise ContentError(line, N_("attribute '%(name)s' is given twice", name=name))
        if name == "points" and value:
            found[name] = _parse_points(value, line)
        elif name == "id" and value:
            if not _EXPLICIT_ID.fullmatch(value):
                raise ContentError(line, N_("id=%(value)s is not a valid id (letters, digits, '-', "
                                            "'_', '.')", value=value))
            found[name] = value
        elif name in {"essay", "partial"} and not value:
            found[name] = True
        else:
            raise ContentError(
                line, N_("unknown attribute '%(token)s' (known: points=N, essay, partial, "
                         "id=some-id)", token=token)
            )
    return stem, _Attributes(**found)  # type: ignore[arg-type]


def _parse_points(value: str, line: int) -> float:
    number = parse_number(value)
    if number is None or "%" in value or not 0 < number <= MAX_POINTS:
        raise ContentError(line, N_("points=%(value)s must be a number above 0 and at most %(max)s",
                                    value=value, max=MAX_POINTS))
    return int(number) if number == int(number) else number


def _split_sections(block: QuestionBlock):
    """Body Markdown, choice lines, answer lines, explanation Markdown and the rubric.

    The rubric is ``(line, markdown)`` from a ``> rubric:`` line to the end, or None.
    """
    body: list[str] = []
    choices: list[tuple[int, str, str]] = []  # (line, marker, text)
    answers: list[tuple[int, str]] = []
    explanation: list[str] = []
    rubric: list[str] | None = None
    rubric_line = 0
    phase = "body"
    fence: str | None = None
    after_choice = False  # an indented line right after a choice continues it
    for number, raw in block.lines:
        if phase == "body" and (fence or _FENCE.match(raw)):
            fence = _track_fence(fence, raw)
            body.append(raw)
            continue
        if not raw.strip():
            after_choice = False
            target = body if phase != "explanation" else explanation if rubric is None else rubric
            target.append(raw)
            continue
        if _EXPLANATION.match(raw):
            phase = "explanation"
            text = re.sub(r"^ {0,3}> ?", "", raw)
            marker = _RUBRIC.match(text.strip()) if rubric is None else None
            if marker:
                rubric, rubric_line = [marker["rest"]], number
            else:
                (explanation if rubric is None else rubric).append(text)
            continue
        choice, answer = _CHOICE.match(raw), _ANSWER.match(raw)
        if choice or answer:
            if phase == "explanation":
                raise ContentError(number, N_("choices and '=' answers go before the '>' explanation"))
            phase = "answers"
            after_choice = bool(choice)
            if choice:
                marker = "radio" if choice["radio"] is not None else "check"
                flag = (choice["radio"] if marker == "radio" else choice["check"]).strip()
                flag = flag if flag.endswith("%") else "x" if flag else ""
                choices.append((number, marker + flag, (choice["text"] or "").strip()))
            else:
                answers.append((number, answer["text"].strip()))
            continue
        if phase == "body":
            body.append(raw)
        elif phase == "answers" and after_choice and raw[:1] in " \t":
            line, marker, text = choices[-1]
            choices[-1] = (line, marker, f"{text}\n{raw.strip()}")
        elif phase == "answers":
            raise ContentError(number, N_("unexpected text among the answers; put question "
                                          "text before the choices or '=' lines"))
        else:
            raise ContentError(number, N_("unexpected text after the explanation; start every "
                                          "explanation line with '> '"))
    rubric_block = (rubric_line, "\n".join(rubric)) if rubric is not None else None
    return "\n".join(body), choices, answers, "\n".join(explanation), rubric_block


def _track_fence(open_fence: str | None, raw: str) -> str | None:
    match = _FENCE.match(raw)
    if open_fence is None:
        return match["fence"] if match else None
    closes = match and match["fence"][0] == open_fence[0] and len(match["fence"]) >= len(open_fence)
    return None if closes and not raw.strip().lstrip("`~") else open_fence


def _parse_choices(question_id: str, lines, heading_line: int) -> tuple[str, tuple[Choice, ...]]:
    style = _style(lines[0][1])
    for number, marker, _ in lines:
        if _style(marker) != style:
            raise ContentError(number, N_("a question mixes ( ) and [ ] choices; use one kind"))
    weighted = any(marker.endswith("%") for _, marker, _ in lines)
    choices: list[Choice] = []
    seen: dict[str, int] = {}
    for number, marker, text in lines:
        if not text:
            raise ContentError(number, N_("the choice has no text"))
        choice_id = _choice_id(question_id, text)
        if choice_id in seen:
            raise ContentError(number, N_("the same choice appears twice (also line %(line)s)",
                                          line=seen[choice_id]))
        seen[choice_id] = number
        weight = _weight(number, marker, style) if weighted else None
        correct = marker.endswith("x") if weight is None else weight > 0
        choices.append(Choice(id=choice_id, text=text, html=render_inline(text),
                              correct=correct, weight=weight))
    correct_lines = [number for number, marker, _ in lines if marker.endswith("x")]
    if style == "radio":
        if not correct_lines:
            raise ContentError(heading_line,
                               N_("a ( ) question needs exactly one (x): none is marked"))
        if len(correct_lines) > 1:
            raise ContentError(correct_lines[1], N_("a ( ) question needs exactly one (x); use "
                                                    "[ ] / [x] for several right answers"))
        return "single", tuple(choices)
    if not any(choice.correct for choice in choices):
        raise ContentError(heading_line,
                           N_("a [ ] question needs at least one [x] or a weight above 0%")
                           if weighted else N_("a [ ] question needs at least one [x]"))
    return "multiple", tuple(choices)


def _style(marker: str) -> str:
    return "radio" if marker.startswith("radio") else "check"


def _weight(number: int, marker: str, style: str) -> float:
    """A choice's percent in a weighted question: (x)/[x] 100, ( )/[ ] 0, or as written."""
    flag = marker[len(style):]
    if not flag.endswith("%"):
        return 100.0 if flag == "x" else 0.0
    value = float(flag[:-1])
    if style == "radio" and not 0 <= value <= 100:
        raise ContentError(number, N_("a ( ) choice's weight %(weight)s must be from 0%% to 100%%",
                                      weight=flag))
    if not -100 <= value <= 100:
        raise ContentError(number, N_("a choice's weight %(weight)s must be from -100%% to 100%%",
                                      weight=flag))
    return value


def _parse_accepted(lines) -> tuple[str, tuple[Answer, ...]]:
    parsed: list[tuple[int, str, NumericAnswer | None, bool]] = []
    for number, text in lines:
        if not text:
            raise ContentError(number, N_("an '=' line needs an accepted answer after it"))
        if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
            pattern = text[1:-1]
            if not pattern or compile_answer_pattern(pattern) is None:
                raise ContentError(number, N_("invalid regular expression %(pattern)s", pattern=text))
            parsed.append((number, text, None, False))
            continue
        parsed.append((number, text, *_parse_numeric_key(number, text)))
    if all(numeric is not None for _, _, numeric, _ in parsed):
        return "numeric", tuple(numeric for _, _, numeric, _ in parsed)  # type: ignore[misc]
    for number, _, _, has_tolerance in parsed:
        if has_tolerance:
            raise ContentError(number, N_("a '+-' tolerance only works when every '=' answer is a "
                                          "number"))
    accepted: list[Answer] = []
    for _, text, _, _ in parsed:
        is_regex = len(text) >= 2 and text.startswith("/") and text.endswith("/")
        accepted.append(RegexAnswer(text[1:-1]) if is_regex else TextAnswer(text))
    return "text", tuple(accepted)


def _parse_numeric_key(number: int, text: str) -> tuple[NumericAnswer | None, bool]:
    """(the numeric key or None when ``text`` is not a number, whether it had a tolerance)."""
    match = _TOLERANCE.match(text)
    if match and parse_number(match["value"]) is not None:
        tolerance = parse_number(match["tolerance"])
        if tolerance is None or tolerance < 0 or "%" in match["tolerance"]:
            raise ContentError(number, N_("bad tolerance '%(tolerance)s': write a number of 0 or "
                                          "more, e.g. '= 40 +- 0.5'",
                                          tolerance=match["tolerance"]))
        return NumericAnswer(parse_number(match["value"]), tolerance), True  # type: ignore[arg-type]
    value = parse_number(text)
    if value is None:
        return None, False
    return NumericAnswer(value, 0.0), False
