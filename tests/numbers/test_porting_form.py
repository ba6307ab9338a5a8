"""The port request's list of numbers: an error names the line it is about, and why."""

from __future__ import annotations

import re
from html import unescape

import pytest

from numbers_app.models import PortRequest
from tests.numbers.conftest import NL_AMS
from tests.numbers.regulatory_fixtures import make_port, next_port_number

pytestmark = pytest.mark.django_db
NEW = "/numbers/porting/new/"
HTMX = {"HX-Request": "true"}


def errors(response) -> list[str]:
    found = re.findall(r"<li>(.*?)</li>", response.content.decode().split('name="numbers"', 1)[1], re.S)
    return [unescape(text) for text in found if text.startswith("Line") or "number" in text]


def post_numbers(http, text: str):
    return http.post(NEW, {"step": "1", "numbers": text, "billing_cycle": "monthly"}, headers=HTMX)


def test_each_bad_line_is_named_with_its_number_and_why(tenants, stock, owner):
    good = next_port_number()
    text = f"{good}\n\n0612 bad\n{good[:3]} {good[3:]}\n+1 202 555 0123\n"
    response = post_numbers(owner, text)
    assert response.context["step"] == 1
    listed = response.context["numbers_form"].errors["numbers"]
    assert listed == [
        "Line 3 (0612 bad): Give the number in international format, starting with + and the country code.",
        f"Line 4 ({good[:3]} {good[3:]}): This number is in the request twice.",
        "Line 5 (+1 202 555 0123): DIDfarm does not host numbers like +12025550123 yet, so it cannot be ported in.",
    ]
    content = response.content.decode()
    assert "Line 3 (0612 bad)" in content
    assert good in content  # the list stays as typed, to correct it
    assert not PortRequest.objects.exists()


def test_numbers_that_cannot_be_ported_are_named_by_line_too(tenants, stock, owner):
    busy = next_port_number()
    make_port(tenants.a.owner_actor, numbers=[busy])
    response = post_numbers(owner, f"{next_port_number()}, {NL_AMS[0]}\n{busy}")
    assert response.context["numbers_form"].errors["numbers"] == [
        f"Line 1 ({NL_AMS[0]}): {NL_AMS[0]} is already DIDfarm's and for sale: buy it instead.",
        f"Line 2 ({busy}): {busy} is in your open port request {PortRequest.objects.get().public_id}.",
    ]


def test_an_empty_list_asks_for_numbers(tenants, stock, owner):
    response = post_numbers(owner, " \n \n")
    assert response.context["numbers_form"].errors["numbers"] == ["This field is required."]


def test_a_good_list_with_blank_lines_and_commas_goes_to_the_next_step(tenants, stock, owner):
    one, two, three = next_port_number(), next_port_number(), next_port_number()
    response = post_numbers(owner, f"\n{one}\n\n{two}, {three}\n")
    assert response.context["step"] == 2
    assert response.context["numbers"] == [one, two, three]
