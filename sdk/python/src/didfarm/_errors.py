"""Typed errors. Every error the API answers carries its ``code`` (stable, machine-readable), the HTTP
``status``, the ``message`` meant for people and the ``request_id`` to quote to support."""

from __future__ import annotations

from typing import Any


class DidfarmError(Exception):
    """Base of every error this library raises."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        fields: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.request_id = request_id
        self.fields = fields or {}
        self.body = body
        self.headers = headers or {}

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.append(f"code={self.code}")
        if self.status:
            parts.append(f"status={self.status}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        if self.fields:
            parts.append(f"fields={self.fields}")
        return parts[0] + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")


class ConfigurationError(DidfarmError):
    """The client cannot be built as asked (no API key, for instance)."""


class APIConnectionError(DidfarmError):
    """The portal could not be reached (after the retries allowed)."""


class APITimeoutError(APIConnectionError):
    """The request took longer than the client's timeout."""


class APIError(DidfarmError):
    """The API answered with an error."""


class BadRequestError(APIError):
    """400: the request could not be read (malformed JSON, for instance)."""


class AuthenticationError(APIError):
    """401: no key, an unknown key, or an expired one."""


class PermissionDeniedError(APIError):
    """403: the key may not do this (a read-only key writing, an address outside the key's list)."""


class NotFoundError(APIError):
    """404: no such thing in your account."""


class ConflictError(APIError):
    """409: the thing is busy (the first request with this Idempotency-Key is still running)."""


class PayloadTooLargeError(APIError):
    """413: the body is larger than the API takes."""


class ValidationError(APIError):
    """422: the request was read but refused; ``fields`` says which field is wrong where it is one."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` says how many seconds to wait."""

    @property
    def retry_after(self) -> float | None:
        from ._base import retry_after_seconds

        return retry_after_seconds(self.headers)


class ServerError(APIError):
    """5xx: the portal failed, or a service it needs is briefly unavailable."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: ValidationError,
    429: RateLimitError,
}


def error_for(status: int, body: Any, headers: dict[str, str]) -> APIError:
    """The typed error of one error answer (the body is ``{"error": {"code", "message", "status", …}}``)."""
    detail = body.get("error") if isinstance(body, dict) else None
    detail = detail if isinstance(detail, dict) else {}
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    request_id = detail.get("request_id") or headers.get("x-request-id")
    return cls(
        str(detail.get("message") or f"HTTP {status}"),
        code=detail.get("code"),
        status=status,
        request_id=request_id,
        fields=detail.get("fields") if isinstance(detail.get("fields"), dict) else None,
        body=body,
        headers=headers,
    )
