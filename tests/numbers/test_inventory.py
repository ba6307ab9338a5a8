"""The sandbox carrier's generated inventory and the command that loads it."""

from __future__ import annotations

import hashlib
import io
import json
import random
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal

import phonenumbers
import pytest
from django.core.management import call_command
from django.db import connection
from phonenumbers import PhoneNumberType, geocoder, shortnumberinfo

from numbers_app.carriers import sandbox_inventory as inv
from numbers_app.management.commands.inventory_load import allocate
from numbers_app.models import AvailableNumber, Country, NumberGroup

REQUIRED = {
    "US", "CA", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "AT", "CH", "SE", "NO", "DK", "FI", "IE", "PT", "PL",
    "CZ", "AU", "NZ", "JP", "SG", "HK", "ZA", "BR", "MX", "AR", "CL", "CO", "IL", "AE", "TR", "IN",
}  # fmt: skip
NON_GEOGRAPHIC = {
    PhoneNumberType.UAN,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
}


@pytest.fixture(scope="module")
def specs() -> list[inv.GroupSpec]:
    return inv.group_specs()


def _check(spec: inv.GroupSpec, number: str) -> str | None:
    """None if the number is right for its group, else what is wrong."""
    if spec.type == inv.SHORT_CODE:
        parsed = inv.parse_short_code(number)
        if not parsed or parsed[0] != spec.country or not 5 <= len(parsed[1]) <= 6:
            return "not a short code of the country"
        short = phonenumbers.parse(parsed[1], spec.country)
        if not shortnumberinfo.is_valid_short_number_for_region(short, spec.country):
            return "not a valid short code"
        return None
    if not number.startswith("+") or " " in number:
        return "not E.164"
    parsed = phonenumbers.parse(number)
    if phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) != number:
        return "not in E.164 form"
    if not phonenumbers.is_valid_number(parsed):
        return "invalid"
    if phonenumbers.region_code_for_number(parsed) != spec.country:
        return f"belongs to {phonenumbers.region_code_for_number(parsed)}"
    kind = phonenumbers.number_type(parsed)
    allowed = {
        inv.LOCAL: {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
        inv.MOBILE: {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
        inv.TOLL_FREE: {PhoneNumberType.TOLL_FREE},
        inv.NATIONAL: NON_GEOGRAPHIC,
    }[spec.type]
    if kind not in allowed:
        return f"type {kind}"
    if spec.type == inv.LOCAL:
        if not phonenumbers.national_significant_number(parsed).startswith(spec.area_code):
            return "does not start with the area code"
        description = geocoder.description_for_number(parsed, "en")
        if spec.city and not description.startswith(spec.city):
            return f"geocoded as {description!r}"
        if not spec.city and spec.region and spec.region not in description:
            return f"geocoded as {description!r}"
    return None


def test_countries_cover_the_world(specs):
    rows = inv.country_rows()
    codes = [code for code, _, _ in rows]
    assert len(codes) == len(set(codes)) >= 75
    assert set(codes) >= REQUIRED
    for code, name, dial in rows:
        assert name and dial == f"+{phonenumbers.country_code_for_region(code)}"
    assert dict((c, n) for c, n, _ in rows)["NL"] == "Netherlands"
    # Every country has stock to sell.
    with_numbers = {spec.country for spec in specs if inv.numbers_for(spec, 1)}
    assert with_numbers == set(codes)
    assert len(with_numbers) >= 70


def test_types_per_country(specs):
    by_country = defaultdict(Counter)
    for spec in specs:
        by_country[spec.country][spec.type] += 1
    for country, types in by_country.items():
        assert types[inv.LOCAL] >= 1 and types[inv.MOBILE] == 1, country
        assert types[inv.TOLL_FREE] <= 1 and types[inv.NATIONAL] <= 1, country
    assert sum(1 for types in by_country.values() if types[inv.TOLL_FREE]) >= 70
    assert sum(1 for types in by_country.values() if types[inv.NATIONAL]) >= 50
    assert by_country["US"][inv.LOCAL] >= 25 and by_country["DE"][inv.LOCAL] >= 20
    keys = [spec.key for spec in specs]
    assert len(keys) == len(set(keys))  # NumberGroup's unique constraint


def test_a_large_sample_is_valid_for_country_and_type(specs):
    rng = random.Random(20240517)
    checked = Counter()
    for spec in specs:
        size = inv.capacity_at_least(spec, 200_000)
        starts = {0, size - 1, rng.randrange(size), rng.randrange(min(size, 5_000))}
        for start in starts:
            for number in inv.numbers_for(spec, 1, start=start):
                problem = _check(spec, number)
                assert problem is None, f"{spec.country} {spec.type} {spec.area_code} {spec.city}: {number} {problem}"
                checked[spec.type] += 1
    assert sum(checked.values()) > 5_000
    assert all(checked[kind] for kind in inv.TYPES)


def test_local_groups_match_the_numbering_plan(specs):
    local = {(s.country, s.area_code, s.city): s for s in specs if s.type == inv.LOCAL}
    assert local[("NL", "20", "Amsterdam")].region == ""
    assert local[("US", "415", "San Francisco")].region == "California"
    assert local[("DE", "30", "Berlin")]
    assert local[("GB", "20", "London")]
    assert local[("FR", "1", "Paris")]
    for spec in local.values():
        for number in inv.numbers_for(spec, 20):
            nsn = phonenumbers.national_significant_number(phonenumbers.parse(number))
            assert nsn.startswith(spec.area_code), (spec, number)
        assert _check(spec, inv.numbers_for(spec, 1, start=7)[0]) is None
    amsterdam = local[("NL", "20", "Amsterdam")]
    assert all(n.startswith("+3120") for n in inv.numbers_for(amsterdam, 50))
    sf = inv.numbers_for(local[("US", "415", "San Francisco")], 20)
    assert all(geocoder.description_for_number(phonenumbers.parse(n), "en") == "San Francisco, CA" for n in sf)


def test_numbers_are_unique_across_groups(specs):
    seen: dict[str, inv.GroupSpec] = {}
    for spec in specs:
        numbers = inv.numbers_for(spec, 300)
        assert len(numbers) == len(set(numbers))
        for number in numbers:
            assert number not in seen, (number, spec, seen.get(number))
            seen[number] = spec
            assert len(number) <= 20


def test_numbers_and_batches_are_deterministic(specs):
    assert inv.group_specs() == specs
    for spec in specs[::37]:
        whole = inv.numbers_for(spec, 120)
        assert inv.numbers_for(spec, 120) == whole
        assert inv.numbers_for(spec, 50) + inv.numbers_for(spec, 70, start=50) == whole
        size = inv.capacity(spec)
        assert size >= len(whole)
        assert inv.numbers_for(spec, 10, start=size) == []


def test_same_inventory_in_a_fresh_process(specs):
    """No global random state, no hash-seed dependence: another interpreter produces the same inventory."""
    digest = hashlib.sha256()
    for spec in specs[::5]:
        digest.update(json.dumps([repr(spec), inv.numbers_for(spec, 25, start=3)]).encode())
    script = (
        "import hashlib, importlib.util, json, os, sys, types\n"
        # A bare package around the file, so its sibling (automata) loads without Django or numbers_app.
        "pkg = types.ModuleType('carriers')\n"
        "pkg.__path__ = [os.path.dirname(sys.argv[1])]\n"
        "sys.modules['carriers'] = pkg\n"
        "spec = importlib.util.spec_from_file_location('carriers.inventory', sys.argv[1])\n"
        "inv = importlib.util.module_from_spec(spec)\n"
        "sys.modules['carriers.inventory'] = inv\n"
        "spec.loader.exec_module(inv)\n"
        "specs = inv.group_specs()\n"
        "h = hashlib.sha256()\n"
        "for s in specs[::5]:\n"
        "    h.update(json.dumps([repr(s), inv.numbers_for(s, 25, start=3)]).encode())\n"
        "print(len(specs), h.hexdigest())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, inv.__file__],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.split() == [str(len(specs)), digest.hexdigest()]


def test_short_codes_only_in_us_ca_gb(specs):
    short = [spec for spec in specs if spec.type == inv.SHORT_CODE]
    assert sorted(spec.country for spec in short) == ["CA", "GB", "US"]
    for spec in short:
        assert "sms" in spec.capabilities and "voice" not in spec.capabilities
        numbers = inv.numbers_for(spec, 200)
        assert len(numbers) == 200
        for number in numbers:
            assert number.startswith(f"{spec.country}-") and _check(spec, number) is None
    assert inv.parse_short_code("US-24680") == ("US", "24680")
    assert inv.parse_short_code("+14155550100") is None


def test_capabilities(specs):
    for spec in specs:
        assert set(spec.capabilities) <= {"voice", "sms", "mms", "fax"} and spec.capabilities
        if spec.type == inv.LOCAL:
            assert "voice" in spec.capabilities and "mms" not in spec.capabilities
            assert ("sms" in spec.capabilities) == (spec.country in ("US", "CA"))
        elif spec.type == inv.MOBILE:
            assert {"voice", "sms"} <= set(spec.capabilities)
            assert ("mms" in spec.capabilities) == (spec.country in ("US", "CA", "GB", "AU"))
        elif spec.type in (inv.TOLL_FREE, inv.NATIONAL):
            assert spec.capabilities == ("voice",)
    assert any("fax" in s.capabilities for s in specs) and not all("fax" in s.capabilities for s in specs)


def test_regulatory_flags(specs):
    for spec in specs:
        if spec.type == inv.LOCAL and spec.country in ("DE", "FR", "IT", "ES", "NL", "BE", "AT"):
            assert spec.requires_regulatory, spec
        if spec.country in ("AU", "ZA", "BR", "TR", "AE", "IN"):
            assert spec.requires_regulatory, spec
        if spec.country in ("US", "GB") and spec.type != inv.SHORT_CODE:
            assert not spec.requires_regulatory, spec


def test_prices(specs):
    ranges = {
        inv.LOCAL: (Decimal("0.50"), Decimal("3.00")),
        inv.MOBILE: (Decimal("1.50"), Decimal("8.00")),
        inv.TOLL_FREE: (Decimal("2.00"), Decimal("15.00")),
        inv.NATIONAL: (Decimal("1.00"), Decimal("6.00")),
        inv.SHORT_CODE: (Decimal("500"), Decimal("1500")),
    }
    setup_fees = []
    for spec in specs:
        for price in (spec.monthly_price, spec.setup_fee, spec.sms_addon_price):
            assert isinstance(price, Decimal) and price >= 0
            assert -price.as_tuple().exponent <= 4
        low, high = ranges[spec.type]
        assert low <= spec.monthly_price <= high, spec
        if "sms" in spec.capabilities and spec.type != inv.SHORT_CODE:
            assert Decimal("0.50") <= spec.sms_addon_price <= Decimal("2.00"), spec
        else:
            assert spec.sms_addon_price == 0
        setup_fees.append(spec.setup_fee)
    assert sum(1 for fee in setup_fees if fee == 0) > len(setup_fees) / 2
    assert any(fee > 0 for fee in setup_fees)
    us = next(s for s in specs if s.country == "US" and s.type == inv.LOCAL)
    ae = next(s for s in specs if s.country == "AE" and s.type == inv.LOCAL)
    assert us.monthly_price < ae.monthly_price


def test_allocation_covers_every_group_and_grows_with_the_total(specs):
    small, large = allocate(specs, 3_000), allocate(specs, 50_000)
    assert sum(small) == 3_000 and sum(large) == 50_000
    assert all(n >= 1 for n in small)
    assert all(a <= b for a, b in zip(small, large, strict=True))
    local = sum(n for spec, n in zip(specs, large, strict=True) if spec.type == inv.LOCAL)
    assert local > 50_000 / 2
    tiny = allocate(specs, 100)
    assert sum(tiny) == 100
    assert len({spec.country for spec, n in zip(specs, tiny, strict=True) if n}) >= 90


@pytest.mark.django_db
def test_inventory_load_loads_exactly_n_and_is_idempotent():
    out = io.StringIO()
    call_command("inventory_load", numbers=3000, stdout=out)
    assert AvailableNumber.objects.count() == 3000
    assert AvailableNumber.objects.filter(status=AvailableNumber.Status.AVAILABLE).count() == 3000
    assert Country.objects.count() == len(inv.COUNTRIES)
    assert NumberGroup.objects.count() == len(inv.group_specs())
    assert "3,000 added" in out.getvalue()
    # Every group has stock, and each number sits in a group of its own country and type.
    assert NumberGroup.objects.filter(stock__isnull=True).count() == 0
    for row in AvailableNumber.objects.select_related("group").order_by("?")[:300]:
        assert row.country_id == row.group.country_id and row.type == row.group.type
        spec = inv.GroupSpec(
            row.group.country_id, row.group.type, row.group.area_code, row.group.city, row.group.region,
            tuple(row.group.capabilities), row.group.monthly_price, row.group.setup_fee, row.group.sms_addon_price,
            row.group.requires_regulatory,
        )  # fmt: skip
        assert _check(spec, row.e164) is None

    out = io.StringIO()
    call_command("inventory_load", numbers=3000, stdout=out)
    assert AvailableNumber.objects.count() == 3000
    assert "0 added" in out.getvalue()


def _digits_index() -> tuple[list[str], int]:
    """The digits index's storage options, and how many pages its pending list had (now merged)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = to_regclass('stock_digit_keys')")
        options = cursor.fetchone()[0]
        cursor.execute("SELECT gin_clean_pending_list('stock_digit_keys'::regclass)")
        return options, cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_digits_index_keeps_its_pending_list_short_and_a_bulk_load_leaves_none():
    # Every digits search reads the index's pending list in full: restocks must not let it grow.
    assert _digits_index() == (["gin_pending_list_limit=64"], 0)
    call_command("inventory_load", numbers=3000, stdout=io.StringIO())
    assert _digits_index() == (["gin_pending_list_limit=64"], 0)  # the load merged its own, and put the limit back

    restocked = list(AvailableNumber.objects.order_by("id").values_list("id", flat=True)[:1500])
    AvailableNumber.objects.filter(pk__in=restocked).update(status=AvailableNumber.Status.SOLD)
    AvailableNumber.objects.filter(pk__in=restocked).update(status=AvailableNumber.Status.AVAILABLE)
    options, pending_pages = _digits_index()
    assert pending_pages <= 9  # 64 kB; 1,500 restocks would take about 50 pages under the default 4 MB


@pytest.mark.django_db
def test_inventory_load_keeps_staff_prices_and_tops_up():
    call_command("inventory_load", numbers=200, countries="NL,US", stdout=io.StringIO())
    assert set(Country.objects.values_list("code", flat=True)) == {"NL", "US"}
    amsterdam = NumberGroup.objects.get(country="NL", type="local", area_code="20", city="Amsterdam")
    assert amsterdam.requires_regulatory
    amsterdam.monthly_price = Decimal("9.9900")
    amsterdam.save()
    call_command("inventory_load", numbers=500, countries="nl, us", stdout=io.StringIO())
    amsterdam.refresh_from_db()
    assert amsterdam.monthly_price == Decimal("9.9900")
    assert AvailableNumber.objects.count() == 500
    assert set(AvailableNumber.objects.values_list("country_id", flat=True).distinct()) == {"NL", "US"}
