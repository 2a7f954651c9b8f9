"""Moodle's GIFT format, read as Moodle's importer reads it.

Questions are separated by blank lines; ``//`` lines are comments; ``::title::`` names a
question; the answers are between the first ``{`` and the first ``}`` (text after them
makes a missing-word question, its blank written ``_____``); ``\\`` escapes ``: # = { } ~``
and itself, ``\\n`` is a new line; ``[markdown]``, ``[html]``, ``[plain]`` or ``[moodle]``
before a text gives its format. Each question is graded here as Moodle grades it, or
refused with its line (docs/authoring.en.md, "Importing from Moodle").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from lms.content.importers.model import Draft, Reading, Refusal
from lms.content.importers.text import to_markdown
from lms.content.messages import N_, Message

# Escapes become private-use characters while the structure is read, as Moodle does.
_ESCAPES = {"\\:": "\ue03a", "\\#": "\ue023", "\\=": "\ue03d", "\\{": "\ue07b",
            "\\}": "\ue07d", "\\~": "\ue07e", "\\n": "\ue00a"}
_UNESCAPE = str.maketrans({"\ue03a": ":", "\ue023": "#", "\ue03d": "=", "\ue07b": "{",
                           "\ue07d": "}", "\ue07e": "~", "\ue00a": "\n"})
_WEIGHT = re.compile(r"^%-*[0-9]{1,2}\.?[0-9]*%")
_FORMATS = ("moodle", "html", "plain", "markdown")


def read_gift(source: str) -> Reading:
    reading = Reading()
    block: list[tuple[int, str]] = []
    for number, raw in enumerate(source.lstrip("\ufeff").splitlines() + [""], start=1):
        line = raw.strip()
        if line:
            block.append((number, line))
        elif block:
            _read_block(block, reading)
            block = []
    return reading


def _read_block(block: list[tuple[int, str]], reading: Reading) -> None:
    lines = [(n, " " if line.startswith("//") else line) for n, line in block]
    first = next((n for n, line in lines if line.strip()), None)
    text = "\n".join(line for _, line in lines).strip()
    if first is None or not text:
        return
    try:
        draft = _read_question(first, _escape(text))
    except _Refused as refusal:
        reading.refusals.append(Refusal(first, refusal.message))
        return
    if draft is not None:
        reading.drafts.append(draft)


class _Refused(Exception):
    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message


def _escape(text: str) -> str:
    text = text.replace("\\\\", "\ue05c")
    for escaped, placeholder in _ESCAPES.items():
        text = text.replace(escaped, placeholder)
    return text.replace("\ue05c", "\\")


def _with_format(text: str, default: str) -> tuple[str, str]:
    """(text without its ``[format]`` prefix, format), escapes undone, trimmed."""
    text_format = default
    if text.startswith("[") and "]" in text:
        name = text[1:text.index("]")]
        if name in _FORMATS:
            text_format, text = name, text[text.index("]") + 1:]
    return text.translate(_UNESCAPE).strip(), text_format


def _read_question(line: int, text: str) -> Draft | None:
    if text.startswith("$CATEGORY:"):
        return None  # Moodle's question-bank category: nothing to import
    title = ""
    if text.startswith("::"):
        text = text[2:]  # as Moodle: without a closing '::' there is no title, text goes on
        if "::" in text:
            end = text.index("::")
            title, text = text[:end].translate(_UNESCAPE).strip(), text[end + 2:].strip()
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        raise _Refused(N_("a description (text without a question) is not imported"))
    if start < 0 or finish < 0 or finish < start:
        raise _Refused(N_("the answers need both braces, '{' then '}' (write \\{ or \\} for a "
                          "brace)"))
    answers = text[start + 1:finish].strip()
    blank = "" if text.endswith("}") else "_____"
    question_text = text[:start] + blank + text[finish + 1:]
    general = ""
    if "####" in answers:
        cut = answers.rindex("####")
        answers, general = answers[:cut].strip(), answers[cut + 4:]
    body, text_format = _with_format(question_text, "moodle")
    draft = Draft(line=line, kind="", title=title, text=to_markdown(body, text_format))
    kind = _kind(answers)
    reader = {"essay": _essay, "numeric": _numeric, "multichoice": _multichoice,
              "truefalse": _truefalse, "shortanswer": _short_answer}.get(kind)
    if reader is None:
        raise _Refused(N_("matching questions cannot be expressed in a quiz file; left out"))
    reader(draft, answers, text_format)
    if general.strip():
        feedback, feedback_format = _with_format(general, text_format)
        draft.feedback.append(to_markdown(feedback, feedback_format))
    return draft


def _kind(answers: str) -> str:
    if answers == "":
        return "essay"
    if answers.startswith("#"):
        return "numeric"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "match"
    check = answers.split("#", 1)[0].strip() if "#" in answers[1:] else answers
    return "truefalse" if check in ("T", "TRUE", "F", "FALSE") else "shortanswer"


def _essay(draft: Draft, answers: str, text_format: str) -> None:
    draft.kind = "essay"


def _split(answers: str, separator: str) -> list[str]:
    parts = answers.split(separator)
    if parts and not parts[0].strip():
        parts = parts[1:]
    return [part.strip() for part in parts]


def _weight(answer: str, default: float) -> tuple[float, str]:
    """(percent, answer without its ``%N%`` weight)."""
    if not _WEIGHT.match(answer):
        return default, answer
    end = answer.index("%", 1)
    return float(answer[1:end].lstrip("-") or 0) * (-1 if answer[1] == "-" else 1), answer[end + 1:]


def _with_feedback(answer: str, text_format: str) -> tuple[str, str, str]:
    """(answer text, its format, its feedback as Markdown)."""
    text, _, feedback = answer.partition("#")
    value, value_format = _with_format(text, text_format)
    feedback, feedback_format = _with_format(feedback, text_format)
    return value, value_format, to_markdown(feedback, feedback_format)


def _multichoice(draft: Draft, answers: str, text_format: str) -> None:
    single = "=" in answers
    parts = _split(answers.replace("=", "~="), "~")
    if len(parts) < 2:
        raise _Refused(N_("a multiple-choice question needs at least two answers"))
    for part in parts:
        if part.startswith("="):
            weight, part = 100.0, part[1:]
        else:
            weight, part = _weight(part, 0.0)
        value, value_format, feedback = _with_feedback(part, text_format)
        choice = to_markdown(value, value_format)
        if weight > 100 or weight < -100:
            raise _Refused(N_("the weight %(weight)s is outside -100%% to 100%%",
                              weight=format(weight, "g") + "%"))
        if single and weight < 0:
            raise _Refused(N_("a negative weight in a one-answer question takes marks away in "
                              "Moodle; a quiz file has no negative marks"))
        draft.choices.append((choice, weight))
        if feedback:
            draft.feedback.append(f"- **{_inline(choice)}**: {_inline(feedback)}")
    draft.kind = "single" if single else "multiple"


def _truefalse(draft: Draft, answers: str, text_format: str) -> None:
    parts = answers.split("#", 2) + ["", ""]
    truth = parts[0].strip() in ("T", "TRUE")
    wrong, right = (to_markdown(*_with_format(p, text_format)) for p in parts[1:3])
    draft.kind = "single"
    draft.choices = [("True", 100.0 if truth else 0.0), ("False", 0.0 if truth else 100.0)]
    for label, feedback in ((("True", right), ("False", wrong)) if truth
                            else (("True", wrong), ("False", right))):
        if feedback:
            draft.feedback.append(f"- **{label}**: {_inline(feedback)}")


def _ordered_keys(parts, read, label) -> list:
    """Full-credit answers; zero-credit ones (feedback only) may only follow them."""
    keys: list = []
    seen_zero = False
    for part in parts:
        weight, part = _weight(part, 100.0)
        if weight not in (0.0, 100.0):
            raise _Refused(N_("partial credit (%(weight)s) for an answer has no form in a quiz file",
                              weight=format(weight, "g") + "%"))
        value, feedback = read(part)
        if weight == 100.0:
            if seen_zero:
                raise _Refused(N_("a %(zero)s answer before a full-credit one changes which "
                                  "answer Moodle matches first; put full-credit answers first",
                                  zero="0%"))
            keys.append(value)
        seen_zero = seen_zero or weight == 0.0
        if feedback:
            label(value, feedback, weight)
    if not keys:
        raise _Refused(N_("the question has no full-credit answer"))
    return keys


def _short_answer(draft: Draft, answers: str, text_format: str) -> None:
    def read(part: str):
        value, _, feedback = _with_feedback(part, text_format)
        if not value:
            raise _Refused(N_("an empty '=' answer"))
        return value, feedback

    def label(value, feedback, weight):
        draft.feedback.append(f"- {_inline(_code(value))}: {_inline(feedback)}")

    draft.kind = "text"
    draft.keys = [_text_key(value) for value in _ordered_keys(_split(answers, "="), read, label)]


def _numeric(draft: Draft, answers: str, text_format: str) -> None:
    answers = answers[1:]
    wrong = ""
    if "~" in answers:
        answers, wrong = answers[:answers.index("~")], answers[answers.index("~"):]

    def read(part: str):
        value, _, feedback = _with_feedback(part, text_format)
        return _number_key(value), feedback

    def label(value, feedback, weight):
        draft.feedback.append(f"- {_number_label(value)}: {_inline(feedback)}")

    parts = _split(answers, "=")
    if not parts:
        raise _Refused(N_("a numeric question needs an answer after '#'"))
    draft.kind = "numeric"
    draft.numbers = _ordered_keys(parts, read, label)
    if wrong:
        feedback = _with_feedback(wrong[1:], text_format)[2]
        if feedback:
            draft.feedback.append(f"- *other answers*: {_inline(feedback)}")


def _number_key(answer: str) -> tuple[str, str]:
    """(value, tolerance) from ``2``, ``1822:1`` or ``3.141..3.142``, exactly."""
    try:
        if answer.find("..") > 0:
            low, high = (Decimal(x.strip()) for x in answer.split("..", 1))
            value = (low + high) / 2
            return _decimal(value), _decimal(high - value)
        if answer.find(":") > 0:
            value, tolerance = (Decimal(x.strip()) for x in answer.split(":", 1))
            return _decimal(value), _decimal(abs(tolerance))
        return _decimal(Decimal(answer.strip())), "0"
    except (InvalidOperation, ValueError):
        raise _Refused(N_("'%(value)s' is not a number, a number:tolerance or a low..high range",
                          value=answer)) from None


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(value)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _number_label(value: tuple[str, str]) -> str:
    return value[0] if value[1] == "0" else f"{value[0]} ± {value[1]}"


def _text_key(value: str) -> str:
    """An '=' line accepting what Moodle's short answer accepts (``*`` matches anything)."""
    from lms.content.importers.writer import text_key

    return text_key(value)


def _inline(markdown: str) -> str:
    return " ".join(markdown.split())


def _code(value: str) -> str:
    return "`" + value.replace("`", "'") + "`"
