from __future__ import annotations

import logging
import re
import uuid

from django.http import HttpRequest

logger = logging.getLogger("didfarm.request")

API_PREFIXES = ("/api/", "/v1/")
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in {"/api", "/v1"}


class RequestIdMiddleware:
    """Give every request an id (or keep a sane one the caller sent) and echo it as ``X-Request-ID``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _INCOMING_ID.match(incoming) else f"req_{uuid.uuid4().hex}"
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class ApiErrorMiddleware:
    """Under /api and /v1 a crash answers the JSON error body (``server_error``), never an HTML page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api_path(request.path):
            return None
        from portal.api import json_error, server_error_body

        logger.exception(
            "Unhandled error on %s %s [%s]",
            request.method,
            request.path,
            getattr(request, "request_id", "-"),
            exc_info=exception,
        )
        body = server_error_body(request)["error"]
        return json_error(request, code=body["code"], message=body["message"], status=500)


class RejectNulBytesMiddleware:
    """No database stores a NUL byte in text; refuse such query strings up front (400) instead of letting
    them reach a query and fail there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or any("\x00" in v for v in request.GET.values()):
            if is_api_path(request.path):
                from portal.api import json_error

                return json_error(
                    request, code="validation_error", message="Query parameters may not contain NUL bytes.", status=422
                )
            from django.http import HttpResponseBadRequest

            return HttpResponseBadRequest("Query parameters may not contain NUL bytes.")
        return self.get_response(request)
