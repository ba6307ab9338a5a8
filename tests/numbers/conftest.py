"""A small, hand-made stock: enough to test buying without the generated inventory."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client as HttpClient

from messaging.models import SmsRate
from numbers_app.models import AvailableNumber, Country, NumberGroup
from tests.conftest import PASSWORD

NL_AMS = [f"+3120{n}" for n in range(7000001, 7000011)]  # Amsterdam local, valid NL fixed-line numbers
NL_MOBILE = [f"+31612{n}" for n in range(345601, 345611)]
GB_LONDON = [f"+44207946{n:04d}" for n in range(100, 110)]
DE_BERLIN = [f"+4930{n}" for n in range(12345601, 12345606)]


@pytest.fixture(autouse=True)
def fast_sandbox(settings):
    """The sandbox carrier answers at once and never fails in these tests (unless a test says so)."""
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0


def login(email: str) -> HttpClient:
    http = HttpClient()
    response = http.post("/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return http


@pytest.fixture
def owner(tenants) -> HttpClient:
    return login("owner@alpha.test")


@pytest.fixture
def x_admin(tenants) -> HttpClient:
    return login(tenants.x_admin_email)


@dataclass
class Stock:
    nl_local: NumberGroup
    nl_mobile: NumberGroup
    gb_local: NumberGroup
    de_local: NumberGroup


def _group(country, type_, area, city, region, monthly, setup="0", sms=False, regulatory=False, mms=False):
    return NumberGroup.objects.create(
        country=country,
        type=type_,
        area_code=area,
        city=city,
        region=region,
        has_voice=True,
        has_sms=sms,
        has_mms=mms,
        monthly_price=Decimal(monthly),
        setup_fee=Decimal(setup),
        sms_addon_price=Decimal("1.00"),
        requires_regulatory=regulatory,
    )


def _fill(group, numbers):
    from numbers_app.services import stock_counts_refresh

    AvailableNumber.objects.bulk_create(
        AvailableNumber(e164=e, group=group, country_id=group.country_id, type=group.type) for e in numbers
    )
    stock_counts_refresh()


@pytest.fixture
def stock(db) -> Stock:
    nl = Country.objects.create(code="NL", name="Netherlands", dial_code="+31")
    gb = Country.objects.create(code="GB", name="United Kingdom", dial_code="+44")
    de = Country.objects.create(code="DE", name="Germany", dial_code="+49")
    for country in (nl, gb, de):  # SMS rates for the countries sold (a destination without one is refused)
        SmsRate.objects.create(prefix=country.dial_code[1:], country=country, price_per_segment=Decimal("0.0080"))
    s = Stock(
        nl_local=_group(nl, "local", "20", "Amsterdam", "Noord-Holland", "1.50"),
        nl_mobile=_group(nl, "mobile", "", "", "", "4.00", setup="2.50", sms=True),
        gb_local=_group(gb, "local", "20", "London", "England", "1.00", sms=False),
        de_local=_group(de, "local", "30", "Berlin", "Berlin", "2.00", regulatory=True),
    )
    _fill(s.nl_local, NL_AMS)
    _fill(s.nl_mobile, NL_MOBILE)
    _fill(s.gb_local, GB_LONDON)
    _fill(s.de_local, DE_BERLIN)
    return s


_made = iter(range(1000, 10000))


def make_stock_number() -> str:
    """One more NL Amsterdam number in stock (creating the country and group when needed)."""
    nl, _ = Country.objects.get_or_create(code="NL", defaults={"name": "Netherlands", "dial_code": "+31"})
    group = NumberGroup.objects.filter(country=nl, type="local", area_code="20").first() or _group(
        nl, "local", "20", "Amsterdam", "Noord-Holland", "1.50"
    )
    e164 = f"+3120701{next(_made):04d}"
    _fill(group, [e164])
    return e164
