"""Where a message may go and what it costs there: special services and blocked ranges refused (unless
staff allow a range for one account), rates by destination prefix with the longest match winning, no
fallback price, and the compose page's quote equal to the charge."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from accounts.actor import system_actor
from accounts.models import AuditLog
from billing.models import LedgerEntry
from messaging import services
from messaging.models import Message, SmsBlockedPrefix, SmsDestinationAllowance, SmsRate
from numbers_app.models import Country
from portal.errors import DestinationNotAllowed, NoRateForDestination
from tests.conftest import assert_error
from tests.messaging.conftest import DE_HANDSET, HANDSET, SEGMENT, assert_balanced, send
from tests.numbers.conftest import login

pytestmark = pytest.mark.django_db

GB_PREMIUM = "+449012345678"
GB_PERSONAL = "+447012345678"
GB_UAN = "+445512345678"
US_PREMIUM = "+19002345678"
FR_PREMIUM = "+33891123456"
INMARSAT = "+870301234567"
IRIDIUM = "+881612345678"
INTERNATIONAL_NETWORKS = ["+8823421234", "+883510012345"]
GB_MOBILE = "+447400123456"
US_HANDSET = "+12015550123"
NYC = "+12125550123"
JAMAICA = "+18762101234"

REFUSED = [GB_PREMIUM, GB_PERSONAL, GB_UAN, US_PREMIUM, FR_PREMIUM, INMARSAT, IRIDIUM, *INTERNATIONAL_NETWORKS]


@pytest.fixture
def everywhere(sms_stock):
    """A rate for every number starting with any digit: whatever is refused below is refused for what it
    is, not for want of a rate."""
    for digit in "123456789":
        SmsRate.objects.create(prefix=digit, price_per_segment=Decimal("0.0500"))


def _nothing_written(account) -> None:
    assert not Message.objects.filter(account=account).exists()
    assert not LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.SMS_OUTBOUND).exists()
    assert_balanced(account)


@pytest.mark.parametrize("to", REFUSED)
def test_premium_special_service_and_satellite_destinations_are_refused_and_charge_nothing(
    tenants, sms_number, everywhere, api_as, to, enqueued
):
    number = sms_number(tenants.a)
    response = api_as(tenants.a.key).post("/api/v1/messages/send", {"from": number.e164, "to": to, "body": "Hi"})
    error = assert_error(response, 422, "destination_not_allowed")
    assert to in error["message"] and "to" in error["fields"]
    _nothing_written(tenants.a.account)
    assert not enqueued


def test_ordinary_mobiles_and_landlines_still_go_at_their_rate(tenants, sms_number, everywhere, no_sms_limit):
    number = sms_number(tenants.a)
    for to in (GB_MOBILE, US_HANDSET, HANDSET):
        assert send(tenants.a.owner_actor, number, to=to).status == Message.Status.QUEUED


def test_a_blocked_prefix_is_staff_data_seeded_with_the_satellite_and_premium_ranges(tenants):
    seeded = set(SmsBlockedPrefix.objects.values_list("prefix", flat=True))
    assert {"870", "881", "882", "883", "449", "1900"} <= seeded


def test_a_range_allowed_for_one_account_is_sent_there_for_it_alone_and_the_change_is_audited(
    tenants, sms_number, everywhere, staff_actor
):
    mine, theirs = sms_number(tenants.a), sms_number(tenants.b)
    staff = system_actor(tenants.a.account, user=staff_actor.user)
    allowance = services.sms_allowance_add(actor=staff, account=tenants.a.account, prefix="+44 9", note="Charity line")

    message = send(tenants.a.owner_actor, mine, to=GB_PREMIUM)
    assert (message.status, message.amount) == (Message.Status.QUEUED, Decimal("0.0500"))
    with pytest.raises(DestinationNotAllowed):
        send(tenants.b.owner_actor, theirs, to=GB_PREMIUM)
    with pytest.raises(DestinationNotAllowed):  # the allowance covers its range only
        send(tenants.a.owner_actor, mine, to=INMARSAT)
    added = AuditLog.objects.get(action="sms.destination_allowed")
    assert (added.account, added.user, added.after) == (
        tenants.a.account,
        staff_actor.user,
        {"prefix": "449", "note": "Charity line"},
    )

    services.sms_allowance_remove(actor=staff, allowance=allowance)
    with pytest.raises(DestinationNotAllowed):
        send(tenants.a.owner_actor, mine, to=GB_PREMIUM)
    assert AuditLog.objects.get(action="sms.destination_disallowed").before == {"prefix": "449", "note": "Charity line"}


def test_staff_allow_a_range_in_the_staff_console(tenants, staff_actor, client):
    client.force_login(staff_actor.user)
    page = client.post(
        "/admin/messaging/smsdestinationallowance/add/",
        {"account": tenants.a.account.pk, "prefix": "881", "note": "Expedition ship"},
    )
    assert page.status_code == 302
    allowance = SmsDestinationAllowance.objects.get()
    assert (allowance.account, allowance.prefix, allowance.created_by) == (
        tenants.a.account,
        "881",
        system_actor(tenants.a.account, user=staff_actor.user).label,
    )
    assert AuditLog.objects.filter(action="sms.destination_allowed", user=staff_actor.user).count() == 1
    client.post(f"/admin/messaging/smsdestinationallowance/{allowance.pk}/delete/", {"post": "yes"})
    assert not SmsDestinationAllowance.objects.exists()
    assert AuditLog.objects.filter(action="sms.destination_disallowed", user=staff_actor.user).count() == 1


def test_a_destination_without_a_rate_is_refused_there_is_no_fallback_price(tenants, sms_number, api_as):
    number = sms_number(tenants.a)
    response = api_as(tenants.a.key).post("/api/v1/messages/send", {"from": number.e164, "to": US_HANDSET, "body": "x"})
    error = assert_error(response, 422, "no_rate_for_destination")
    assert US_HANDSET in error["message"]
    _nothing_written(tenants.a.account)


def test_the_longest_matching_prefix_prices_a_message_and_a_country_row_prices_only_its_country(
    tenants, sms_number, no_sms_limit
):
    us = Country.objects.create(code="US", name="United States", dial_code="+1")
    SmsRate.objects.create(prefix="1", country=us, price_per_segment=Decimal("0.0100"))
    SmsRate.objects.create(prefix="1212", price_per_segment=Decimal("0.0300"))
    SmsRate.objects.create(prefix="49151", price_per_segment=Decimal("0.0123"))
    number = sms_number(tenants.a)
    actor = tenants.a.owner_actor

    assert send(actor, number, to=US_HANDSET).price_per_segment == Decimal("0.0100")
    assert send(actor, number, to=NYC).price_per_segment == Decimal("0.0300")
    assert send(actor, number, to=DE_HANDSET).price_per_segment == Decimal("0.0123")
    assert send(actor, number, to=HANDSET).price_per_segment == SEGMENT
    with pytest.raises(NoRateForDestination):  # +1 876 is Jamaica: the United States' row is not its rate
        send(actor, number, to=JAMAICA)
    SmsRate.objects.create(prefix="1", price_per_segment=Decimal("0.0200"))
    assert send(actor, number, to=JAMAICA).price_per_segment == Decimal("0.0200")
    assert send(actor, number, to=US_HANDSET).price_per_segment == Decimal("0.0100")  # its country's row first


def test_the_segment_quote_refuses_what_a_send_refuses_and_prices_nothing_without_a_destination(
    tenants, sms_stock, api_as
):
    api = api_as(tenants.a.key)
    for to, code in ((IRIDIUM, "destination_not_allowed"), (US_HANDSET, "no_rate_for_destination")):
        assert_error(api.post("/api/v1/portal/sms/segments", {"body": "Hi", "to": to}), 422, code)
    data = api.post("/api/v1/portal/sms/segments", {"body": "Hi"}).json()["data"]
    assert (data["segments"], data["price"], data["price_per_segment"]) == (1, None, None)


def _quoted(page: str) -> str | None:
    found = re.search(r'data-part="price">([^<]*)<', page)
    return found.group(1) if found else None


def test_the_compose_quote_equals_the_charge_for_every_destination(tenants, sms_number, enqueued, no_sms_limit):
    SmsRate.objects.create(prefix="49151", price_per_segment=Decimal("0.0123"))
    SmsRate.objects.create(prefix="44", price_per_segment=Decimal("0.0400"))
    number = sms_number(tenants.a)
    owner = login("owner@alpha.test")
    texts = ["Hello", "x" * 161, "Grüße 😀 " * 12]
    for to in (HANDSET, DE_HANDSET, GB_MOBILE, GB_PREMIUM, INMARSAT, US_HANDSET):
        for body in texts:
            form = {"from_number": number.pk, "to": to, "body": body}
            quote = owner.post("/messaging/compose/quote/", form, HTTP_HX_REQUEST="true").content.decode()
            before = set(LedgerEntry.objects.values_list("pk", flat=True))
            sent = owner.post("/messaging/compose/", form)
            charged = LedgerEntry.objects.exclude(pk__in=before).filter(kind=LedgerEntry.Kind.SMS_OUTBOUND)
            if to in (GB_PREMIUM, INMARSAT, US_HANDSET):
                assert _quoted(quote) is None and not charged.exists()
                refusal = re.search(r'data-part="refused"[^>]*>([^<]*)<', quote).group(1)
                assert to in refusal and refusal in sent.content.decode()  # the form says the same
            else:
                assert sent.status_code == 302
                assert Decimal(_quoted(quote)) == -charged.get().amount > 0
    assert_balanced(tenants.a.account)


def test_a_client_login_is_quoted_what_its_message_bills_it(tenants, sms_number, enqueued):
    from billing.services import PriceRuleInput, price_rule_save

    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("50")))
    number = sms_number(tenants.a, client=tenants.x)
    admin = login(tenants.x_admin_email)
    form = {"from_number": number.pk, "to": HANDSET, "body": "y" * 200}
    quote = admin.post("/messaging/compose/quote/", form).content.decode()
    admin.post("/messaging/compose/", form)
    message = Message.objects.get()
    assert Decimal(_quoted(quote)) == message.client_amount != message.amount
