"""Errors the service raises for callers, with a stable code and an HTTP status.

Rules: the message is written for the person who made the request and says
what was wrong; raising one means nothing was changed. A conflict may say
which change got there first (``change``) and, for a fit to time that fitted
no room, why room by room (``result``); both reach the client as they are.
"""

from __future__ import annotations

from server.wire.messages import ChangeView, FitResult


class ServiceError(Exception):
    code = "error"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        change: ChangeView | None = None,
        result: FitResult | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.change = change
        self.result = result


class BadRequest(ServiceError):
    code = "request.invalid"
    status = 422


class Unauthorized(ServiceError):
    code = "auth.invalid"
    status = 401


class Forbidden(ServiceError):
    code = "auth.forbidden"
    status = 403


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class Busy(ServiceError):
    """The database could not take the write in time (another program holds SQLite's
    write lock): nothing was changed; the answer says when to try again."""

    code = "busy"
    status = 503
    retry_after_seconds = 1


def error_body(error: ServiceError) -> dict[str, object]:
    """The REST error object: code, message, field, and for conflicts what got there first."""
    body: dict[str, object] = {"code": error.code, "message": error.message, "field": error.field}
    if error.change is not None:
        body["change"] = error.change.model_dump()
    if error.result is not None:
        body["result"] = error.result.model_dump()
    return body
