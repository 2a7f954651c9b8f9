"""Quizzes and attempts over the API: the same services as the exam pages."""

from __future__ import annotations

from flask import g, jsonify

from lms.api import bp, json_body
from lms.api.openapi import EXTRA_PATHS, EXTRA_SCHEMAS
from lms.content.visibility import quiz_hidden, visible_quiz
from lms.models.types import utcnow
from lms.quiz import grace
from lms.rules.grading import public_questions, review_for
from lms.services import attempts as service
from lms.quiz.guard import COURSES_UNFINISHED, guard_for
from lms.services.errors import Conflict, Invalid, NotFound
from lms.web import content_store


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _quiz_or_404(slug: str):
    quiz = visible_quiz(content_store(), slug, g.api_user.sees_drafts)
    if quiz is None:
        raise NotFound("No such quiz, or it cannot be taken while its file has errors.")
    return quiz


def _visible_attempt(attempt_id: str) -> str:
    """The attempt's id if the caller may see its quiz (a draft course's: staff only)."""
    slug = service.quiz_slug_of(g.api_user, attempt_id)
    if quiz_hidden(content_store(), slug, g.api_user.sees_drafts):
        raise NotFound("No such attempt.")
    return attempt_id


def _hidden(slug: str) -> bool:
    """For the services that lock the attempt anyway: its quiz hidden from the caller."""
    return quiz_hidden(content_store(), slug, g.api_user.sees_drafts)


def attempt_json(attempt, *, with_questions: bool) -> dict:
    now = utcnow()
    body = {
        "id": attempt.id,
        "quiz": attempt.quiz_slug,
        "status": attempt.status,
        "started_at": _iso(attempt.started_at),
        "deadline": _iso(attempt.deadline),
        "now": _iso(now),
        "seq": attempt.last_seq,
        "answers": attempt.answers or {},
    }
    if with_questions:
        body["questions"] = public_questions(service.questions_of(attempt))
    if attempt.status != "in_progress":
        settings = attempt.snapshot["quiz"]
        body.update({
            "submitted_at": _iso(attempt.submitted_at),
            "score_percent": attempt.percent,
            "passed": attempt.passed,
        })
        review = review_for(service.questions_of(attempt), service.grade_of(attempt),
                            attempt.answers or {}, settings["review"], attempt.passed)
        if review is not None:
            body["review"] = review
        body["comments"] = [{"question_id": c["question_id"], "comment": c["comment"]}
                            for c in service.essay_comments(attempt)]
    return body


@bp.get("/quizzes/<slug>")
def quiz_info(slug: str):
    quiz = _quiz_or_404(slug)
    status = service.quiz_status(g.api_user, quiz, utcnow(), grace())
    decision = status.decision
    return jsonify({
        "slug": quiz.slug,
        "title": quiz.title,
        "time_limit": int(quiz.time_limit.total_seconds()) if quiz.time_limit else None,
        "pass_mark": quiz.pass_mark,
        "max_attempts": quiz.max_attempts,
        "questions": quiz.questions_per_attempt,
        "attempts_used": decision.attempts_used,
        "attempts_left": decision.attempts_left,
        "next_attempt_at": _iso(decision.next_attempt_at),
        "can_start": decision.allowed,
        "open_attempt": status.open_attempt.id if status.open_attempt else None,
        "passed": status.passed,
    })


@bp.post("/quizzes/<slug>/attempts")
def start_attempt(slug: str):
    quiz = _quiz_or_404(slug)
    guard = guard_for(g.api_user, slug, content_store())
    if guard.blocks:
        raise Conflict("Complete the certification's courses before starting this exam.",
                       code=COURSES_UNFINISHED, courses=[c.slug for c in guard.unfinished])
    attempt, created = service.start_attempt(g.api_user, quiz, utcnow(), grace())
    return jsonify(attempt_json(attempt, with_questions=True)), (201 if created else 200)


@bp.get("/attempts/<attempt_id>")
def get_attempt(attempt_id: str):
    attempt = service.owned_attempt(g.api_user, _visible_attempt(attempt_id), utcnow(), grace())
    return jsonify(attempt_json(attempt, with_questions=attempt.status == "in_progress"))


@bp.put("/attempts/<attempt_id>/answers")
def save_answers(attempt_id: str):
    data = json_body()
    answers, seq = data.get("answers"), data.get("seq")
    if not isinstance(answers, dict):
        raise Invalid("'answers' must be an object of question id to answer.", field="answers")
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise Invalid("'seq' must be an integer.", field="seq")
    attempt = service.save_answers(g.api_user, attempt_id, answers, seq, utcnow(), grace(),
                                   hidden=_hidden)
    return jsonify({"id": attempt.id, "status": attempt.status, "seq": attempt.last_seq,
                    "saved_at": _iso(attempt.last_saved_at), "answers": attempt.answers})


@bp.post("/attempts/<attempt_id>/submit")
def submit_attempt(attempt_id: str):
    attempt = service.submit(g.api_user, attempt_id, utcnow(), grace(), hidden=_hidden)
    return jsonify({"id": attempt.id, "status": attempt.status,
                    "score_percent": attempt.percent, "passed": attempt.passed,
                    "submitted_at": _iso(attempt.submitted_at)})


# --- OpenAPI ------------------------------------------------------------------------

