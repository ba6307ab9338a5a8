"""The compose page's SMS counter, ``static/js/sms_segments.js``, run in a real browser: for every body it gives the
same encoding, counts and parts as ``messaging.segments.segment()``."""

from __future__ import annotations

from pathlib import Path

import pytest

from messaging.segments import segment
from tests.messaging.test_segments import BASIC, BOUNDARIES, EMOJI, EXTENSION, NOT_GSM, random_bodies

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "sms_segments.js"

FIELDS = {
    "encoding": "encoding",
    "characters": "characters",
    "units": "units",
    "segments": "segments",
    "per_segment": "perSegment",
    "remaining": "remaining",
    "parts": "parts",
}

EXTRA_BODIES = [
    "".join(BASIC) + "".join(EXTENSION),  # the whole alphabet
    "Meet at 10:00 {room 3} ~ bring €20 | [notes] \\ ^" * 4,
    "Dear customer,\r\nyour number +31 20 123 4567 is ready.\r\n\r\nThanks!",
    "Grüße aus Köln – bis später\r\n" * 3,  # the en dash makes it UCS-2
    "\U0001f44d\U0001f3fd" * 20 + "a",  # skin-toned emoji: pairs of pairs
    "\U0001f1f3\U0001f1f1" * 18,  # flags: regional-indicator pairs
    "e\u0301" * 40,  # combining accents
    "中文短信测试" * 15,
    "مرحبا بالعالم " * 6,
    EMOJI * 1600,  # the longest body, all astral
    "a" * 1600,
]


def expected(body: str) -> dict:
    result = segment(body)
    values = {js: getattr(result, py) for py, js in FIELDS.items()}
    values["parts"] = list(result.parts)
    return values


def segment_in_browser(browser, bodies: list[str]) -> list[dict]:
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content("<!doctype html><html><head><meta charset='utf-8'></head><body></body></html>")
    page.add_script_tag(path=str(SCRIPT))
    results = page.evaluate("bodies => bodies.map(body => window.DidfarmSms.segment(body))", bodies)
    assert errors == []
    page.close()
    return results


def mismatches(bodies: list[str], results: list[dict]) -> list[str]:
    found = []
    for body, got in zip(bodies, results, strict=True):
        want = expected(body)
        for field in FIELDS.values():
            if got.get(field) != want[field]:
                found.append(f"{body[:40]!r}... ({len(body)} chars) {field}: JS {got.get(field)!r} != {want[field]!r}")
        if set(got) != set(want):
            found.append(f"{body[:40]!r}: JS fields {sorted(got)}")
    return found


def test_the_browser_counts_tricky_bodies_exactly_as_the_server(browser):
    bodies = [param.values[0] for param in BOUNDARIES] + EXTRA_BODIES + random_bodies(seed=160153, count=40)
    results = segment_in_browser(browser, bodies)
    assert mismatches(bodies, results) == []


def test_the_browser_knows_every_gsm_character_and_the_lookalikes_that_are_not(browser):
    bodies = BASIC + EXTENSION + NOT_GSM + [f"{char} then GSM" for char in NOT_GSM]
    results = segment_in_browser(browser, bodies)
    assert mismatches(bodies, results) == []
    assert [r["encoding"] for r in results[: len(BASIC) + len(EXTENSION)]] == ["GSM-7"] * (len(BASIC) + len(EXTENSION))


def test_the_browser_exposes_the_body_limit(browser):
    page = browser.new_page()
    page.set_content("<html></html>")
    page.add_script_tag(path=str(SCRIPT))
    assert page.evaluate("window.DidfarmSms.maxBodyChars") == 1600
    assert page.evaluate("window.DidfarmSms.segment('')") == expected("")
    page.close()
