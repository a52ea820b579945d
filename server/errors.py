"""Errors the service raises for callers, with a stable code and an HTTP status.

Rules: the message is written for the person who made the request and says
what was wrong; raising one means nothing was changed.
"""

from __future__ import annotations


class ServiceError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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
