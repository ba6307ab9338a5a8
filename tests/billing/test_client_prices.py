"""Client price lists: how a client's price is derived, that every client charge stores it at the time of
the charge, and that client logins and keys are shown their prices, never wholesale."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from accounts.models import AuditLog
from billing import ledger
from billing.models import LedgerEntry, PriceRule
from billing.pricing import Item, PriceBook, apply_rule
from billing.renewals import renewals_run
from billing.services import PriceRuleInput, price_rule_delete, price_rule_save, refund_number
from numbers_app.models import Number
from numbers_app.services import number_provision, number_purchase
from portal.errors import NotFound, PermissionDenied, ValidationFailed
from tests.billing.conftest import assert_balanced
from tests.conftest import assert_error
from tests.messaging.conftest import no_sms_limit, sandbox_now, send, sms_number, sms_stock  # noqa: F401 (fixtures)
from tests.numbers.conftest import NL_AMS, NL_MOBILE, login, stock  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db]


def rule(tenants, **kw) -> PriceRule:
    return price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(**kw))


def buy(tenants, e164: str, *, client=None, cycle: str = "monthly") -> Number:
    number = number_purchase(actor=tenants.a.owner_actor, numbers=[e164], client=client, billing_cycle=cycle)
    number = number.numbers.get()
    number_provision(number_id=number.pk)
    return Number.objects.select_related("client", "account", "group").get(pk=number.pk)


def charges_of(number: Number) -> dict[str, LedgerEntry]:
    return {e.kind: e for e in LedgerEntry.objects.filter(number=number).exclude(kind=LedgerEntry.Kind.REFUND)}


# --- Deriving a price ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "fixed", "wholesale", "expected"),
    [
        ("0", "0", "1.50", "1.5000"),
        ("30", "0", "1.50", "1.9500"),
        ("30", "0.25", "1.50", "2.2000"),
        ("33.33", "0", "0.0080", "0.0107"),  # 0.010666… rounds half up to four places
        ("12.5", "0", "0.0100", "0.0113"),  # 0.01125 → 0.0113 (half up, not to even)
        ("1000", "0", "0.0001", "0.0011"),
        ("50", "1.00", "0", "0.0000"),  # nothing charged wholesale is nothing charged to the client
    ],
)
def test_a_client_price_is_wholesale_marked_up_then_the_fixed_amount_added(percent, fixed, wholesale, expected):
    line = PriceRule(markup_percent=Decimal(percent), fixed_monthly=Decimal(fixed), fixed_sms_segment=Decimal(fixed))
    assert apply_rule(line, item=Item.MONTHLY, wholesale=Decimal(wholesale)) == Decimal(expected)
    assert apply_rule(line, item=Item.SMS_SEGMENT, wholesale=Decimal(wholesale)) == Decimal(expected)


def test_without_a_rule_the_client_pays_wholesale():
    assert apply_rule(None, item=Item.SETUP, wholesale=Decimal("2.5")) == Decimal("2.5000")


def test_each_item_takes_its_own_fixed_markup():
    line = PriceRule(
        markup_percent=Decimal("0"),
        fixed_monthly=Decimal("1"),
        fixed_setup=Decimal("2"),
        fixed_sms_addon=Decimal("3"),
        fixed_sms_segment=Decimal("0.004"),
    )
    one = Decimal("1")
    assert [apply_rule(line, item=item, wholesale=one) for item in Item.ALL] == [
        Decimal("2"),
        Decimal("3"),
        Decimal("4"),
        Decimal("1.004"),
    ]


def test_the_most_specific_line_wins(tenants, stock):
    x, y = tenants.x, tenants.y
    rule(tenants, markup_percent=Decimal("10"))
    rule(tenants, number_type="mobile", markup_percent=Decimal("20"))
    rule(tenants, country="NL", markup_percent=Decimal("30"))
    rule(tenants, country="NL", number_type="mobile", markup_percent=Decimal("40"))
    rule(tenants, client_id=x.pk, markup_percent=Decimal("50"))
    rule(tenants, client_id=x.pk, country="NL", number_type="local", markup_percent=Decimal("60"))
    book = PriceBook.of(tenants.a.account.pk)

    def percent(client, country, number_type):
        return book.rule_for(client_id=client.pk if client else None, country=country, number_type=number_type)

    assert percent(x, "NL", "local").markup_percent == 60  # the client's own line for exactly this
    assert percent(x, "NL", "mobile").markup_percent == 50  # the client's catch-all beats account defaults
    assert percent(y, "NL", "mobile").markup_percent == 40  # country + type
    assert percent(y, "NL", "local").markup_percent == 30  # country
    assert percent(y, "GB", "mobile").markup_percent == 20  # type
    assert percent(y, "GB", "local").markup_percent == 10  # everything
    assert PriceBook.of(tenants.b.account.pk).rule_for(client_id=None, country="NL", number_type="local") is None


# --- Charges store the client's price ------------------------------------------------------------


def test_a_purchase_for_a_client_stores_its_price_on_each_charge(tenants, stock):
    rule(tenants, markup_percent=Decimal("20"), fixed_monthly=Decimal("0.10"), fixed_setup=Decimal("0.50"))
    number = buy(tenants, NL_MOBILE[0], client=tenants.x, cycle="quarterly")  # 4.00 a month, setup 2.50
    charges = charges_of(number)
    setup, period = charges[LedgerEntry.Kind.SETUP_FEE], charges[LedgerEntry.Kind.NUMBER_PURCHASE]
    assert (setup.amount, setup.client_amount) == (Decimal("-2.5000"), Decimal("-3.5000"))  # 2.50 × 1.2 + 0.50
    assert (period.amount, period.client_amount) == (Decimal("-12.0000"), Decimal("-14.7000"))  # (4.80+0.10) × 3
    assert setup.number_id == period.number_id == number.pk
    assert_balanced(tenants.a.account)


def test_the_resellers_own_numbers_carry_no_client_price(tenants, stock):
    rule(tenants, markup_percent=Decimal("20"))
    number = buy(tenants, NL_AMS[0])
    entry = charges_of(number)[LedgerEntry.Kind.NUMBER_PURCHASE]
    assert entry.client_id is None and entry.client_amount is None and entry.number_id == number.pk


def test_a_renewal_uses_the_price_list_of_its_day_and_earlier_charges_keep_theirs(tenants, stock):
    line = rule(tenants, markup_percent=Decimal("10"))
    number = buy(tenants, NL_AMS[0], client=tenants.x)  # 1.50 a month
    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("50")), rule_id=line.pk)
    renewals_run(as_of=number.paid_through)
    bought = charges_of(number)
    assert bought[LedgerEntry.Kind.NUMBER_PURCHASE].client_amount == Decimal("-1.6500")
    assert bought[LedgerEntry.Kind.NUMBER_RENEWAL].client_amount == Decimal("-2.2500")
    assert bought[LedgerEntry.Kind.NUMBER_RENEWAL].amount == Decimal("-1.5000")
    assert_balanced(tenants.a.account)


def test_a_refund_gives_the_client_back_what_it_was_charged(tenants, stock):
    rule(tenants, markup_percent=Decimal("100"))
    number = buy(tenants, NL_MOBILE[0], client=tenants.x)
    with transaction.atomic():
        refund_number(number=number, reason="test")
    entries = LedgerEntry.objects.filter(number=number)
    assert sum(e.amount for e in entries) == 0
    assert sum(e.client_amount for e in entries) == 0
    refunds = entries.filter(kind=LedgerEntry.Kind.REFUND)
    assert all(e.client_amount > e.amount > 0 for e in refunds)


def test_an_sms_for_a_client_stores_segments_times_the_client_segment_price(tenants, sms_number, no_sms_limit):
    rule(tenants, markup_percent=Decimal("25"), fixed_sms_segment=Decimal("0.001"))
    number = sms_number(tenants.a, client=tenants.x)
    message = send(tenants.a.owner_actor, number, body="x" * 161)  # two GSM-7 segments at 0.008
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.SMS_OUTBOUND, reference_id=message.public_id)
    assert message.client_amount == Decimal("0.0220")  # (0.008 × 1.25 + 0.001) × 2
    assert (entry.amount, entry.client_amount, entry.number_id) == (Decimal("-0.0160"), Decimal("-0.0220"), number.pk)
    addon = LedgerEntry.objects.get(kind=LedgerEntry.Kind.SMS_ADDON, number=number)
    assert addon.client_amount < addon.amount < 0


# --- Editing the price list ----------------------------------------------------------------------


def test_saving_a_line_for_a_scope_that_has_one_changes_it_and_is_audited(tenants, stock):
    first = rule(tenants, country="NL", markup_percent=Decimal("10"))
    again = rule(tenants, country="nl", markup_percent=Decimal("15"))
    assert again.pk == first.pk and PriceRule.objects.filter(account=tenants.a.account).count() == 1
    assert again.markup_percent == Decimal("15.00")
    audits = AuditLog.objects.filter(action="price_rule.saved").order_by("id")
    assert audits.count() == 2
    assert audits.last().before["markup_percent"] == "10.00" and audits.last().after["markup_percent"] == "15.00"


def test_moving_a_line_onto_another_lines_scope_is_refused(tenants, stock):
    rule(tenants, country="NL")
    other = rule(tenants, country="GB")
    with pytest.raises(ValidationFailed) as exc:
        price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(country="NL"), rule_id=other.pk)
    assert "scope" in exc.value.fields


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"markup_percent": Decimal("-1")}, "markup_percent"),
        ({"markup_percent": Decimal("1000.01")}, "markup_percent"),
        ({"fixed_monthly": Decimal("-0.01")}, "fixed_monthly"),
        ({"fixed_sms_segment": Decimal("1000")}, "fixed_sms_segment"),
        ({"country": "XX"}, "country"),
        ({"number_type": "premium"}, "number_type"),
        ({"client_id": 999_999}, "client_id"),
    ],
)
def test_a_bad_line_is_refused_and_writes_nothing(tenants, stock, data, field):
    with pytest.raises(ValidationFailed) as exc:
        rule(tenants, **data)
    assert field in exc.value.fields
    assert not PriceRule.objects.exists() and not AuditLog.objects.filter(action__startswith="price_rule").exists()


def test_another_resellers_client_cannot_be_priced(tenants, stock):
    from accounts.models import Client

    zephyr = Client.objects.get(account=tenants.b.account)
    with pytest.raises(ValidationFailed):
        rule(tenants, client_id=zephyr.pk)


def test_only_the_resellers_admins_edit_the_price_list(tenants, stock):
    from accounts.actor import actor_from_membership
    from accounts.models import Membership

    client_admin = actor_from_membership(Membership.objects.get(user__email=tenants.x_admin_email))
    with pytest.raises(PermissionDenied):
        price_rule_save(actor=client_admin, data=PriceRuleInput(markup_percent=Decimal("0")))
    line = rule(tenants, markup_percent=Decimal("5"))
    with pytest.raises(PermissionDenied):
        price_rule_delete(actor=client_admin, rule_id=line.pk)
    with pytest.raises(NotFound):
        price_rule_delete(actor=tenants.b.owner_actor, rule_id=line.pk)
    price_rule_delete(actor=tenants.a.owner_actor, rule_id=line.pk)
    assert not PriceRule.objects.exists()
    assert AuditLog.objects.filter(action="price_rule.deleted").count() == 1


# --- The API and pages -----------------------------------------------------------------------------


def test_price_rules_api_round_trip_and_errors(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    created = api.post("/api/v1/price-rules", {"country": "NL", "markup_percent": "30", "fixed_sms_segment": "0.002"})
    assert created.status_code == 201, created.content
    body = created.json()["data"]
    assert (body["country"], body["markup_percent"], body["fixed_sms_segment"]) == ("NL", "30.00", "0.0020")
    listed = api.get("/api/v1/price-rules").json()
    assert [r["rule_id"] for r in listed["data"]] == [body["rule_id"]]
    changed = api.request("PUT", f"/api/v1/price-rules/{body['rule_id']}", {"country": "NL", "markup_percent": "35"})
    assert changed.status_code == 200 and changed.json()["data"]["markup_percent"] == "35.00"
    assert_error(api.post("/api/v1/price-rules", {"markup_percent": "-3"}), 422, "validation_error")
    assert_error(api.post("/api/v1/price-rules", {"client_id": "cli_x"}), 422, "validation_error")
    assert_error(api_as(tenants.a.read_only_key).post("/api/v1/price-rules", {}), 403, "forbidden")
    assert_error(api_as(tenants.x_key).get("/api/v1/price-rules"), 403, "forbidden")
    assert_error(api_as(tenants.b.key).delete(f"/api/v1/price-rules/{body['rule_id']}"), 404, "not_found")
    assert api.delete(f"/api/v1/price-rules/{body['rule_id']}").status_code == 204
    assert not PriceRule.objects.exists()


def test_the_price_list_page_saves_a_line_and_shows_what_clients_pay(tenants, stock):
    owner = login("owner@alpha.test")
    page = owner.get("/billing/prices/")
    assert page.status_code == 200 and b"No lines yet" in page.content
    saved = owner.post(
        "/billing/prices/",
        {
            "client": "",
            "country": "NL",
            "number_type": "local",
            "markup_percent": "20",
            "fixed_monthly": "0",
            "fixed_setup": "0",
            "fixed_sms_addon": "0",
            "fixed_sms_segment": "0.001",
        },
        follow=True,
    )
    assert saved.status_code == 200
    assert b"Saved" in saved.content
    assert b"1.8000" in saved.content  # the NL local example: 1.50 wholesale → 1.80
    assert PriceRule.objects.get().markup_percent == Decimal("20.00")
    bad = owner.post("/billing/prices/", {"markup_percent": "-5", "fixed_monthly": "0", "fixed_setup": "0"})
    assert bad.status_code == 200 and PriceRule.objects.count() == 1


def test_client_logins_cannot_open_the_price_list(tenants, stock):
    assert login(tenants.x_admin_email).get("/billing/prices/").status_code == 404


# --- Client viewers never see wholesale ------------------------------------------------------------


@pytest.fixture
def marked_up(tenants, sms_number, no_sms_limit):
    """X's mobile number (2.00 a month) with SMS on and a message sent, under a 50 % markup (+0.002 a
    segment)."""
    rule(tenants, markup_percent=Decimal("50"), fixed_sms_segment=Decimal("0.002"))
    number = sms_number(tenants.a, client=tenants.x)
    send(tenants.a.owner_actor, number, body="Hello")
    return number


def test_client_keys_see_client_prices_across_the_api(tenants, marked_up, api_as):
    client_api, reseller_api = api_as(tenants.x_key), api_as(tenants.a.key)
    number = client_api.get(f"/api/v1/numbers/{marked_up.pk}").json()["data"]
    assert number["monthly_cost"] == "3.00"
    assert reseller_api.get(f"/api/v1/numbers/{marked_up.pk}").json()["data"]["monthly_cost"] == "2.00"
    listed = client_api.get("/api/v1/numbers").json()["data"]
    assert [n["monthly_cost"] for n in listed] == ["3.00"]
    messages = client_api.get("/api/v1/portal/sms").json()["data"]
    assert (messages[0]["price"], messages[0]["price_per_segment"]) == ("0.0140", "0.0140")
    assert reseller_api.get("/api/v1/portal/sms").json()["data"][0]["price"] == "0.0080"
    sms_numbers = client_api.get("/api/v1/portal/sms/numbers").json()["data"]
    addon_wholesale = reseller_api.get("/api/v1/portal/sms/numbers").json()["data"][0]["sms_monthly_price"]
    assert Decimal(sms_numbers[0]["sms_monthly_price"]) == Decimal(addon_wholesale) * Decimal("1.5")
    entries = client_api.get("/api/v1/wallet/transactions").json()["data"]
    by_kind = {e["kind"]: e["amount"] for e in entries}
    assert by_kind["sms_outbound"] == "-0.0140" and by_kind["number_purchase"] == "-3.0000"
    search = client_api.get("/api/v1/numbers/search?country=NL&type=mobile").json()["data"]
    assert search and all(item["monthly_price"] == 3 for item in search)
    quote = client_api.post("/api/v1/portal/sms/segments", {"body": "Hi", "to": "+31612345678"}).json()["data"]
    assert quote["price_per_segment"] == "0.0140"


def test_client_admin_pages_show_client_prices_only(tenants, marked_up):
    pages = login(tenants.x_admin_email)
    for path in ("/numbers/mine/", f"/numbers/mine/{marked_up.pk}/", "/billing/wallet/", "/messaging/", "/"):
        html = pages.get(path).content.decode()
        for price in ("2.00 ", ">2.00<", "0.0080", "2.0000"):
            assert price not in html, (path, price)
    assert "3.00" in pages.get("/numbers/mine/").content.decode()
    assert "3.00" in pages.get(f"/numbers/mine/{marked_up.pk}/").content.decode()
    assert "0.0140" in pages.get("/messaging/").content.decode()
    wallet = pages.get("/billing/wallet/").content.decode()
    assert "3.0000" in wallet and "0.0140" in wallet
    export = b"".join(pages.get("/billing/wallet/export.csv").streaming_content).decode()
    assert "-3.0000" in export and "-2.0000" not in export


def test_the_expiring_window_is_unaffected_by_prices(tenants, stock):
    """Price lists change what clients are billed, never what the wallet pays."""
    rule(tenants, markup_percent=Decimal("900"))
    number = buy(tenants, NL_AMS[0], client=tenants.x)
    before = ledger.wallet_for(tenants.a.account).balance
    renewals_run(as_of=number.paid_through + timedelta(days=0))
    assert ledger.wallet_for(tenants.a.account).balance == before - Decimal("1.50")


# --- Events and webhooks: a client's view carries its prices ----------------------------------------


def test_message_events_carry_the_client_price_for_the_clients_audience_only(tenants, marked_up, api_as):
    import json

    from django.utils import timezone

    from portal.models import Event
    from portal.webhooks.delivery import build_requests
    from portal.webhooks.models import WebhookDelivery
    from portal.webhooks.services import webhook_create

    event = Event.objects.filter(type="message.status", client=tenants.x).order_by("id").first()
    assert event.view_data()["price"] == "0.0080" and "_client_view" not in event.view_data()
    assert event.view_data(client_view=True)["price"] == "0.0140"

    reseller_events = api_as(tenants.a.key).get("/api/v1/events?event=message.status").json()["data"]
    client_events = api_as(tenants.x_key).get("/api/v1/events?event=message.status").json()["data"]
    assert {e["data"]["price"] for e in reseller_events} == {"0.0080"}
    assert {e["data"]["price"] for e in client_events} == {"0.0140"}
    assert all("_client_view" not in e["data"] for e in reseller_events + client_events)

    url = "https://hooks.example.com/x"
    mine = webhook_create(actor=tenants.a.owner_actor, url=url, events=["*"], client_id=tenants.x.pk).endpoint
    theirs = webhook_create(actor=tenants.a.owner_actor, url=url, events=["*"]).endpoint
    now = timezone.now()
    deliveries = [
        WebhookDelivery.objects.create(endpoint=endpoint, event=event, url=url, retry_until=now)
        for endpoint in (mine, theirs)
    ]
    bodies = [json.loads(r.body) for r in build_requests(deliveries, now=now)]
    assert [b["data"]["price"] for b in bodies] == ["0.0140", "0.0080"]


def test_renewal_events_show_a_client_its_price_and_never_the_wallet_balance(tenants, stock):
    from portal.models import Event

    rule(tenants, markup_percent=Decimal("100"))
    paid = buy(tenants, NL_AMS[0], client=tenants.x)  # 1.50 a month → 3.00 for X
    unpaid = buy(tenants, NL_AMS[1], client=tenants.x)
    renewals_run(as_of=paid.paid_through, account_ids=[tenants.a.account.pk])
    succeeded = Event.objects.get(type="payment.succeeded", subject_id=paid.public_id)
    assert succeeded.view_data()["amount"] == "1.5000"
    assert succeeded.view_data(client_view=True)["amount"] == "3.0000"
    with transaction.atomic():
        wallet = ledger.lock_wallet(tenants.a.account)
        ledger.adjust(wallet, amount=-wallet.balance, description="spend", reference=None)
    Number.objects.filter(pk=unpaid.pk).update(paid_through=unpaid.paid_through + timedelta(days=31))
    unpaid.refresh_from_db()
    renewals_run(as_of=unpaid.paid_through)
    failed = Event.objects.get(type="payment.failed", subject_id=unpaid.public_id)
    assert failed.view_data()["balance"] == "0.0000" and failed.view_data()["amount"] == "1.5000"
    assert failed.view_data(client_view=True)["balance"] is None
    assert failed.view_data(client_view=True)["amount"] == "3.0000"


def test_orders_show_a_client_what_it_was_charged(tenants, stock, api_as):
    rule(tenants, markup_percent=Decimal("100"))
    number = buy(tenants, NL_MOBILE[0], client=tenants.x)  # setup 2.50, 4.00 a month
    order_id = number.order.public_id
    mine = api_as(tenants.x_key).get(f"/api/v1/orders/{order_id}").json()["data"]
    assert mine["total"] == "13.0000"
    assert (mine["items"][0]["setup_fee"], mine["items"][0]["first_period"]) == ("5.0000", "8.0000")
    listed = api_as(tenants.x_key).get("/api/v1/orders").json()["data"]
    assert [o["total"] for o in listed] == ["13.0000"]
    reseller = api_as(tenants.a.key).get(f"/api/v1/orders/{order_id}").json()["data"]
    assert reseller["total"] == "6.5000"
    page = login(tenants.x_admin_email).get(f"/numbers/orders/{number.order_id}/")
    html = page.content.decode()
    assert page.status_code == 200 and "13.00" in html and "6.50" not in html
