"""Shared SMS fixtures. Numbers are bought, provisioned and given SMS through the real services, so every
test starts from rows the product itself would have written:

- ``sms_stock``: NL mobile numbers offering SMS (add-on EUR 0.75 a month), NL landline numbers without SMS,
  and DE mobile numbers offering SMS but needing regulatory documents;
- ``sms_number(tenant)``: buy one more number, make it active and (unless told otherwise) switch SMS on;
- ``enqueued``: the Celery tasks enqueued, recorded instead of sent to the broker.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from celery.app.task import Task
from django.db import transaction

from billing import ledger
from billing.models import LedgerEntry
from messaging import services
from messaging.models import Message, SmsRate
from numbers_app import services as number_services
from numbers_app.models import AvailableNumber, Country, Number, NumberGroup

SMS_STOCK = [f"+316530000{n:02d}" for n in range(1, 61)]  # NL mobile: SMS offered
VOICE_STOCK = [f"+312020000{n:02d}" for n in range(1, 11)]  # NL Amsterdam landline: no SMS
REGULATED_STOCK = [f"+49151123450{n:02d}" for n in range(1, 6)]  # DE mobile: SMS, documents needed

HANDSET = "+31612345678"  # an NL mobile: receives texts
HANDSET_2 = "+31612999001"
LANDLINE = "+31201234567"  # an NL fixed-line number: the sandbox network refuses texts to it
DE_HANDSET = "+4915112345678"

ADDON = Decimal("0.75")
SEGMENT = Decimal("0.0080")  # the NL and DE rate (sms_stock)


@pytest.fixture(autouse=True)
def sandbox_now(settings):
    """The sandbox carrier provisions at once, never fails and reports delivery at once (unless a test
    says otherwise)."""
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    settings.SANDBOX_SMS_FAILURE_RATE = 0
    settings.SANDBOX_SMS_DELIVERY_SECONDS = 0


@dataclass
class SmsStock:
    mobile: NumberGroup
    landline: NumberGroup
    regulated: NumberGroup


@pytest.fixture
def sms_stock(db) -> SmsStock:
    nl = Country.objects.create(code="NL", name="Netherlands", dial_code="+31")
    de = Country.objects.create(code="DE", name="Germany", dial_code="+49")
    for country in (nl, de):  # country-level rates: a destination without one is refused
        SmsRate.objects.create(prefix=country.dial_code[1:], country=country, price_per_segment=SEGMENT)
    stock = SmsStock(
        mobile=NumberGroup.objects.create(
            country=nl, type="mobile", has_sms=True, monthly_price=Decimal("2.00"), sms_addon_price=ADDON
        ),
        landline=NumberGroup.objects.create(
            country=nl, type="local", area_code="20", city="Amsterdam", monthly_price=Decimal("1.50")
        ),
        regulated=NumberGroup.objects.create(
            country=de,
            type="mobile",
            has_sms=True,
            monthly_price=Decimal("3.00"),
            sms_addon_price=ADDON,
            requires_regulatory=True,
        ),
    )
    for group, numbers in (
        (stock.mobile, SMS_STOCK),
        (stock.landline, VOICE_STOCK),
        (stock.regulated, REGULATED_STOCK),
    ):
        AvailableNumber.objects.bulk_create(
            AvailableNumber(e164=e164, group=group, country_id=group.country_id, type=group.type) for e164 in numbers
        )
    number_services.stock_counts_refresh()
    return stock


def next_in_stock(group: NumberGroup) -> str:
    return (
        AvailableNumber.objects.filter(group=group, status=AvailableNumber.Status.AVAILABLE)
        .order_by("e164")
        .values_list("e164", flat=True)
        .first()
    )


@pytest.fixture
def sms_number(sms_stock):
    """``sms_number(tenant, client=None, group=None, sms=True, provision=True)``: buy the group's next
    number (the SMS mobile group by default) for ``tenant``, provision it and switch SMS on."""

    def make(tenant, *, client=None, group=None, sms=True, provision=True) -> Number:
        actor = tenant.owner_actor
        e164 = next_in_stock(group or sms_stock.mobile)
        number = number_services.number_purchase(actor=actor, numbers=[e164], client=client).numbers.get()
        if provision:
            number_services.number_provision(number_id=number.pk)
            number.refresh_from_db()
        if sms:
            number = number_services.number_configure(actor=actor, number=number, capabilities=["voice", "sms"])
        return Number.objects.select_related("group", "client", "account").get(pk=number.pk)

    return make


@dataclass(frozen=True)
class Enqueued:
    name: str
    args: tuple
    kwargs: dict
    countdown: float | None


class TaskLog(list):
    def named(self, suffix: str) -> list[Enqueued]:
        return [task for task in self if task.name.endswith(suffix)]


@pytest.fixture
def enqueued(monkeypatch) -> TaskLog:
    """Every task enqueued (``delay``/``apply_async``) during the test, recorded and not sent."""
    log = TaskLog()

    def record(self, args=None, kwargs=None, countdown=None, **options):
        log.append(Enqueued(self.name, tuple(args or ()), dict(kwargs or {}), countdown))

    monkeypatch.setattr(Task, "apply_async", record)
    return log


@pytest.fixture
def no_sms_limit(tenants):
    """Enough messages a second for tests that write many."""
    for tenant in (tenants.a, tenants.b):
        for account in (tenant.account, tenant.owner_actor.account):
            account.sms_rate_limit = 1000
        tenant.account.save(update_fields=["sms_rate_limit"])


def send(actor, number: Number, to: str = HANDSET, body: str = "Hello", **kwargs) -> Message:
    return services.sms_send(actor=actor, number=number, to=to, body=body, **kwargs)


def leave_in_wallet(account, amount: str | Decimal) -> None:
    """Spend the wallet down to ``amount`` with a staff correction."""
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        ledger.adjust(
            wallet,
            amount=Decimal(amount) - wallet.balance,
            description="Test: spend the balance down",
            reference=None,
        )


def assert_balanced(account) -> Decimal:
    """The wallet's balance equals the sum of its entries; returns the balance."""
    wallet = ledger.wallet_for(account)
    assert wallet.balance == ledger.entries_total(wallet)
    return wallet.balance


def sms_charges(account) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.SMS_OUTBOUND).order_by("id"))
