"""Domain errors: services raise them, views map them to a form field or a JSON error."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.extra = extra


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Throttled(ServiceError):
    status = 429
    code = "too_many_requests"


class Gone(ServiceError):
    """A link that was good once: used, expired or revoked."""

    status = 410
    code = "gone"
