"""Reading messages: filters, one message, SMS numbers, conversations and statistics, always scoped to who
is asking."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.actor import actor_from_membership
from accounts.models import Membership
from messaging import selectors, services
from messaging.models import Message
from numbers_app import services as number_services
from portal.errors import NotFound
from tests.messaging.conftest import HANDSET, HANDSET_2, send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_sms_limit")]


def backdate(message: Message, *, days: int) -> None:
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=days))


def receive(number, provider_id: str, *, sender: str = HANDSET, body: str = "Reply") -> Message:
    return services.sms_receive(
        carrier="sandbox", provider_id=provider_id, from_e164=sender, to_e164=number.e164, body=body
    )


def listed(actor, **filters) -> list[int]:
    return [m.pk for m in selectors.message_list(actor=actor, filters=selectors.MessageFilters(**filters))]


def test_each_filter_narrows_the_list_newest_first(tenants, sms_number):
    actor = tenants.a.owner_actor
    first, second = sms_number(tenants.a, client=tenants.x), sms_number(tenants.a)
    old = send(actor, first, to=HANDSET_2, body="Quarterly invoice")
    backdate(old, days=5)
    a = send(actor, first, body="See you at 9")
    b = send(actor, second, body="Parcel delivered")
    c = receive(first, "in_1", body="Thanks!")
    Message.objects.filter(pk=b.pk).update(status="delivered")
    today = timezone.localdate()

    assert listed(actor) == [c.pk, b.pk, a.pk, old.pk]
    assert listed(actor, number=first) == [c.pk, a.pk, old.pk]
    assert listed(actor, direction="inbound") == [c.pk]
    assert listed(actor, status="delivered") == [b.pk]
    assert listed(actor, date_from=today) == [c.pk, b.pk, a.pk]
    assert listed(actor, date_to=today - timedelta(days=5)) == [old.pk]
    assert listed(actor, date_from=today - timedelta(days=5), date_to=today - timedelta(days=5)) == [old.pk]
    assert listed(actor, date_from=today - timedelta(days=4), date_to=today - timedelta(days=1)) == []
    assert listed(actor, text="invoice") == [old.pk]
    assert listed(actor, text="2999") == [old.pk]  # part of the contact's number
    assert listed(actor, contact=HANDSET) == [c.pk, b.pk, a.pk]
    assert listed(actor, client_id=tenants.x.pk) == [c.pk, a.pk, old.pk]
    assert listed(actor, number=first, direction="outbound", date_from=today) == [a.pk]


def test_a_date_filter_takes_whole_days_in_the_portals_time_zone(tenants, sms_number, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    timezone.activate("Europe/Amsterdam")
    try:
        actor = tenants.a.owner_actor
        message = send(actor, sms_number(tenants.a))
        day = timezone.localdate() - timedelta(days=2)
        local_midnight = timezone.make_aware(datetime.combine(day, time.min))
        Message.objects.filter(pk=message.pk).update(created_at=local_midnight - timedelta(minutes=1))
        assert listed(actor, date_from=day) == []
        assert listed(actor, date_to=day - timedelta(days=1)) == [message.pk]
        Message.objects.filter(pk=message.pk).update(created_at=local_midnight)
        assert listed(actor, date_from=day, date_to=day) == [message.pk]
    finally:
        timezone.deactivate()


def test_client_scoped_readers_see_only_their_clients_messages(tenants, sms_number):
    actor = tenants.a.owner_actor
    x = send(actor, sms_number(tenants.a, client=tenants.x))
    y = send(actor, sms_number(tenants.a, client=tenants.y))
    unassigned = send(actor, sms_number(tenants.a))
    b = send(tenants.b.owner_actor, sms_number(tenants.b))
    x_admin = actor_from_membership(Membership.objects.get(user__email=tenants.x_admin_email))

    assert listed(x_admin) == [x.pk]
    assert listed(actor) == [unassigned.pk, y.pk, x.pk]
    assert selectors.message_get(actor=x_admin, message_id=x.public_id) == x
    for other in (y, unassigned, b):
        with pytest.raises(NotFound):
            selectors.message_get(actor=x_admin, message_id=other.pk)
    with pytest.raises(NotFound):
        selectors.message_get(actor=actor, message_id=b.public_id)


@pytest.mark.parametrize("reference", ["msg_", "msg_zz", "12abc", "-1", "9" * 25, "", "٣"])
def test_a_malformed_message_id_is_not_found(tenants, reference):
    with pytest.raises(NotFound):
        selectors.message_get(actor=tenants.a.owner_actor, message_id=reference)


def test_sms_numbers_are_the_ones_with_sms_on_that_are_not_gone(tenants, sms_number, sms_stock):
    actor = tenants.a.owner_actor
    on = sms_number(tenants.a)
    switched_off = number_services.number_configure(actor=actor, number=sms_number(tenants.a), status="inactive")
    released = sms_number(tenants.a)
    number_services.number_release(actor=actor, number=released)
    sms_number(tenants.a, sms=False)
    sms_number(tenants.a, group=sms_stock.landline, sms=False)
    sms_number(tenants.b)
    assert list(selectors.sms_numbers(actor=actor)) == sorted([on, switched_off], key=lambda n: n.e164)


def test_threads_are_one_per_number_and_contact_latest_first(tenants, sms_number):
    actor = tenants.a.owner_actor
    first, second = sms_number(tenants.a), sms_number(tenants.a)
    send(actor, first, to=HANDSET, body="1")
    send(actor, first, to=HANDSET_2, body="2")
    send(actor, second, to=HANDSET, body="3")
    receive(first, "in_1", body="4")
    send(actor, first, to=HANDSET, body="5")

    threads = list(selectors.thread_list(actor=actor))

    assert [(t["number_id"], t["remote_e164"], t["messages"], t["last_body"]) for t in threads] == [
        (first.pk, HANDSET, 3, "5"),
        (second.pk, HANDSET, 1, "3"),
        (first.pk, HANDSET_2, 1, "2"),
    ]
    assert threads[0]["number_e164"] == first.e164 and threads[0]["last_direction"] == "outbound"
    assert [t["remote_e164"] for t in selectors.thread_list(actor=actor, number=second)] == [HANDSET]
    conversation = selectors.thread_messages(actor=actor, number=first, contact=HANDSET)
    assert [m.body for m in conversation] == ["1", "4", "5"]


def test_stats_count_today_this_month_and_the_known_fates_of_thirty_days(tenants, sms_number):
    actor = tenants.a.owner_actor
    number = sms_number(tenants.a)
    today = [send(actor, number, body="t" * 161) for _ in range(4)]  # 2 segments each
    Message.objects.filter(pk__in=[today[0].pk, today[1].pk]).update(status="delivered")
    Message.objects.filter(pk=today[2].pk).update(status="failed")
    receive(number, "in_1")
    ten_days_ago = send(actor, number)
    Message.objects.filter(pk=ten_days_ago.pk).update(status="failed")
    backdate(ten_days_ago, days=10)
    long_ago = send(actor, number)
    Message.objects.filter(pk=long_ago.pk).update(status="delivered")
    backdate(long_ago, days=40)
    send(tenants.b.owner_actor, sms_number(tenants.b))

    stats = selectors.sms_stats(actor=actor)

    in_month = timezone.localdate() - timedelta(days=10) >= timezone.localdate().replace(day=1)
    assert (stats.today_outbound, stats.today_inbound) == (4, 1)
    assert (stats.month_outbound, stats.month_inbound) == (4 + in_month, 1)
    assert stats.month_segments == 8 + in_month
    assert (stats.delivered_30d, stats.failed_30d, stats.pending_30d) == (2, 2, 1)
    assert stats.delivery_rate_30d == Decimal("50.0")
    assert len(stats.days) == 30 and stats.days[-1].day == timezone.localdate()
    assert (stats.days[-1].outbound, stats.days[-1].delivered, stats.days[-1].failed) == (4, 2, 1)
    assert stats.days[-1].delivery_rate == Decimal("66.7")
    assert stats.days[-11].failed == 1 and stats.days[-11].delivery_rate == Decimal("0.0")
    assert stats.days[0].delivery_rate is None


def test_stats_without_known_fates_have_no_delivery_rate(tenants, sms_number):
    send(tenants.a.owner_actor, sms_number(tenants.a))
    stats = selectors.sms_stats(actor=tenants.a.owner_actor)
    assert stats.delivery_rate_30d is None and stats.pending_30d == 1
