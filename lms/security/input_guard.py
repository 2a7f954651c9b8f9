"""Refuse malformed input before any view parses it: one 400 instead of a 500 later.

- JSON bodies nested deeper than MAX_JSON_DEPTH: Python's parser recurses and would
  raise RecursionError (a 500) on a few thousand levels.
- NUL characters in JSON strings, form values, query strings and paths: PostgreSQL
  cannot store them in text columns and fails the whole request.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _

# No JSON body the API takes is deeper than a handful of levels (answers of arrays).
MAX_JSON_DEPTH = 32
# Forms that check NUL characters themselves: a sign-in with one is refused by the sign-in
# view, which also counts it against the address's throttle (lms.auth.views).
OWN_CHECKS = frozenset({"auth.login"})
_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in ``body`` (brackets in strings ignored)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return body.count(b"[") + body.count(b"{")  # cannot be deeper than its brackets
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in _OPENERS:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest  # enough to refuse it
        elif byte in _CLOSERS:
            depth -= 1
    return deepest


def has_nul(value: object) -> bool:
    """Whether a parsed JSON value holds a NUL character in any key or string."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\0" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def problem_with_request() -> str | None:
    """Why the current request is refused, or None."""
    if "\0" in request.path or any("\0" in v for v in request.args.values()):
        return _("The address contains a NUL character.")
    if request.is_json:
        body = request.get_data(cache=True)
        if json_depth(body) > MAX_JSON_DEPTH:
            return _("The JSON body is nested too deeply (at most %(depth)d levels).",
                     depth=MAX_JSON_DEPTH)
        if b"\\u0000" in body and has_nul(request.get_json(silent=True)):
            return _("The JSON body contains a NUL character.")
    elif request.method in ("POST", "PUT", "PATCH") and request.endpoint not in OWN_CHECKS \
            and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any("\0" in value for value in request.form.values()):
            return _("A form field contains a NUL character.")
    return None


def refuse_bad_input():
    reason = problem_with_request()
    if reason is None:
        return None
    if request.path.startswith("/scim/"):
        from lms.scim.views import scim_error
        return scim_error(400, reason, "invalidValue")
    if request.path.startswith("/api/") or request.is_json:
        return jsonify({"error": {"code": "invalid_body", "message": reason}}), 400
    return render_template("error.html", error=None, message=reason), 400


def init_app(app: Flask) -> None:
    # First of all before-request hooks: nothing else may parse the body before it.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_bad_input)
