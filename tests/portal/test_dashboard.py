"""The dashboard: what a reseller looks at first (balance, numbers by state, numbers waiting for documents,
SMS today, the renewals of the coming billing month and a warning when the balance cannot cover them),
each card a link to the page behind it; a client admin sees only its own numbers, messages and costs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

from billing import ledger
from billing.models import LedgerEntry
from messaging.models import Message
from numbers_app import services
from numbers_app.models import Number
from tests.numbers.conftest import DE_BERLIN, GB_LONDON, NL_AMS, login, stock  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def sandbox_now(settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0


def buy(tenants, numbers, client=None) -> list[Number]:
    order = services.number_purchase(actor=tenants.a.owner_actor, numbers=numbers, client=client)
    bought = list(order.numbers.all())
    for number in bought:
        services.number_provision(number_id=number.pk)
    return list(Number.objects.filter(pk__in=[n.pk for n in bought]))


def message(number: Number, direction: str, *, at: datetime = NOW) -> Message:
    return Message.objects.create(
        account_id=number.account_id, client_id=number.client_id, number=number, direction=direction,
        from_e164=number.e164, to_e164="+31612345678", remote_e164="+31612345678", body="Hi", encoding="gsm7",
        segments=1, status="delivered" if direction == "outbound" else "received", created_at=at,
    )  # fmt: skip


def card(html: str, name: str) -> str:
    """A card's markup: from its opening tag to the next card (or the end of the cards)."""
    marker = html.index(f'data-testid="card-{name}"')
    start = html.rindex("<", 0, marker)
    following = html.find('data-testid="card-', marker + 1)
    ends = [html.rindex("<", 0, following) if following > 0 else -1, html.find("<section", marker)]
    return html[start : min(i for i in ends if i > 0)]


def href(fragment: str) -> str:
    return re.search(r'href="([^"]+)"', fragment).group(1).replace("&amp;", "&")


def test_latest_transactions_are_shown_to_the_cent(tenants):
    html = login("owner@alpha.test").get("/").content.decode()
    assert "100.00" in html and "100.0000" not in html


def test_the_owner_sees_numbers_by_state_documents_sms_today_and_renewals_each_linking_on(tenants, stock):
    active = buy(tenants, NL_AMS[:3], client=tenants.x) + buy(tenants, GB_LONDON[:1])
    buy(tenants, DE_BERLIN[:2])  # waiting for documents
    Number.objects.filter(pk=active[0].pk).update(status="suspended")  # (as unpaid renewals leave it)
    message(active[1], "outbound")
    message(active[1], "outbound")
    message(active[2], "inbound")
    message(active[2], "outbound", at=NOW - timedelta(days=1))  # yesterday: not today's

    html = login("owner@alpha.test").get("/").content.decode()

    numbers = card(html, "numbers")
    assert re.search(r">\s*6\s*<", numbers)  # every number of the account
    states = dict(re.findall(r'href="/numbers/mine/\?status=(\w+)"[^>]*>.*?</span> (\d+)</a>', numbers))
    assert states == {"active": "3", "pending_regulatory": "2", "suspended": "1"}

    documents = card(html, "documents")
    assert href(documents) == "/numbers/mine/?status=pending_regulatory" and ">2<" in documents

    sms = card(html, "sms")
    assert href(sms) == "/messaging/?date_from=2026-03-10&date_to=2026-03-10"
    assert ">2 <" in sms and "1 received" in sms

    renewals = card(html, "renewals")
    assert href(renewals) == "/billing/renewals/"
    assert "Renewals due by 10 Apr 2026" in renewals  # the coming billing month
    due = Number.objects.filter(account=tenants.a.account, status__in=["active", "suspended"])
    assert f"{due.count()} numbers" in renewals
    assert f"{sum(n.monthly_price for n in due):.2f} EUR" in renewals

    assert href(card(html, "balance")) == "/billing/wallet/"
    assert href(card(html, "spend")) == "/billing/wallet/"
    assert 'data-testid="low-balance"' not in html


def test_a_balance_that_cannot_cover_the_renewals_due_is_warned_about(tenants, stock):
    buy(tenants, NL_AMS[:4])  # 4 x 1.50 a month
    balance = ledger.wallet_for(tenants.a.account).balance
    with transaction.atomic():
        wallet = ledger.lock_wallet(tenants.a.account)
        ledger.debit(wallet, amount=balance - Decimal("2.00"), kind=LedgerEntry.Kind.SMS_OUTBOUND,
                     description="Outbound SMS batch", reference=None)  # fmt: skip

    html = login("owner@alpha.test").get("/").content.decode()

    warning = re.search(r'<section[^>]*data-testid="low-balance".*?</section>', html, re.S).group(0)
    assert (
        "Your balance of 2.00 EUR does not cover the 4 renewals due by 10 Apr 2026 (6.00 EUR): 4.00 EUR short."
    ) in warning
    assert 'href="/billing/wallet/"' in warning and 'href="/billing/renewals/"' in warning
    assert "not covered" in card(html, "renewals")


def test_a_client_admin_sees_only_their_numbers_and_sms_and_nothing_of_the_wallet(tenants, stock):
    xs = buy(tenants, NL_AMS[:2], client=tenants.x)
    ys = buy(tenants, NL_AMS[2:5], client=tenants.y)
    buy(tenants, DE_BERLIN[:1], client=tenants.y)
    message(xs[0], "outbound")
    message(ys[0], "outbound")
    message(ys[0], "inbound")

    response = login(tenants.x_admin_email).get("/")
    html = response.content.decode()

    assert re.search(r">\s*2\s*<", card(html, "numbers"))
    assert re.findall(r"status=(\w+)", card(html, "numbers")) == ["active"]
    assert ">0<" in card(html, "documents")
    assert ">1 <" in card(html, "sms") and "0 received" in card(html, "sms")
    for hidden in ("balance", "renewals"):
        assert f'data-testid="card-{hidden}"' not in html
    assert 'data-testid="low-balance"' not in html and 'data-testid="wallet-balance"' not in html
    assert response.context["renewals"] is None and response.context["balance"] is None
    balance = ledger.wallet_for(tenants.a.account).balance
    assert f"{balance:.2f}" not in html  # the reseller's wallet


def test_the_dashboards_queries_do_not_grow_with_numbers_or_messages(tenants, stock, django_assert_max_num_queries):
    owner = login("owner@alpha.test")
    few = buy(tenants, NL_AMS[:1])
    message(few[0], "outbound")
    with django_assert_max_num_queries(20) as counted:
        owner.get("/")
    many = buy(tenants, NL_AMS[1:8] + GB_LONDON[:5], client=tenants.x) + buy(tenants, DE_BERLIN[:3])
    for number in many:
        message(number, "outbound")
        message(number, "inbound")
    with django_assert_max_num_queries(len(counted.captured_queries)):
        assert owner.get("/").status_code == 200
