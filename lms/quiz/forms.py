"""Reading an attempt form: one field per served question, named after its id."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict


def field_name(question_id: str) -> str:
    return f"q-{question_id}"


def answers_from_form(form: MultiDict, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole answer sheet as posted: a question left blank clears its saved answer."""
    answers: dict[str, Any] = {}
    for question in questions:
        name = field_name(question["id"])
        if question["kind"] == "multiple":
            answers[question["id"]] = form.getlist(name) or None
        else:
            answers[question["id"]] = form.get(name) or None
    return answers


def seq_from_form(form: MultiDict) -> int | None:
    try:
        return int(form.get("seq", ""))
    except ValueError:
        return None
