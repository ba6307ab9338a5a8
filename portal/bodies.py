"""Request bodies: read whole however they are sent, refused with 413 when too large.

A body sent with ``Transfer-Encoding: chunked`` has no ``Content-Length``, and Django reads a request with
no ``Content-Length`` as empty: a JSON body would be taken for ``{}`` and a form for no fields.
``ChunkedBodies`` (around the WSGI application) reads such a body to its end from ``wsgi.input``, which
the server has already de-chunked, into a spooled file (memory up to 1 MiB, then a temporary file), and
gives Django the length. It stops reading past ``REQUEST_BODY_MAX_BYTES`` and then states a length one
byte over the limit, so ``BodySizeMiddleware`` refuses the request like any other oversized one.

``BodySizeMiddleware`` answers 413 before anything reads a body that is larger than its kind may be: JSON
for the API (``API_MAX_BODY_BYTES``), a form for the pages (``DATA_UPLOAD_MAX_MEMORY_SIZE``; Django itself
would raise an error deep inside the request instead). Multipart uploads (documents) are checked by their
own views, file by file.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.middleware import is_api_path

_READ_SIZE = 64 * 1024


class ChunkedBodies:
    """WSGI middleware: a chunked request body reaches Django whole, with its ``CONTENT_LENGTH``."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() and not environ.get("CONTENT_LENGTH"):
            limit = settings.REQUEST_BODY_MAX_BYTES
            source = environ["wsgi.input"]
            body = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - closed with the request
            read = 0
            while read <= limit:
                chunk = source.read(min(_READ_SIZE, limit + 1 - read))
                if not chunk:
                    break
                body.write(chunk)
                read += len(chunk)
            body.seek(0)
            environ["wsgi.input"] = body
            environ["CONTENT_LENGTH"] = str(read)  # limit + 1 when it went on: BodySizeMiddleware refuses it
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.application(environ, start_response)


def body_limit(request) -> int:
    """The largest body ``request`` may carry, by where it goes and what it is."""
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        return settings.REQUEST_BODY_MAX_BYTES
    if is_api_path(request.path):
        return settings.API_MAX_BODY_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class BodySizeMiddleware:
    """413 for a body larger than its kind may be, before anything reads it: the API's error format under
    /api and /v1 (JSON:API's under /api/v3), an error page elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        limit = body_limit(request)
        if length.isdigit() and int(length) > limit:
            return self.refuse(request, limit)
        if request.method == "POST" and not is_api_path(request.path) and request.content_type == "multipart/form-data":
            # A page's multipart form may carry files of any size, but its other fields at most Django's form
            # limit: parse it here (the CSRF check would next), where going over is answered as such.
            try:
                request.POST  # noqa: B018
            except RequestDataTooBig:
                return self.refuse(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return self.get_response(request)

    @staticmethod
    def refuse(request, limit: int):
        if is_api_path(request.path):
            from portal.api import json_error

            message = _("The request body is larger than %(n)d bytes.") % {"n": limit}
            if request.path.startswith("/api/v3"):
                from portal import jsonapi

                return jsonapi.error_response(request, code="payload_too_large", message=message, status=413)
            return json_error(request, code="payload_too_large", message=message, status=413)
        megabytes = f"{limit / (1024 * 1024):.1f}".removesuffix(".0")
        return render(request, "portal/payload_too_large.html", {"megabytes": megabytes}, status=413)
