"""The OpenAPI document and the code agree: Schemathesis generates requests for every operation of
/api/v1/schema (valid data and data the document forbids), sends them through the WSGI application with a
funded reseller's full-access key, and runs all of its checks on every answer: no 5xx, status codes,
content types and bodies as documented, forbidden input refused, allowed input accepted.

Bounded (a fixed number of examples per operation, a fixed seed): a failure names the operation and the
request; ``st run`` against a live server explores further with the same checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from accounts.actor import actor_from_membership
from accounts.models import Membership
from accounts.services import api_key_create, client_create
from billing.invoices import invoice_issue_now, invoice_prepare
from billing.invoicing.profiles import LegalProfileInput, legal_profile_save
from billing.services import reseller_onboard
from numbers_app.models import AvailableNumber, Country, NumberGroup
from numbers_app.services import number_purchase, stock_counts_refresh
from numbers_app.trunks.services import trunk_create
from portal.webhooks.services import webhook_create
from portal.wsgi import application

MAX_EXAMPLES = 3
SEED = 20240601

# Operations whose input passes rules that JSON Schema cannot state, so a request the document allows may
# still be answered 422 in the documented error format: a value must name something that exists in the
# account (a client, a number of yours, a real phone number, an IP address), fields depend on each other
# (a trunk or a forwarding target, a date range in order, one of two alias fields), or the object's state
# or today's date decides (a provisioning number, a month that has not started, a name already taken).
RULES_BEYOND_THE_SCHEMA = [
    "POST /api/v1/api-keys",  # an expiry in the future, addresses that parse, the account's cap on keys
    "GET /api/v1/calls",  # a cursor we issued, a number, trunk and client of yours, days in order
    "POST /api/v1/clients",
    "GET /api/v1/clients/{client_id}/costs",
    "GET /api/v1/clients/{client_id}/costs.csv",
    "POST /api/v1/compliance-profiles",
    "PUT /api/v1/compliance-profiles/{profile_id}",
    "POST /api/v1/invoices/draft",
    "POST /api/v1/invoices/{invoice_id}/credit-note",  # an invoice is credited once
    "POST /api/v1/invoices/{invoice_id}/paid",  # a credited invoice is not paid
    "POST /api/v1/invoices/{invoice_id}/reissue",  # only a credited invoice is invoiced again
    "POST /api/v1/invoices/{invoice_id}/send",  # the client needs a billing email
    "POST /api/v1/messages/send",
    "GET /api/v1/numbers",
    "POST /api/v1/numbers",
    "PUT /api/v1/numbers/{number_id}",
    "POST /api/v1/numbers/{number_id}/test-call",  # an active number, and an edge set up to place it
    "POST /api/v1/numbers/porting",
    "POST /api/v1/numbers/purchase",
    "GET /api/v1/numbers/search",
    "POST /api/v1/portal/did-routing",
    "POST /api/v1/portal/sip-trunks",
    "PATCH /api/v1/portal/sip-trunks/{trunk_id}",
    "GET /api/v1/portal/sms",
    "POST /api/v1/portal/sms/segments",
    "POST /api/v1/portal/sms/send",
    "POST /api/v1/price-rules",
    "PUT /api/v1/price-rules/{rule_id}",
    "POST /api/v1/regulatory/submit",
    "POST /api/v1/wallet/checkout",
    "PATCH /api/v1/wallet/payment-settings",
    "POST /api/v1/wallet/top-ups",
    "POST /api/v1/webhooks",
    "PATCH /api/v1/webhooks/{webhook_id}",
    "PATCH /api/v3/dids/{number_id}",
    "POST /api/v3/did_reservations",
    "POST /api/v3/orders",
    "DELETE /api/v3/orders/{resource_id}",
    "POST /api/v3/voice_in_trunks",  # a host that is a host, a configuration of a known type
    "PATCH /api/v3/voice_in_trunks/{resource_id}",
    "DELETE /api/v3/voice_in_trunks/{resource_id}",
    "POST /api/v3/voice_in_trunk_groups",
    "PATCH /api/v3/voice_in_trunk_groups/{resource_id}",
    "POST /api/v3/exports",  # a year from 2000 to 2100, cdr_in only
    "POST /api/v3/encrypted_files",  # a file encrypted with one of our public keys, as the SDK does
    "POST /api/v3/address_verifications",  # an address and DIDs of yours, the address's profile covering each
]
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"enabled": True},
        "operations": [
            {
                "include-name": name,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
            }
            for name in RULES_BEYOND_THE_SCHEMA
        ],
    }
)

schema = schemathesis.openapi.from_wsgi("/api/v1/schema", application, config=CONFIG)

pytestmark = pytest.mark.django_db


@dataclass
class Objects:
    key: str
    path_ids: dict[str, str]


@pytest.fixture(autouse=True)
def _connections_stay_open():
    """The WSGI handler closes the database connection after each request; the test's transaction needs
    it open (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def objects(django_db_setup, django_db_blocker):
    """Made once for the module, inside a transaction rolled back at its end (each test's own transaction
    is a savepoint within it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _objects()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _objects() -> Objects:
    """A funded reseller with a client, two numbers (one for the client, one for none), a trunk, a webhook
    endpoint and an issued invoice; its full-access key; the prefixed ids of one of each."""
    created = reseller_onboard(
        name="Schema Telecom", owner_email="owner@schema.test", opening_balance=Decimal("1000.00"), owner_password="x"
    )
    created.account.api_rate_limit = 1_000_000
    created.account.save(update_fields=["api_rate_limit"])
    actor = actor_from_membership(Membership.objects.select_related("account", "user").get(user=created.owner))
    client = client_create(actor=actor, name="Xylo Dental")
    gb = Country.objects.create(code="GB", name="United Kingdom", dial_code="+44")
    group = NumberGroup.objects.create(
        country=gb,
        type="local",
        area_code="20",
        city="London",
        region="England",
        has_voice=True,
        has_sms=True,
        monthly_price=Decimal("1.00"),
        setup_fee=Decimal("0.50"),
        sms_addon_price=Decimal("1.00"),
    )
    stock = [f"+44207946{n:04d}" for n in range(100, 106)]
    AvailableNumber.objects.bulk_create(
        AvailableNumber(e164=e164, group=group, country_id=gb.pk, type="local") for e164 in stock
    )
    stock_counts_refresh()
    number_purchase(actor=actor, numbers=[stock[0]], client=client)
    order = number_purchase(actor=actor, numbers=[stock[1]])
    number = order.numbers.get()
    trunk = trunk_create(actor=actor, name="Main PBX").trunk
    webhook = webhook_create(actor=actor, url="https://hooks.example.com/didfarm", events=["*"]).endpoint
    legal_profile_save(
        actor=actor,
        data=LegalProfileInput(
            legal_name="Schema Telecom Ltd", address_line1="1 Fleet Street", city="London", country="GB",
            iban="GB82WEST12345698765432",
        ),
    )  # fmt: skip
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    invoice = invoice_prepare(actor=actor, client_id=client.pk, month=last_month)
    invoice = invoice_issue_now(actor=actor, invoice_id=invoice.public_id)
    key, _ = api_key_create(actor=actor, name="Second key", read_only=True)
    entry = number.account.wallet.entries.filter(client=None, kind="number_purchase").latest("pk")
    return Objects(
        key=created.api_key,
        path_ids={
            "client_id": client.public_id,
            "number_id": number.public_id,
            "order_id": order.public_id,
            "trunk_id": trunk.public_id,
            "webhook_id": webhook.public_id,
            "invoice_id": invoice.public_id,
            "key_id": key.public_id,
            "transaction_id": f"txn_{entry.pk}",
        },
    )


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_operation_answers_as_the_openapi_document_says(case, objects):
    if case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE and case.path_parameters:
        # Valid requests address objects that exist, so their answers are checked too, not only 404s.
        for name in case.path_parameters:
            if name in objects.path_ids:
                case.path_parameters[name] = objects.path_ids[name]
    case.call_and_validate(headers={"Authorization": f"Bearer {objects.key}"})
