from __future__ import annotations

import logging
import re
import uuid

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

logger = logging.getLogger("didfarm.request")

API_PREFIXES = ("/api/", "/v1/")
# Programs read the API's messages: they are always English, whatever the caller's browser or cookie says
# (the codes are what stays stable; the pages translate what they show).
API_LANGUAGE = "en"
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
        from portal import outages
        from portal.api import json_error, server_error_body

        if isinstance(exception, outages.REDIS_ERRORS):
            from portal.errors import ServiceUnavailable

            outages.warn("request", "Redis is unreachable: a request was refused with 503")
            error = ServiceUnavailable()
            response = json_error(request, code=error.code, message=error.message, status=error.status)
            response["Retry-After"] = str(outages.RETRY_AFTER_SECONDS)
            return response

        logger.exception(
            "Unhandled error on %s %s [%s]",
            request.method,
            request.path,
            getattr(request, "request_id", "-"),
            exc_info=exception,
        )
        body = server_error_body(request)["error"]
        return json_error(request, code=body["code"], message=body["message"], status=500)


# The longest URL (path and query string, percent-encoded as sent) the portal serves. gunicorn refuses
# longer request lines on its own, with an HTML 400, before the portal sees them: portal/gunicorn_conf.py
# raises its limit to its maximum (8190 bytes for the whole line) so that every URL up to this one, and a
# little beyond, reaches ``UrlLengthMiddleware``, which answers 414 in the caller's format.
MAX_URL_LENGTH = 8000


class UrlLengthMiddleware:
    """A URL longer than ``MAX_URL_LENGTH`` is refused with 414 before any work: in the API's error format
    under /api and /v1 (JSON:API's under /api/v3), as an error page elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = len(request.get_full_path())
        if length <= MAX_URL_LENGTH:
            return self.get_response(request)
        from portal import views

        return views.uri_too_long(request, length=length, limit=MAX_URL_LENGTH)


class RejectNulBytesMiddleware:
    """No database stores a NUL byte in text; refuse such query strings up front (400) instead of letting
    them reach a query and fail there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or any("\x00" in v for v in request.GET.values()):
            if request.path.startswith("/api/v3/"):
                from portal.jsonapi import bad_query

                return bad_query(request, "Query parameters may not contain NUL bytes.")
            if is_api_path(request.path):
                from portal.api import json_error

                return json_error(
                    request, code="validation_error", message="Query parameters may not contain NUL bytes.", status=422
                )
            from django.http import HttpResponseBadRequest

            return HttpResponseBadRequest("Query parameters may not contain NUL bytes.")
        return self.get_response(request)


class PageLocaleMiddleware(LocaleMiddleware):
    """Django's choice of language (cookie, Accept-Language) for pages. The API always answers in
    ``API_LANGUAGE``, so there it is set at once: working it out, which tries the ``api`` of the path as a
    language code twice per request, cost a noticeable share of a small API call."""

    def process_request(self, request):
        if is_api_path(request.path):
            translation.activate(API_LANGUAGE)
            request.LANGUAGE_CODE = API_LANGUAGE
            return None
        return super().process_request(request)

    def process_response(self, request, response):
        if is_api_path(request.path):
            response.headers.setdefault("Content-Language", API_LANGUAGE)
            return response
        return super().process_response(request, response)


class PageMessageMiddleware(MessageMiddleware):
    """Django's one-time messages ("Number released."), for pages only: the API never shows them, and
    setting up their storage on every API request cost more than some endpoints' own work."""

    def process_request(self, request):
        if not is_api_path(request.path):
            super().process_request(request)

    def process_response(self, request, response):
        if is_api_path(request.path):
            return response
        return super().process_response(request, response)


class UserLanguageMiddleware:
    """On pages, a logged-in user's saved language before the one ``PageLocaleMiddleware`` picked from the
    language cookie or the browser's Accept-Language (the API keeps its English). Placed after
    ``AuthenticationMiddleware``.

    A page answer also brings the language cookie in line with the saved language, so the login page
    after logging out speaks the language the person chose."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path):
            return self.get_response(request)
        user = getattr(request, "user", None)
        saved = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if saved and translation.check_for_language(saved):
            translation.activate(saved)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        # (A view that sets the cookie itself, the language switcher, is left alone.)
        if saved and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != saved:
            if settings.LANGUAGE_COOKIE_NAME not in response.cookies:
                set_language_cookie(response, saved)
        return response


def set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
