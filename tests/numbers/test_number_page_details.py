"""Details of a number's page and of My numbers that a new user reads first: since when the carrier has had
the number's route, and the message after releasing a number."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone

from numbers_app import services
from tests.numbers.conftest import GB_LONDON

pytestmark = pytest.mark.django_db

LIVE_AT = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def test_a_live_number_never_routed_shows_since_when_it_has_no_route_at_the_carrier(owner, tenants, stock):
    with time_machine.travel(LIVE_AT, tick=False):
        order = services.number_purchase(actor=tenants.a.owner_actor, numbers=[GB_LONDON[0]])
        number = order.numbers.get()
        services.number_provision(number_id=number.pk)

    content = owner.get(reverse("number_detail", args=[number.pk])).content.decode()

    applied = re.search(r'data-testid="route-applied">(.*?)</dd>', content, re.S).group(1)
    assert "no route" in applied
    since = formats.date_format(timezone.localtime(LIVE_AT), "DATETIME_FORMAT")
    assert re.sub(r"\s+", " ", applied).count(f"since {since}") == 1


def test_releasing_a_number_says_so_once_on_my_numbers(owner, tenants, stock):
    order = services.number_purchase(actor=tenants.a.owner_actor, numbers=[GB_LONDON[0]])
    number = order.numbers.get()

    response = owner.post(reverse("number_release", args=[number.pk]), follow=True)

    assert response.redirect_chain == [(reverse("number_list"), 302)]
    assert response.content.decode().count("released: it has left your account") == 1


def test_the_my_numbers_fragment_still_shows_a_message_waiting_for_it(owner, tenants, stock):
    """The fragment htmx swaps in has no layout around it: it shows the messages itself."""
    order = services.number_purchase(actor=tenants.a.owner_actor, numbers=[GB_LONDON[0]])
    owner.post(reverse("number_release", args=[order.numbers.get().pk]))

    fragment = owner.get(reverse("number_list"), headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in fragment
    assert fragment.count("released: it has left your account") == 1
