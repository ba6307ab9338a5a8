"""The header's wallet badge after an action that changes the balance without loading a whole page: the
HTMX answer carries the badge, swapped out of band, with the balance after the action."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from billing import ledger
from billing.services import refund_number
from numbers_app import services as number_services
from numbers_app.models import Number
from portal.l10n import money
from tests.messaging.conftest import HANDSET, enqueued, next_in_stock, sandbox_now, sms_number, sms_stock  # noqa: F401 (fixtures)
from tests.numbers.conftest import login

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def badges(html: str) -> list[tuple[bool, str]]:
    """Each wallet badge in ``html``: (swapped out of band?, its text)."""
    found = re.findall(r'<a class="wallet-badge" id="wallet-badge"[^>]*?( hx-swap-oob="true")?>([^<]*)</a>', html)
    return [(bool(oob), text) for oob, text in found]


def balance_text(tenants) -> str:
    wallet = ledger.wallet_for(tenants.a.account)
    return f"{money(wallet.balance)} {wallet.currency}"


@pytest.fixture
def owner(tenants):
    return login("owner@alpha.test")


def test_switching_sms_on_sends_the_new_balance_to_the_header(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a, sms=False)
    before = balance_text(tenants)

    response = owner.post(reverse("number_sms", args=[number.pk]), {"action": "enable"}, headers=HTMX)

    after = balance_text(tenants)
    assert after != before  # the add-on was charged
    assert badges(response.content.decode()) == [(True, after)]


def test_a_reply_sends_the_new_balance_to_the_header(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a)
    url = reverse("sms_thread", args=[number.pk, HANDSET[1:]])
    before = balance_text(tenants)

    response = owner.post(url, {"action": "reply", "body": "On my way"}, headers=HTMX)

    after = balance_text(tenants)
    assert after != before  # the message was charged
    assert badges(response.content.decode()) == [(True, after)]


def test_a_refund_seen_while_the_order_page_polls_reaches_the_header(tenants, owner, sms_stock):
    order = number_services.number_purchase(actor=tenants.a.owner_actor, numbers=[next_in_stock(sms_stock.mobile)])
    number = order.numbers.get()
    with transaction.atomic():  # what provisioning does when the carrier gives up
        refund_number(number=number, reason="carrier refused")
        Number.objects.filter(pk=number.pk).update(status=Number.Status.FAILED)

    response = owner.get(reverse("number_order", args=[order.pk]), headers=HTMX)

    assert balance_text(tenants) == "100.00 EUR"
    assert badges(response.content.decode()) == [(True, "100.00 EUR")]


def test_a_full_page_has_one_badge_in_its_layout(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a)

    html = owner.get(reverse("sms_thread", args=[number.pk, HANDSET[1:]])).content.decode()

    assert badges(html) == [(False, balance_text(tenants))]


def test_a_client_login_sees_no_wallet_in_the_answer(tenants, sms_number, enqueued):
    number = sms_number(tenants.a, client=tenants.x)
    x_admin = login(tenants.x_admin_email)

    response = x_admin.post(
        reverse("sms_thread", args=[number.pk, HANDSET[1:]]), {"action": "reply", "body": "Hi"}, headers=HTMX
    )

    assert response.status_code == 200 and "Hi" in response.content.decode()
    assert "wallet-badge" not in response.content.decode()
    assert ledger.wallet_for(tenants.a.account).balance < Decimal("100")  # (the reseller paid for it)


def test_answers_that_are_not_swapped_get_no_badge(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a)

    plain = owner.post(reverse("number_sms", args=[number.pk]), {"action": "forwarding", "sms_forwarding": ""})
    history = owner.get(reverse("sms_inbox"), headers=HTMX | {"HX-History-Restore-Request": "true"})

    assert plain.status_code == 302 and b"wallet-badge" not in plain.content
    assert badges(history.content.decode()) == [(False, balance_text(tenants))]  # the layout's, once
