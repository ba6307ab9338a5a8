"""Colour arithmetic for brands: WCAG 2 relative luminance and contrast ratio.

Both brand colours carry white text in the portal (the primary colour on buttons and the active menu
entry, the accent colour behind the menu), and the primary colour is also the colour of links on white
panels: each must reach ``MIN_CONTRAST`` against white, WCAG's AA level for normal text."""

from __future__ import annotations

import re

HEX = re.compile(r"^#[0-9a-f]{6}$")
MIN_CONTRAST = 4.5
WHITE = "#ffffff"


def normalise(value: str) -> str | None:
    """``#RRGGBB`` in lower case from ``#rgb`` / ``#rrggbb`` in any case; None when it is neither."""
    value = (value or "").strip().lower()
    if re.fullmatch(r"#[0-9a-f]{3}", value):
        value = "#" + "".join(ch * 2 for ch in value[1:])
    return value if HEX.match(value) else None


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two ``#rrggbb`` colours, from 1 (the same) to 21 (black on white)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
