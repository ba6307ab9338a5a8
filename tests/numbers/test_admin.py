"""The staff console for numbers: lists read as words (never raw JSON), pages where nothing can be
changed offer nothing to save, and number-group prices are edited in the list itself."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from numbers_app.models import Country, Number, NumberGroup
from numbers_app.services import number_provision, number_purchase
from tests.numbers.conftest import NL_MOBILE
from tests.numbers.regulatory_fixtures import make_port, make_profile, next_port_number

pytestmark = pytest.mark.django_db

SAVE_BUTTONS = re.compile(r'name="_(save|continue|addanother)"')


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path / "documents"


@pytest.fixture
def staff(client, staff_actor):
    client.force_login(staff_actor.user)
    return client


def test_compliance_profiles_show_countries_and_number_types_by_name(tenants, stock, staff):
    Country.objects.filter(code="DE").update(name="Germany")
    Country.objects.filter(code="NL").update(name="Netherlands")
    profile, _ = make_profile(tenants.a.owner_actor, countries=("DE", "NL"), number_types=("local", "toll_free"))

    listed = staff.get("/admin/numbers/complianceprofile/?queue=all").content.decode()
    change = staff.get(f"/admin/numbers/complianceprofile/{profile.pk}/change/").content.decode()

    assert "DE, NL · Local, Toll-free" in listed
    assert "Germany (DE), Netherlands (NL)" in change
    assert "Local, Toll-free" in change
    for page in (listed, change):
        assert '["DE"' not in page and "[&quot;DE&quot;" not in page
        assert '["local"' not in page and "[&quot;local&quot;" not in page


def test_a_port_request_lists_its_numbers_one_a_line(tenants, stock, staff):
    first, second = next_port_number(), next_port_number()
    port = make_port(tenants.a.owner_actor, numbers=[first, second])

    change = staff.get(f"/admin/numbers/portrequest/{port.pk}/change/").content.decode()

    assert f"{first}<br>{second}" in change
    assert "[&quot;+" not in change and '["+' not in change


def test_compliance_and_port_pages_offer_their_decisions_but_nothing_to_save(tenants, stock, staff):
    profile, _ = make_profile(tenants.a.owner_actor, submit=True)
    port = make_port(tenants.a.owner_actor)

    profile_page = staff.get(f"/admin/numbers/complianceprofile/{profile.pk}/change/").content.decode()
    port_page = staff.get(f"/admin/numbers/portrequest/{port.pk}/change/").content.decode()

    assert f"/admin/numbers/complianceprofile/{profile.pk}/approve/" in profile_page
    assert f"/admin/numbers/portrequest/{port.pk}/schedule/" in port_page
    assert not SAVE_BUTTONS.search(profile_page)
    assert not SAVE_BUTTONS.search(port_page)


def test_an_owned_number_is_read_only_with_its_lists_as_words(tenants, stock, staff):
    order = number_purchase(actor=tenants.a.owner_actor, numbers=[NL_MOBILE[0]], sms_where_offered=True)
    number = order.numbers.get()
    number_provision(number_id=number.pk)

    page = staff.get(f"/admin/numbers/number/{number.pk}/change/").content.decode()

    assert "voice, sms" in page
    assert "[&quot;voice" not in page
    for field in ("sms_monthly_price", "billing_day", "payment_due_since", "trunk", "sms_enabled"):
        assert f'name="{field}"' not in page
    assert not SAVE_BUTTONS.search(page)
    # and a POST changes nothing either
    staff.post(f"/admin/numbers/number/{number.pk}/change/", {"sms_monthly_price": "0", "billing_day": "1"})
    number.refresh_from_db()
    assert number.sms_monthly_price != Decimal("0") and number.sms_enabled


def test_pages_with_something_to_change_keep_their_save_button(tenants, stock, staff):
    page = staff.get(f"/admin/numbers/numbergroup/{stock.nl_local.pk}/change/").content.decode()

    assert SAVE_BUTTONS.search(page)


def test_number_group_prices_are_edited_in_narrow_boxes_beside_one_place_column(tenants, stock, staff):
    page = staff.get("/admin/numbers/numbergroup/").content.decode()

    boxes = re.findall(r'<input[^>]*name="form-\d+-monthly_price"[^>]*>', page)
    assert boxes and all('size="8"' in box and 'class="price-input"' in box for box in boxes)
    headers = re.findall(r'<th scope="col" class="[^"]*(column-[a-z_]+)', page)
    assert headers == [
        "column-place",
        "column-type",
        "column-monthly_price",
        "column-setup_fee",
        "column-sms_addon_price",
        "column-minute_price",
        "column-requires_regulatory",
    ]
    assert "css/admin_prices.css" in page
    assert (
        '<span title="Netherlands">NL</span> · 20 · Amsterdam, Noord-Holland<br><span class="quiet">voice</span>'
        in page
    )


def test_prices_typed_in_the_list_are_saved(tenants, stock, staff):
    groups = list(NumberGroup.objects.order_by("country__code", "type", "area_code", "id"))
    page = staff.get("/admin/numbers/numbergroup/?o=")
    formset = page.context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "_save": "Save",
    }
    for index, form in enumerate(formset.forms):
        group = form.instance
        data[f"form-{index}-id"] = str(group.pk)
        data[f"form-{index}-monthly_price"] = "3.2500" if group == stock.nl_local else str(group.monthly_price)
        data[f"form-{index}-setup_fee"] = str(group.setup_fee)
        data[f"form-{index}-sms_addon_price"] = str(group.sms_addon_price)
        if group.requires_regulatory:
            data[f"form-{index}-requires_regulatory"] = "on"

    response = staff.post("/admin/numbers/numbergroup/?o=", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    stock.nl_local.refresh_from_db()
    assert stock.nl_local.monthly_price == Decimal("3.2500")
    assert {g.pk: g.monthly_price for g in NumberGroup.objects.exclude(pk=stock.nl_local.pk)} == {
        g.pk: g.monthly_price for g in groups if g.pk != stock.nl_local.pk
    }


def test_no_bulk_delete_on_number_groups_owned_numbers_or_orders(tenants, stock, staff):
    for path in ("/admin/numbers/numbergroup/", "/admin/numbers/number/", "/admin/numbers/order/"):
        page = staff.get(path).content.decode()
        assert 'value="delete_selected"' not in page, path

    response = staff.post(
        "/admin/numbers/numbergroup/", {"action": "delete_selected", "_selected_action": [stock.gb_local.pk]}
    )

    assert response.status_code in (200, 302)
    assert NumberGroup.objects.filter(pk=stock.gb_local.pk).exists()
    assert Number.objects.count() == 0