_ERR = {"$ref": "#/components/schemas/Error"}


def _json(ref_or_schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": ref_or_schema}}}


_SLUG = {"name": "quiz", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
_ERRORS = {"401": _json(_ERR, "Missing or invalid token"), "404": _json(_ERR, "Not found")}

EXTRA_SCHEMAS.append({
    "QuizInfo": {"type": "object", "required": ["slug", "title", "time_limit", "pass_mark",
                                                 "attempts_used", "attempts_left", "next_attempt_at"],
                 "properties": {
                     "slug": {"type": "string"}, "title": {"type": "string"},
                     "time_limit": {"type": ["integer", "null"], "description": "seconds"},
                     "pass_mark": {"type": "number"}, "max_attempts": {"type": "integer"},
                     "questions": {"type": "integer"},
                     "attempts_used": {"type": "integer"},
                     "attempts_left": {"type": ["integer", "null"]},
                     "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
                     "can_start": {"type": "boolean"},
                     "open_attempt": {"type": ["string", "null"]},
                     "passed": {"type": "boolean"}}},
    "PublicQuestion": {"type": "object", "required": ["id", "type", "stem_html", "points", "choices"],
                       "properties": {
                           "id": {"type": "string"},
                           "type": {"type": "string", "enum": ["single", "multiple", "text", "numeric", "essay"]},
                           "stem_html": {"type": "string"}, "body_html": {"type": "string"},
                           "points": {"type": "number"},
                           "choices": {"type": "array", "items": {
                               "type": "object", "required": ["id", "html"],
                               "properties": {"id": {"type": "string"}, "html": {"type": "string"}}}}}},
    "Attempt": {"type": "object", "required": ["id", "status", "started_at", "deadline", "now"],
                "properties": {
                    "id": {"type": "string"}, "quiz": {"type": "string"},
                    "status": {"type": "string", "enum": ["in_progress", "submitted", "pending_review", "graded"]},
                    "started_at": {"type": "string", "format": "date-time"},
                    "deadline": {"type": ["string", "null"], "format": "date-time"},
                    "now": {"type": "string", "format": "date-time"},
                    "seq": {"type": "integer"}, "answers": {"type": "object"},
                    "questions": {"type": "array", "items": {"$ref": "#/components/schemas/PublicQuestion"}},
                    "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                    "score_percent": {"type": ["number", "null"]},
                    "passed": {"type": ["boolean", "null"]},
                    "review": {"type": "array", "items": {"type": "object"}},
                    "comments": {"type": "array", "description": "The trainer's comments on essays",
                                 "items": {"type": "object", "required": ["question_id", "comment"],
                                           "properties": {"question_id": {"type": "string"},
                                                          "comment": {"type": "string"}}}}}},
    "Answers": {"type": "object", "required": ["answers", "seq"],
                "properties": {"answers": {"type": "object", "additionalProperties": {
                    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}},
                              {"type": "null"}]}},
                               "seq": {"type": "integer"}}},
    "SubmitResult": {"type": "object", "required": ["status", "score_percent", "passed", "submitted_at"],
                     "properties": {"id": {"type": "string"}, "status": {"type": "string"},
                                    "score_percent": {"type": ["number", "null"]},
                                    "passed": {"type": ["boolean", "null"]},
                                    "submitted_at": {"type": "string", "format": "date-time"}}},
})

EXTRA_PATHS.append({
    "/quizzes/{quiz}": {"get": {
        "summary": "A quiz's rules and the caller's attempts", "tags": ["quizzes"],
        "parameters": [_SLUG],
        "responses": {"200": _json({"$ref": "#/components/schemas/QuizInfo"}), **_ERRORS}}},
    "/quizzes/{quiz}/attempts": {"post": {
        "summary": "Start an attempt (201) or return the open one (200)", "tags": ["quizzes"],
        "parameters": [_SLUG],
        "responses": {"201": _json({"$ref": "#/components/schemas/Attempt"}, "Started"),
                      "200": _json({"$ref": "#/components/schemas/Attempt"}, "The open attempt"),
                      "409": _json(_ERR, "No attempts left, cooldown running, or courses unfinished"
                                   " (courses_before_exam: block)"), **_ERRORS}}},
    "/attempts/{id}": {"get": {
        "summary": "An attempt: status, deadline, saved answers; result and review when closed",
        "tags": ["quizzes"], "parameters": [_ID],
        "responses": {"200": _json({"$ref": "#/components/schemas/Attempt"}), **_ERRORS}}},
    "/attempts/{id}/answers": {"put": {
        "summary": "Autosave answers (merged); seq must grow", "tags": ["quizzes"],
        "parameters": [_ID],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Answers"}}}},
        "responses": {"200": _json({"type": "object"}),
                      "400": _json(_ERR, "Not a JSON object, nested too deeply, or a NUL character"),
                      "409": _json(_ERR, "Stale seq or closed attempt"),
                      "422": _json(_ERR, "Invalid body, seq out of range, or answers refused "
                                         "(nothing saved; errors per question)"), **_ERRORS}}},
    "/attempts/{id}/submit": {"post": {
        "summary": "Grade and close (idempotent)", "tags": ["quizzes"], "parameters": [_ID],
        "responses": {"200": _json({"$ref": "#/components/schemas/SubmitResult"}), **_ERRORS}}},
})
