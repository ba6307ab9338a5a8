"""JSON answers of the API, encoded by orjson.

For what the API answers with (dicts, lists, strings, integers, booleans, null; money is always a decimal
string) orjson writes the same compact UTF-8 JSON as DRF's ``JSONRenderer``, ten times faster: on a page
of 100 numbers that is a good share of the request. Values orjson does not know (dates, decimals, lazy
translations) are handed to DRF's own encoder; whatever orjson refuses outright (keys that are not
strings, integers past 64 bits), or an indented answer a client asked for, goes through DRF's renderer.

Where the two differ, for values the API does not return: a float (or a Decimal, which DRF's encoder makes
a float) below 1e-4 or past 1e16 is written in another but equal notation (``0.00001`` for ``1e-05``); NaN
and infinities become ``null`` instead of an error; a dict subclass is written from its stored items
(a ``QueryDict`` as lists). The tests pin these.
"""

from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer

# Dates and times go to DRF's encoder (it writes UTC as "Z", orjson as "+00:00").
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# DRF escapes these two, which are valid JSON but end a line in older JavaScript.
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if not (self.compact and not self.ensure_ascii) or self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=self.encoder_class().default, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            return super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in _LINE_SEPARATORS:
            if raw in body:
                body = body.replace(raw, escaped)
        return body
