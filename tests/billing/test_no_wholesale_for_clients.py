"""A client admin never sees what its reseller pays. With a price list in place and every wholesale price set
to a recognisable marker, every page a client admin can reach (every named page of the URL conf, with the
ids of its own objects filled in, full and as each htmx partial) and every GET of the API a client-bound key
can reach (every GET operation of the OpenAPI document) is searched for any wholesale amount — prices,
order totals, ledger amounts, the wallet's balance — in any way it could be written: 77.77, 77,77, 77.7700,
7777 (cents), 7.7777 rounded to 7.78 or 7,78 …"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from itertools import product
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.actor import actor_from_membership
from accounts.models import Membership, Role
from accounts.services import api_key_create, member_invite, user_language_set
from billing import ledger
from billing.invoices import invoice_draft, invoices_issue_month
from billing.models import Invoice, LedgerEntry, PriceRule, TopUp, Wallet
from billing.renewals import renewals_run
from billing.selectors import EXAMPLE_SEGMENT_PRICE
from billing.services import PriceRuleInput, charge_call, price_rule_save
from messaging import services as sms_services
from messaging.models import Message, SmsRate
from numbers_app import services as number_services
from numbers_app.didww import exports, voice_in
from numbers_app.didww import resources as didww
from numbers_app.didww.models import CdrExport, VoiceInTrunk, VoiceInTrunkGroup
from numbers_app.models import AvailableNumber, Call, Country, Number, NumberGroup, Order, OrderItem, SipTrunk
from numbers_app.porting import services as porting
from numbers_app.regulatory.models import ComplianceDocument, ComplianceProfile, PortRequest
from numbers_app.trunks.services import number_route, trunk_create
from portal.models import Event
from portal.webhooks import services as webhook_services
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.numbers.conftest import login
from tests.numbers.regulatory_fixtures import make_port, make_profile

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# The markers: what DIDfarm charges the reseller. The client pays 20 % more.
MONTHLY = Decimal("77.77")
SETUP = Decimal("17.77")
SMS_ADDON = Decimal("7.77")
SEGMENT = Decimal("7.7777")
MARKUP = Decimal("20")

BOUGHT = datetime(2030, 3, 10, 9, 30, tzinfo=UTC)
LOOKED_AT = datetime(2030, 4, 12, 10, 0, tzinfo=UTC)  # after a renewal, with March's invoice issued

# The htmx targets pages answer with another fragment for (the test below checks these against the code).
HTMX_TARGETS = {"sms_inbox": "message-table", "sms_thread": "thread-messages", "webhook_detail": "delivery-log"}


# --- The scenario ----------------------------------------------------------------------------------


def _group(country, type_, *, area="", city="", sms=False, regulatory=False) -> NumberGroup:
    return NumberGroup.objects.create(
        country=country,
        type=type_,
        area_code=area,
        city=city,
        has_voice=True,
        has_sms=sms,
        monthly_price=MONTHLY,
        setup_fee=SETUP,
        sms_addon_price=SMS_ADDON if sms else Decimal("0"),
        requires_regulatory=regulatory,
    )


def _stock(group: NumberGroup, numbers: list[str]) -> None:
    AvailableNumber.objects.bulk_create(
        AvailableNumber(e164=e164, group=group, country_id=group.country_id, type=group.type) for e164 in numbers
    )


class Scenario:
    """Reseller A with a 20 % price list; its client X with numbers bought on every cycle (one with SMS,
    one waiting for documents, one ported in), messages both ways, a renewal, a trunk, a compliance profile,
    a port, a webhook endpoint with a delivery, an API key, a teammate and an issued invoice. Client Y and
    the reseller itself own numbers too (their wholesale amounts must not show either)."""

    def __init__(self, tenants):
        self.tenants = tenants
        a = tenants.a.owner_actor
        x = tenants.x
        nl = Country.objects.create(code="NL", name="Netherlands", dial_code="+31")
        de = Country.objects.create(code="DE", name="Germany", dial_code="+49")
        mobile = _group(nl, "mobile", sms=True)
        local = _group(nl, "local", area="20", city="Amsterdam")
        regulated = _group(de, "local", area="30", city="Berlin", regulatory=True)
        _stock(mobile, [f"+316530000{n:02d}" for n in range(1, 11)])
        _stock(local, [f"+312070000{n:02d}" for n in range(1, 11)])
        _stock(regulated, [f"+49301234560{n}" for n in range(1, 6)])
        number_services.stock_counts_refresh()
        SmsRate.objects.create(prefix="31", country=nl, price_per_segment=SEGMENT)
        SmsRate.objects.create(prefix="49", country=de, price_per_segment=SEGMENT)
        sms_services.rates_changed()
        price_rule_save(actor=a, data=PriceRuleInput(markup_percent=MARKUP))
        with transaction.atomic():
            ledger.credit(
                ledger.lock_wallet(tenants.a.account),
                amount=Decimal("5000"),
                kind=LedgerEntry.Kind.TOP_UP,
                description="Bank transfer",
                reference=None,
            )
        tenants.a.account.sms_rate_limit = 1000
        tenants.a.account.api_rate_limit = 100_000  # the walk asks for every answer of the API
        tenants.a.account.save(update_fields=["sms_rate_limit", "api_rate_limit"])

        membership = Membership.objects.select_related("account", "user", "client").get(user__email="admin@xylo.test")
        self.x_admin = actor_from_membership(membership)

        def buy(e164, *, client=x, provision=True, **kw) -> Number:
            order = number_services.number_purchase(actor=a, numbers=[e164], client=client, **kw)
            number = order.numbers.get()
            if provision:
                number_services.number_provision(number_id=number.pk)
            return Number.objects.select_related("group").get(pk=number.pk)

        with time_machine.travel(BOUGHT, tick=True):
            self.with_sms = buy("+31653000001", capabilities=["voice", "sms"])
            self.quarterly = buy("+31207000001", billing_cycle="quarterly")
            self.yearly = buy("+31207000002", billing_cycle="annual", sms_where_offered=True)
            self.mobile_monthly = buy("+31653000002")  # SMS switched on later: the add-on charged then
            number_services.number_configure(actor=a, number=self.mobile_monthly, capabilities=["voice", "sms"])
            buy("+31653000005")  # SMS offered, not switched on: its page quotes the add-on
            failed = buy("+31653000006", capabilities=["voice", "sms"], provision=False)
            number_services.number_provision_failed(number_id=failed.pk, reason="carrier said no")  # refunded
            buy("+31653000003", client=tenants.y)
            buy("+31653000004", client=None)  # the reseller's own
            self.profile, self.document = make_profile(self.x_admin, countries=("DE",), number_types=("local",))
            self.waiting = buy("+493012345601")  # waits for documents
            sms_services.sms_send(actor=self.x_admin, number=self.with_sms, to="+31612345678", body="Hello")
            sms_services.sms_send(actor=a, number=self.with_sms, to="+4915112345678", body="Hallo")  # default rate
            sms_services.sms_simulate_inbound(
                actor=self.x_admin, number=self.with_sms, from_e164="+31612345678", body="Thanks!"
            )
            self.trunk = trunk_create(actor=self.x_admin, name="Reception PBX").trunk
            number_route(actor=self.x_admin, number=self.with_sms, trunk=self.trunk)
            desk = {
                "name": "Desk",
                "configuration": {"type": "pstn_configurations", "attributes": {"dst": "31612345678"}},
            }
            voice_in.trunk_create(actor=self.x_admin, attributes=desk)
            voice_in.group_save(actor=self.x_admin, group=None, attributes={"name": "Desks"})
            exports.export_create(actor=self.x_admin, attributes={})
            # A metered call on X's number, charged from the wallet (wholesale) and at X's price.
            NumberGroup.objects.filter(pk=self.with_sms.group_id).update(minute_price=Decimal("0.0370"))
            with transaction.atomic():
                call = Call.objects.create(
                    uid="walk1",
                    sip_call_id="walk-1@edge",
                    account=tenants.a.account,
                    client=x,
                    number=self.with_sms,
                    e164=self.with_sms.e164,
                    trunk=self.trunk,
                    caller="+31612345678",
                    status=Call.Status.COMPLETED,
                    sip_code=200,
                    started_at=timezone.now(),
                    answered_at=timezone.now(),
                    ended_at=timezone.now() + timedelta(seconds=125),
                    duration_ms=125000,
                )
                call.number = Number.objects.select_related("group").get(pk=self.with_sms.pk)
                call.charged = -charge_call(call=call, minutes=3, minute_price=Decimal("0.0370")).amount
                call.save(update_fields=["charged"])
            self.port = make_port(a, client=x)
            self.endpoint = webhook_services.webhook_create(
                actor=self.x_admin, url="https://hooks.example.com/xylo", events=["*"]
            ).endpoint
            self.key, _ = api_key_create(actor=self.x_admin, name="Xylo CRM", read_only=True)
            self.viewer = member_invite(
                actor=a, email="viewer@xylo.test", role=Role.CLIENT_VIEWER, client=x, notify=False
            )
        with time_machine.travel(LOOKED_AT, tick=True):
            renewals_run(as_of=date(2030, 4, 12))
            invoices_issue_month(month=date(2030, 3, 1), today=date(2030, 4, 12))
            invoice_draft(account_id=tenants.a.account.pk, client_id=x.pk, month=date(2030, 4, 1))
            webhook_services.events_fan_out()
        assert Invoice.objects.filter(client=x, status=Invoice.Status.ISSUED).exists()
        assert WebhookDelivery.objects.filter(endpoint=self.endpoint).exists()
        assert LedgerEntry.objects.filter(client=x, kind=LedgerEntry.Kind.NUMBER_RENEWAL).exists()
        assert LedgerEntry.objects.filter(client=x, kind=LedgerEntry.Kind.SMS_ADDON).exists()
        assert LedgerEntry.objects.filter(client=x, kind=LedgerEntry.Kind.REFUND).exists()

    # Ids of X's own objects, by the name pages and the API use for them.
    def ids(self) -> dict[str, list]:
        x = self.tenants.x
        numbers = list(Number.objects.filter(client=x).values_list("pk", flat=True))
        return {
            "number_id": numbers,
            "order_id": list(Order.objects.filter(client=x).values_list("pk", flat=True)),
            "trunk_id": list(SipTrunk.objects.filter(client=x).values_list("pk", flat=True)),
            "profile_id": list(ComplianceProfile.objects.filter(client=x).values_list("pk", flat=True)),
            "document_id": list(ComplianceDocument.objects.filter(profile__client=x).values_list("pk", flat=True))
            + list(self.port.documents.values_list("pk", flat=True)),
            "port_id": list(PortRequest.objects.filter(client=x).values_list("pk", flat=True)),
            "webhook_id": list(WebhookEndpoint.objects.filter(client=x).values_list("pk", flat=True)),
            "delivery_id": list(WebhookDelivery.objects.filter(endpoint__client=x).values_list("pk", flat=True)),
            "key_id": list(x.api_keys.values_list("pk", flat=True)),
            "membership_id": list(Membership.objects.filter(client=x).values_list("pk", flat=True)),
            "client_id": [x.pk],
            "invoice_id": list(Invoice.objects.filter(client=x).values_list("pk", flat=True)),
            "message_id": list(Message.objects.filter(client=x).values_list("pk", flat=True)),
            "transaction_id": list(LedgerEntry.objects.filter(client=x).values_list("pk", flat=True)),
            "event_id": [f"evt_{uid}" for uid in Event.objects.filter(client=x).values_list("uid", flat=True)],
            "rule_id": list(PriceRule.objects.values_list("pk", flat=True)),
            "top_up_id": list(TopUp.objects.values_list("pk", flat=True)),  # the reseller's: a client gets 404
            "contact": ["+31612345678", "+4915112345678"],
            "fmt": ["csv", "pdf"],
            "name": list(didww.DID_RELATIONSHIPS),  # /api/v3 relationship links
            # /api/v3 detail paths: the client's orders, and one catalogue entry (the same for everyone)
            "resource_id": [
                *(order.public_id for order in Order.objects.filter(client=x)),
                "NL",
                *(t.public_id for t in VoiceInTrunk.objects.filter(client=x)),
                *(g.public_id for g in VoiceInTrunkGroup.objects.filter(client=x)),
                *(str(e.uid) for e in CdrExport.objects.filter(client=x)),
                *(p.public_id for p in ComplianceProfile.objects.filter(client=x)),  # identities, addresses
                *(
                    f"{d.profile.public_id}-{d.document_type}"
                    for d in ComplianceDocument.objects.filter(profile__client=x)
                ),
            ],
            "session_id": [1],  # the account page's "end this session" (a POST: its GET answers 405)
            "account_id": [x.account_id],  # the brand's logo (no logo yet: 404)
            "call_id": [c.public_id for c in Call.objects.filter(client=x)],
        }

    def wholesale(self) -> set[Decimal]:
        """Every amount of money the reseller pays or holds, anywhere in the database."""
        values: set[Decimal] = set()

        def add(*amounts):
            values.update(abs(Decimal(v)) for v in amounts if v)

        for group in NumberGroup.objects.all():
            add(group.monthly_price, group.setup_fee, group.sms_addon_price, group.minute_price)
        add(*SmsRate.objects.values_list("price_per_segment", flat=True))
        add(EXAMPLE_SEGMENT_PRICE, settings.SMS_ADDON_PRICE_DEFAULT)
        for number in Number.objects.all():
            add(number.monthly_price, number.setup_fee, number.sms_monthly_price)
            add(number.monthly_price * 3, number.monthly_price * 12, number.setup_fee + number.monthly_price)
        add(*Order.objects.values_list("total", flat=True))
        for item in OrderItem.objects.all():
            add(item.setup_fee, item.first_period, item.sms_addon, item.setup_fee + item.first_period)
            add(item.setup_fee + item.first_period + item.sms_addon, item.first_period + item.sms_addon)
        for entry in LedgerEntry.objects.all():
            add(entry.amount, entry.balance_after)
        add(*Wallet.objects.values_list("balance", flat=True))
        for message in Message.objects.all():
            add(message.price_per_segment, message.amount)
        for port in PortRequest.objects.all():
            add(porting.port_quote(port))
        return values

    def client_amounts(self) -> set[Decimal]:
        """What X is billed: the same values may show, whatever their source."""
        x = self.tenants.x
        values = {abs(v) for v in LedgerEntry.objects.filter(client=x).values_list("client_amount", flat=True) if v}
        values |= {abs(v) for v in Message.objects.filter(client=x).values_list("client_amount", flat=True) if v}
        return values


@pytest.fixture
def scenario(tenants, settings, tmp_path) -> Scenario:
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    settings.SANDBOX_SMS_FAILURE_RATE = 0
    settings.SANDBOX_SMS_DELIVERY_SECONDS = 0
    return Scenario(tenants)


# --- Finding an amount in any formatting ---------------------------------------------------------

# A run of digits with the separators money is written with (., , ' and the spaces locales group thousands
# with), not glued to letters, to # (colours) or by - to letters and digits (ids, dates), and not a form
# field's bounds (min="1" max="10000"). A minus sign before an amount is fine.
NUMERIC = re.compile(
    r"(?<![\w#.,])(?<!\w-)(?<!min=\")(?<!max=\")(?<!step=\")"
    r"\d(?:[\d.,'\u00a0\u202f\u066b\u066c]*\d)?(?![\w%])(?!-\w)"
)


def _readings(token: str) -> tuple[set[Decimal], int]:
    """What a written number may mean: with either . or , as the decimal separator (the other grouping
    thousands), and as a whole number (cents)."""
    decimals = set()
    for separator in ".,\u066b":
        if separator in token:
            head, tail = token.rsplit(separator, 1)
            head = re.sub(r"\D", "", head)
            if tail.isdigit():
                decimals.add(Decimal(f"{head or 0}.{tail}"))
    return decimals, int(re.sub(r"\D", "", token))


def _spellings(value: Decimal) -> tuple[set[Decimal], set[int]]:
    """The decimal values and the whole numbers (cents) that would give ``value`` away."""
    decimals = {value}
    if value >= 1:  # rounded to cents; smaller amounts round to everyday values such as 0.01
        decimals |= {value.quantize(Decimal("0.01"), rounding=r) for r in (ROUND_HALF_UP, ROUND_HALF_EVEN)}
    cents = {int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))} if value >= 1 else set()
    return decimals, cents


class Finder:
    def __init__(self, wholesale: set[Decimal]):
        self.decimals: dict[Decimal, Decimal] = {}
        self.cents: dict[int, Decimal] = {}
        for value in wholesale:
            decimals, cents = _spellings(value)
            self.decimals.update(dict.fromkeys(decimals, value))
            self.cents.update(dict.fromkeys(cents, value))

    def find(self, text: str) -> list[str]:
        found = []
        for match in NUMERIC.finditer(text):
            decimals, whole = _readings(match.group())
            hits = [self.decimals[d] for d in decimals if d in self.decimals]
            if whole in self.cents and not decimals:
                hits.append(self.cents[whole])
            if hits:
                context = text[max(0, match.start() - 80) : match.end() + 40].replace("\n", " ")
                found.append(f"{match.group()} (wholesale {hits[0]}) in …{context}…")
        return found


def test_the_finder_sees_an_amount_in_every_formatting():
    finder = Finder({Decimal("77.77"), Decimal("7.7777"), Decimal("1234.5")})
    for text in ("77.77 EUR", "EUR 77,77", "-77.7700", '"monthly_rate": 7777,', "7.78", "7,78", "7.7777", "7,7777"):
        assert finder.find(text), text
    for text in ("1,234.50", "1.234,50", "1\u202f234,50", "12,34.50", "123450"):
        assert finder.find(text), text
    for text in (
        "93.32 EUR",
        "#777777",
        "num_7777x",
        "2030-04-12",
        "ab12-7777-cd",
        "+31207000001",
        "v7.7777",
        '<input type="number" min="1" max="7777">',
    ):
        assert not finder.find(text), text


def test_the_htmx_targets_are_every_target_a_view_answers_differently_for():
    targets = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text()
        targets |= set(re.findall(r'htmx\.target == "([\w-]+)"', text))
        targets |= set(re.findall(r'headers\.get\("HX-Target"\) == "([\w-]+)"', text))
    assert targets == set(HTMX_TARGETS.values())


# --- Pages -------------------------------------------------------------------------------------------

# Not pages of the portal for a client admin: the API and its docs (walked below through the OpenAPI
# document), staff's console, the login screens.
SKIPPED_PREFIXES = ("api/", "v1/", "admin/", "password-reset/")
SKIPPED_NAMES = {"logout", "login", "healthz"}
# Query strings that make a page show more (search results, filters, a compose form for a number).
QUERIES = {
    "number_search": ["country=NL", "country=NL&type=mobile", "country=DE"],
    "number_list": ["status=active", "country=NL"],
    "sms_compose": ["from={with_sms}", "from={with_sms}&to=%2B31612345678"],
    "sms_threads": ["number={with_sms}"],
    "sms_inbox": ["direction=outbound", "direction=inbound"],
    "trunk_registration": ["ids={trunk}"],
    "compliance_list": ["new=1&countries=DE&number_types=local&number={waiting}"],
    "number_compliance": [""],
    "client_costs": ["date_from=2030-03-01&date_to=2030-04-30"],
    "document_download": ["inline=1"],
}


def _fill(route: str, parameter: str, values: dict) -> str:
    return re.sub(parameter, lambda m: str(values[m.group(1)]), route)


def page_routes() -> list[tuple[str, str, list[str]]]:
    """(name, route, parameter names) of every named page of the URL conf."""
    found = []

    def walk(patterns, prefix: str):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and entry.name:
                if route.startswith(SKIPPED_PREFIXES) or entry.name in SKIPPED_NAMES:
                    continue
                found.append((entry.name, route, re.findall(r"<(?:\w+:)?(\w+)>", route)))

    walk(get_resolver().url_patterns, "")
    return found


def page_urls(scenario: Scenario) -> list[tuple[str, list[dict]]]:
    """Each page's URL with the headers to ask for it with: plain, as htmx, and as htmx aiming at each
    fragment the page answers differently for."""
    ids = scenario.ids()
    fill = {"with_sms": scenario.with_sms.pk, "trunk": scenario.trunk.pk, "waiting": scenario.waiting.pk}
    urls = []
    for name, route, params in page_routes():
        assert route.replace("^", "").replace("$", "") == route, f"{name}: a regular expression route"
        choices = [ids[param] for param in params]
        for values in product(*choices):
            path = "/" + _fill(route, r"<(?:\w+:)?(\w+)>", dict(zip(params, values, strict=True)))
            headers = [{}, {"HX-Request": "true"}]
            if name in HTMX_TARGETS:
                headers.append({"HX-Request": "true", "HX-Target": HTMX_TARGETS[name]})
            urls.append((path, headers))
            urls.extend((f"{path}?{query.format(**fill)}", headers) for query in QUERIES.get(name, []) if query)
    return urls


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content.startswith(b"%PDF"):
        return ""  # compressed; an invoice's PDF is drawn from the same lines as its page and CSV
    return content.decode("utf-8", "replace")


@pytest.mark.parametrize("language", ["en", "fr"])  # 1,234.50 and 1 234,50
def test_no_page_a_client_admin_can_reach_shows_a_wholesale_amount(scenario, language):
    assert scenario.client_amounts().isdisjoint(scenario.wholesale()), "the markers must differ from client prices"
    finder = Finder(scenario.wholesale())
    user_language_set(user=scenario.x_admin.user, language=language)
    seen, leaks = 0, []
    with time_machine.travel(LOOKED_AT, tick=True):
        browser = login(scenario.tenants.x_admin_email)
        for url, variants in page_urls(scenario):
            for headers in variants:
                response = browser.get(url, headers=headers)
                assert response.status_code < 500, url
                if response.status_code == 200:
                    seen += 1
                    leaks += [f"{url} {headers}: {hit}" for hit in finder.find(body_of(response))]
    assert seen > 100, "the walk reached fewer pages than the portal has"
    assert not leaks, "\n".join(leaks)


# --- The API -----------------------------------------------------------------------------------------

API_QUERIES = {
    "/api/v1/numbers/available": ["country=NL", "country=NL&type=mobile", "country=DE"],
    "/api/v1/numbers/search": ["country=NL", "country=NL&type=mobile", "country=NL&type=local", "country=DE"],
    "/api/v1/regulatory/requirements": ["country=DE&end_user_type=business&number_type=local"],
    "/api/v1/wallet/transactions": ["kind=number_renewal", "kind=sms_outbound"],
    "/api/v1/events": ["event=payment.succeeded", "event=message.status", "event=number.activated"],
    "/api/v1/portal/sms": ["direction=outbound"],
    "/api/v1/portal/sms/stats": ["period=30d"],
}


def api_urls(scenario: Scenario, schema: dict) -> list[str]:
    ids = scenario.ids()
    urls = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        params = re.findall(r"\{(\w+)\}", path)
        for values in product(*[ids[p] for p in params]):
            filled = _fill(path, r"\{(\w+)\}", dict(zip(params, values, strict=True)))
            required = [p for p in operations["get"].get("parameters", []) if p["in"] == "query" and p.get("required")]
            if not required:
                urls.append(filled)
            urls.extend(f"{filled}?{query}" for query in API_QUERIES.get(path, []))
    return urls


def test_no_api_answer_a_client_key_can_get_shows_a_wholesale_amount(scenario, api_as):
    finder = Finder(scenario.wholesale())
    api = api_as(scenario.tenants.x_key)
    with time_machine.travel(LOOKED_AT, tick=True):
        schema = json.loads(api.http.get("/api/v1/schema", headers={"Accept": "application/json"}).content)
        seen, leaks = 0, []
        for url in api_urls(scenario, schema):
            response = api.get(url)
            assert response.status_code < 500, url
            if response.status_code == 200:
                seen += 1
                leaks += [f"{url}: {hit}" for hit in finder.find(body_of(response))]
    assert seen > 40, "the walk reached fewer answers than the API has"
    assert not leaks, "\n".join(leaks)


# --- The search works: the reseller's own views show exactly these amounts ---------------------------


def test_the_same_search_finds_wholesale_where_the_reseller_looks(scenario, api_as):
    finder = Finder(scenario.wholesale())
    with time_machine.travel(LOOKED_AT, tick=True):
        owner = login("owner@alpha.test")
        for path in ("/numbers/orders/", f"/numbers/mine/{scenario.with_sms.pk}/", "/billing/wallet/"):
            assert finder.find(owner.get(path).content.decode()), path
        api = api_as(scenario.tenants.a.key)
        for path in ("/api/v1/orders", "/api/v1/numbers", "/api/v1/wallet/transactions", "/api/v1/portal/sms"):
            assert finder.find(api.get(path).content.decode()), path


def test_a_port_shows_the_client_what_completing_it_will_bill_it(scenario):
    port = scenario.port  # one NL Amsterdam number, monthly: setup 17.77 and a month at 77.77 wholesale
    assert porting.port_quote(port) == Decimal("95.54")
    client_price = Decimal("21.324") + Decimal("93.324")  # each marked up 20 %
    assert porting.port_quote(port, client_view=True) == client_price
    with time_machine.travel(LOOKED_AT, tick=True):
        mine = login(scenario.tenants.x_admin_email).get(f"/numbers/porting/{port.pk}/").content.decode()
        theirs = login("owner@alpha.test").get(f"/numbers/porting/{port.pk}/").content.decode()
    assert "EUR 114.65 when completed" in mine and "95.54" not in mine
    assert "EUR 95.54 when completed" in theirs
