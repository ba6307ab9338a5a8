import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "Request body too large."
    default_code = "payload_too_large"


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with a size limit (it reads the raw stream, so Django's upload limit does not
    apply) and a 400 instead of a crash for JSON nested too deeply to parse."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and length.isdigit() and int(length) > limit:
            raise PayloadTooLarge(_("The request body is larger than %(n)d bytes.") % {"n": limit})
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise PayloadTooLarge(_("The request body is larger than %(n)d bytes.") % {"n": limit})
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON nested too deeply.")) from None
