"""The staff console's shared rules: nothing that carries money is deleted by ticking boxes, and a page
where nothing can be changed shows no Save button."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory

from accounts.models import Account, ApiKey, Client
from billing.models import Invoice, LedgerEntry, PriceRule, Wallet
from messaging.models import CarrierEvent, Message, SmsRate
from numbers_app.models import ComplianceProfile, Number, NumberGroup, Order, PortRequest, SandboxRoute

pytestmark = pytest.mark.django_db

SAVE_BUTTONS = re.compile(r'name="_(save|continue|addanother)"')
MONEY_BEARING = [
    Account,
    Client,
    Wallet,
    LedgerEntry,
    Invoice,
    PriceRule,
    Order,
    Number,
    NumberGroup,
    SmsRate,
    Message,
    PortRequest,
]


@pytest.fixture
def staff(client, staff_actor):
    client.force_login(staff_actor.user)
    return client


def url(model, view: str, *args) -> str:
    from django.urls import reverse

    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MONEY_BEARING, ids=lambda m: m.__name__)
def test_money_bearing_lists_offer_no_delete_selected(model, tenants, staff, staff_actor):
    request = RequestFactory().get("/")
    request.user = staff_actor.user

    assert "delete_selected" not in admin.site._registry[model].get_actions(request)
    page = staff.get(url(model, "changelist"))
    assert page.status_code == 200
    assert 'value="delete_selected"' not in page.content.decode()


def test_ticking_reseller_accounts_and_asking_for_delete_selected_deletes_nothing(tenants, staff):
    ids = [tenants.a.account.pk, tenants.b.account.pk]

    staff.post(url(Account, "changelist"), {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    staff.post(
        url(Client, "changelist"), {"action": "delete_selected", "_selected_action": [tenants.x.pk], "post": "yes"}
    )

    assert Account.objects.filter(pk__in=ids).count() == 2
    assert Client.objects.filter(pk=tenants.x.pk).exists()


def test_accounts_and_clients_have_no_delete_page(tenants, staff):
    assert staff.get(url(Account, "delete", tenants.a.account.pk)).status_code == 403
    assert staff.get(url(Client, "delete", tenants.x.pk)).status_code == 403
    assert staff.post(url(Account, "delete", tenants.a.account.pk), {"post": "yes"}).status_code == 403
    assert Account.objects.filter(pk=tenants.a.account.pk).exists()


def test_read_only_pages_show_no_save_button(tenants, staff):
    key = ApiKey.objects.filter(account=tenants.a.account).first()
    route = SandboxRoute.objects.create(carrier_ref="sbx_test", destination="sip:pbx@example.test")
    event = CarrierEvent.objects.create(carrier="sandbox", kind="status", provider_id="evt-1", payload={"a": 1})
    pages = {
        "wallet": url(Wallet, "change", tenants.a.account.wallet.pk),
        "API key": url(ApiKey, "change", key.pk),
        "sandbox route": url(SandboxRoute, "change", route.pk),
        "carrier callback": url(CarrierEvent, "change", event.pk),
    }

    for name, path in pages.items():
        response = staff.get(path)
        assert response.status_code == 200, name
        assert not SAVE_BUTTONS.search(response.content.decode()), name


def test_pages_with_fields_to_change_keep_their_save_buttons(tenants, staff):
    page = staff.get(url(Account, "change", tenants.a.account.pk)).content.decode()

    assert 'name="_save"' in page and 'name="api_rate_limit"' in page


def test_view_only_pages_stay_as_django_shows_them(tenants, staff):
    entry = LedgerEntry.objects.filter(account=tenants.a.account).first()

    page = staff.get(url(LedgerEntry, "change", entry.pk)).content.decode()

    assert not SAVE_BUTTONS.search(page)


def test_the_compliance_profile_admin_keeps_its_approve_and_reject_actions(tenants, staff_actor):
    request = RequestFactory().get("/")
    request.user = staff_actor.user

    actions = admin.site._registry[ComplianceProfile].get_actions(request)

    assert {"approve_selected", "reject_selected"} <= set(actions)
