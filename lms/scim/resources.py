"""SCIM User resources as plain values: reading bodies, PATCH operations, filters.

No app, no database: every function takes what it needs and returns a value or raises
:class:`ScimProblem`, which the views turn into a SCIM error (RFC 7644 §3.12).
Identity providers differ (Okta, Azure AD/Entra): attribute names and ops are
case-insensitive, ``active`` may come as the string "False", a PATCH may carry a path
or a value object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MAX_TEXT = 200      # names and external ids: the columns' size
MAX_OPERATIONS = 50


class ScimProblem(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def invalid(detail: str, scim_type: str = "invalidValue") -> ScimProblem:
    return ScimProblem(400, detail, scim_type)


@dataclass(frozen=True)
class Person:
    """What SCIM may set on one of the company's people (never role nor company)."""
    user_name: str
    name: str
    external_id: str | None = None
    active: bool = True


def _text(value, what: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    if value is None or value == "":
        if required:
            raise invalid(f"{what} is required.")
        return None
    if not isinstance(value, str):
        raise invalid(f"{what} must be a string.")
    value = value.strip()
    if len(value) > limit or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise invalid(f"{what} is too long or has control characters.")
    if required and not value:
        raise invalid(f"{what} is required.")
    return value or None


def as_bool(value, what: str = "active") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"  # Azure AD sends "False"
    raise invalid(f"{what} must be true or false.")


def _lower_keys(data: dict) -> dict:
    return {str(k).lower(): v for k, v in data.items()}


def _name_of(data: dict) -> str | None:
    """displayName, else name.formatted, else given and family names."""
    display = _text(data.get("displayname"), "displayName")
    if display:
        return display
    name = data.get("name")
    if name is None:
        return None
    if not isinstance(name, dict):
        raise invalid("name must be an object.")
    name = _lower_keys(name)
    formatted = _text(name.get("formatted"), "name.formatted")
    if formatted:
        return formatted
    parts = [_text(name.get(k), f"name.{k}") for k in ("givenname", "familyname")]
    joined = " ".join(p for p in parts if p)
    return _text(joined, "name") if joined else None


def _primary_email(data: dict) -> str | None:
    emails = data.get("emails")
    if emails is None:
        return None
    if not isinstance(emails, list) or not all(isinstance(e, dict) for e in emails):
        raise invalid("emails must be a list of objects.")
    emails = [_lower_keys(e) for e in emails]
    chosen = next((e for e in emails if e.get("primary") is True), emails[0] if emails else None)
    return _text(chosen.get("value"), "emails.value") if chosen else None


def person_from(body, current: Person | None = None) -> Person:
    """A POST or PUT body as a Person. userName is the sign-in address; when it is not
    one, the primary e-mail is used. PUT replaces: what the body leaves out is cleared
    (externalId) or kept where the account needs it (name)."""
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object.", "invalidSyntax")
    data = _lower_keys(body)
    user_name = _text(data.get("username"), "userName", required=True, limit=254)
    email = _primary_email(data)  # checked even when userName is the address
    if "@" not in user_name:
        user_name = email or user_name
    name = _name_of(data) or (current.name if current else user_name.split("@", 1)[0])
    active = as_bool(data["active"]) if data.get("active") is not None else True
    return Person(user_name=user_name.lower(), name=name,
                  external_id=_text(data.get("externalid"), "externalId"), active=active)


# -- PATCH (RFC 7644 §3.5.2) -------------------------------------------------------------

_EMAIL_PATH = re.compile(r'^emails(\[.*\])?(\.value)?$', re.IGNORECASE)


def _set(person: Person, path: str, value, op: str) -> Person:
    key = path.strip().lower()
    if op == "remove":
        if key == "externalid":
            return replace(person, external_id=None)
        raise invalid(f"{path} cannot be removed.", "mutability")
    if key == "active":
        return replace(person, active=as_bool(value))
    if key == "username":
        return replace(person, user_name=_text(value, "userName", required=True,
                                              limit=254).lower())
    if key == "externalid":
        return replace(person, external_id=_text(value, "externalId"))
    if key == "displayname" or key == "name.formatted":
        return replace(person, name=_text(value, path, required=True))
    if key == "name":
        if not isinstance(value, dict):
            raise invalid("name must be an object.")
        return replace(person, name=_name_of({"name": value}) or person.name)
    if key in ("name.givenname", "name.familyname"):
        # Only the whole name is kept: a lone part replaces its own half when the name has two.
        part = _text(value, path, required=True)
        halves = person.name.split(" ", 1)
        if len(halves) == 2:
            halves[0 if key == "name.givenname" else 1] = part
            return replace(person, name=" ".join(halves))
        return replace(person, name=part)
    if _EMAIL_PATH.match(key):
        email = value if isinstance(value, str) else _primary_email({"emails": value})
        return replace(person, user_name=_text(email, "emails", required=True,
                                              limit=254).lower())
    raise invalid(f"Unknown or read-only attribute: {path}", "invalidPath")


def patched(person: Person, body) -> Person:
    """``person`` after the body's PatchOp operations, all or none."""
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object.", "invalidSyntax")
    data = _lower_keys(body)
    operations = data.get("operations")
    if not isinstance(operations, list) or not operations:
        raise invalid("Operations must be a non-empty list.", "invalidSyntax")
    if len(operations) > MAX_OPERATIONS:
        raise invalid("Too many operations.", "tooMany")
    for raw in operations:
        if not isinstance(raw, dict):
            raise invalid("Each operation must be an object.", "invalidSyntax")
        operation = _lower_keys(raw)
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise invalid("op must be add, replace or remove.", "invalidSyntax")
        path, value = operation.get("path"), operation.get("value")
        if path is not None and not isinstance(path, str):
            raise invalid("path must be a string.", "invalidPath")
        if path:
            person = _set(person, path, value, op)
        elif op == "remove":
            raise invalid("remove needs a path.", "noTarget")
        elif isinstance(value, dict):
            for key, item in value.items():
                person = _set(person, str(key), item, op)
        else:
            raise invalid("Without a path the value must be an object.", "invalidSyntax")
    return person


# -- filters (RFC 7644 §3.4.2.2): the ones identity providers send ----------------------

_FILTER = re.compile(r'^\s*(userName|externalId|emails(?:\.value)?|id)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$',
                     re.IGNORECASE)


@dataclass(frozen=True)
class Filter:
    attribute: str  # username, externalid or id
    value: str


def parse_filter(text: str | None) -> Filter | None:
    if text is None or not text.strip():
        return None
    match = _FILTER.match(text)
    if not match:
        raise invalid('Only filters of the form userName eq "..." (or externalId, emails, '
                      'id) are supported.', "invalidFilter")
    attribute = match.group(1).lower()
    value = re.sub(r'\\(.)', r'\1', match.group(2))
    if attribute.startswith("emails"):
        attribute = "username"
    return Filter(attribute, value)


@dataclass(frozen=True)
class Page:
    start_index: int  # 1-based
    count: int


def page_of(start_index: str | None, count: str | None, *, default: int = 100,
            maximum: int = 200) -> Page:
    """startIndex below 1 means 1; count below 0 means 0; both must be integers."""
    try:
        start = int(start_index) if start_index not in (None, "") else 1
        size = int(count) if count not in (None, "") else default
    except ValueError:
        raise invalid("startIndex and count must be integers.") from None
    return Page(max(start, 1), min(max(size, 0), maximum))
