"""JSON answers of the API, encoded by orjson.

For what the API answers with (dicts, lists, strings, integers, booleans, null; money is a decimal string
or a ``json_number``) orjson writes the same compact UTF-8 JSON as DRF's ``JSONRenderer``, ten times
faster: on a page of 100 numbers that is a good share of the request. Values orjson does not know
(dates, decimals, lazy translations) are handed to DRF's own encoder; whatever orjson refuses outright
(keys that are not strings, integers past 64 bits), or an indented answer a client asked for, goes
through DRF's renderer.

Where the two differ, for values the API does not return: a float (or a Decimal, which DRF's encoder makes
a float) below 1e-4 or past 1e16 is written in another but equal notation (``0.00001`` for ``1e-05``); NaN
and infinities become ``null`` instead of an error; a dict subclass is written from its stored items
(a ``QueryDict`` as lists). The tests pin these.

Where a contract wants money as a JSON number (``"monthly_price": 2.00``), the answer carries
``json_number(amount)``: the amount's own digits, written verbatim, so a client reads exactly ``2.00`` and
never a binary float's approximation of it.
"""

from __future__ import annotations

import copy
import re
import secrets
from decimal import Decimal

import orjson
from rest_framework.renderers import JSONRenderer

# Dates and times go to DRF's encoder (it writes UTC as "Z", orjson as "+00:00").
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# DRF escapes these two, which are valid JSON but end a line in older JavaScript.
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def json_number(amount: Decimal) -> orjson.Fragment:
    """``amount`` as a JSON number literal with exactly its digits (``Decimal("2.00")`` → ``2.00``)."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"Not a finite Decimal: {amount!r}")
    return orjson.Fragment(format(amount, "f").encode())


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if not (self.compact and not self.ensure_ascii) or self.get_indent(accepted_media_type, renderer_context or {}):
            return self._render_by_drf(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=self.encoder_class().default, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            return self._render_by_drf(data, accepted_media_type, renderer_context)
        for raw, escaped in _LINE_SEPARATORS:
            if raw in body:
                body = body.replace(raw, escaped)
        return body

    def _render_by_drf(self, data, accepted_media_type, renderer_context) -> bytes:
        """DRF's renderer, with ``json_number`` literals kept: the standard library cannot write a literal,
        so each is written as a string naming it (with a token made for this answer, which no text in the
        answer can hold by chance) and the quoted name is then replaced by the literal."""
        token = secrets.token_hex(16)
        literals: list[bytes] = []
        base = self.encoder_class

        class Encoder(base):
            def default(self, o):
                if isinstance(o, orjson.Fragment):
                    literals.append(orjson.dumps(o))
                    return f"{token}:{len(literals) - 1}"
                return super().default(o)

        renderer = copy.copy(self)
        renderer.encoder_class = Encoder
        body = JSONRenderer.render(renderer, data, accepted_media_type, renderer_context)
        if not literals:
            return body
        return re.sub(rb'"' + token.encode() + rb':(\d+)"', lambda match: literals[int(match.group(1))], body)
