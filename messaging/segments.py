"""How an SMS body is split into the parts a carrier sends, counted exactly as the carrier counts them.

A body is sent in the GSM 7-bit default alphabet (3GPP TS 23.038, "GSM 03.38") when every character is in its
basic table or its extension table, and in UCS-2 otherwise; one character outside GSM-7 switches the whole body.

- GSM-7: a basic-table character takes one septet, an extension-table character (``^ { } \\ [ ~ ] | €`` and form
  feed) two (the escape septet and its own). One part holds 160 septets; a longer body goes out as concatenated
  parts of 153 septets each (the user data header takes the rest). An extension character is never split from
  its escape: when only one septet is left in a part, the character opens the next part and that septet stays
  unused.
- UCS-2: characters are counted in UTF-16 code units, so a character outside the Basic Multilingual Plane (most
  emoji) takes two. One part holds 70 units; concatenated parts hold 67 each. A surrogate pair is never split
  between parts.

Nothing else is kept together: a grapheme made of several code points (an emoji with a skin tone, a letter with a
combining accent) may be split between parts, as carriers do.

Line breaks are counted as given: ``segment()`` does not normalise them, and ``"\\r"`` and ``"\\n"`` are characters
of their own (one septet each in GSM-7, one unit each in UCS-2). The sending service turns the ``"\\r\\n"`` that HTML
forms post into ``"\\n"`` first, which is also what a browser's ``textarea.value`` holds, so the compose page's
counter (``static/js/sms_segments.js``, which counts the same way) matches what is charged.

``segment()`` runs in linear time and does not enforce ``MAX_BODY_CHARS``; the service that accepts a body does.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BODY_CHARS = 1600  # longest body accepted, counted in characters (Unicode code points)

GSM_7 = "GSM-7"
UCS_2 = "UCS-2"

# The GSM 7-bit default alphabet, in septet order (0x00 to 0x7F). Slot 0x1B is the escape to the extension table,
# not a character, so the table holds 127 characters. Δ, Φ, Γ, Λ, Ω, Π, Ψ, Σ, Θ and Ξ are the Greek capital letters
# (U+0394, U+03A6, ...); 0x09 is the capital Ç (the lowercase ç is not in the alphabet).
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"  # 0x00-0x0F
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"  # 0x10-0x1F, without the escape at 0x1B
    " !\"#¤%&'()*+,-./"  # 0x20-0x2F
    "0123456789:;<=>?"  # 0x30-0x3F
    "¡ABCDEFGHIJKLMNO"  # 0x40-0x4F
    "PQRSTUVWXYZÄÖÑÜ§"  # 0x50-0x5F
    "¿abcdefghijklmno"  # 0x60-0x6F
    "pqrstuvwxyzäöñüà"  # 0x70-0x7F
)
# The extension table's characters, each sent as the escape septet followed by its own: form feed (0x0A), ^ (0x14),
# { (0x28), } (0x29), \ (0x2F), [ (0x3C), ~ (0x3D), ] (0x3E), | (0x40) and € (0x65).
GSM_EXTENSION = "\f^{}\\[~]|€"

_GSM_CHARS = frozenset(GSM_BASIC + GSM_EXTENSION)
_GSM_EXTENSION_CHARS = frozenset(GSM_EXTENSION)

# (units in a single part, units in each part of a concatenated message)
CAPACITY = {GSM_7: (160, 153), UCS_2: (70, 67)}


@dataclass(frozen=True)
class Segmentation:
    """The parts a body is sent as.

    ``units`` are septets in GSM-7 and UTF-16 code units in UCS-2. ``per_segment`` is the capacity of each part:
    the single-part capacity (160 or 70) when the body fits in one part, the concatenated one (153 or 67)
    otherwise. ``remaining`` is what is still free in the last part. An empty body is GSM-7 with no parts:
    ``segments`` 0, ``per_segment`` 160 and ``remaining`` 160, the room of the one part its first character opens.
    """

    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # Unicode code points in the body (an emoji is 1)
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2) in the whole body
    segments: int  # parts the carrier sends; 0 for an empty body
    per_segment: int  # capacity of each part: 160/153 (GSM-7) or 70/67 (UCS-2)
    remaining: int  # units still free in the last part
    parts: tuple[str, ...]  # the body as split into parts; joined they give the body back


def segment(body: str) -> Segmentation:
    """Split ``body`` into the parts a carrier sends it as (see the module's docstring for the rules)."""
    characters = len(body)
    if _GSM_CHARS.issuperset(body):
        encoding = GSM_7
        extension = _GSM_EXTENSION_CHARS
        units = characters + sum(body.count(char) for char in GSM_EXTENSION)
    else:
        encoding = UCS_2
        extension = None
        units = len(body.encode("utf-16-le", "surrogatepass")) // 2
    single, concatenated = CAPACITY[encoding]

    if units <= single:
        parts = (body,) if body else ()
        return Segmentation(encoding, characters, units, len(parts), single, single - units, parts)

    # Greedy packing, one character at a time: a character that does not fit whole opens the next part. Filling
    # every part as far as it goes gives the fewest parts.
    parts_list = []
    start = used = 0
    for index, char in enumerate(body):
        if extension is None:
            cost = 2 if ord(char) > 0xFFFF else 1
        else:
            cost = 2 if char in extension else 1
        if used + cost > concatenated:
            parts_list.append(body[start:index])
            start, used = index, 0
        used += cost
    parts_list.append(body[start:])
    return Segmentation(
        encoding, characters, units, len(parts_list), concatenated, concatenated - used, tuple(parts_list)
    )
