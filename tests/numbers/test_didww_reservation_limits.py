"""One account holds at most DIDWW_RESERVATIONS_MAX reservations at once: reserving is free, so without a
cap one account could keep any number, or a whole group, out of everyone else's reach."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from numbers_app.didww import buying
from numbers_app.didww.models import DidReservation
from numbers_app.models import AvailableNumber
from portal.errors import NumberUnavailable, ReservationLimitReached
from tests.numbers.conftest import stock  # noqa: F401 - the fixture
from tests.numbers.test_concurrency import race


def _for_sale(stock):  # noqa: F811
    rows = AvailableNumber.objects.filter(group=stock.nl_local, status=AvailableNumber.Status.AVAILABLE)
    return list(rows.order_by("pk").values_list("pk", flat=True))


@pytest.mark.django_db
def test_one_more_reservation_than_the_cap_is_refused_and_holds_nothing(tenants, stock, settings):  # noqa: F811
    settings.DIDWW_RESERVATIONS_MAX = 3
    ids = _for_sale(stock)
    assert len(ids) > 4
    for pk in ids[:3]:
        buying.reservation_create(actor=tenants.b.owner_actor, available_did_id=str(pk))

    with pytest.raises(ReservationLimitReached) as refused:
        buying.reservation_create(actor=tenants.b.owner_actor, available_did_id=str(ids[3]))

    assert refused.value.code == "reservation_limit_reached" and refused.value.status == 422
    assert AvailableNumber.objects.get(pk=ids[3]).status == AvailableNumber.Status.AVAILABLE
    assert DidReservation.objects.filter(account=tenants.b.account).count() == 3
    # Another account is not held back by B's reservations.
    buying.reservation_create(actor=tenants.a.owner_actor, available_did_id=str(ids[4]))


@pytest.mark.django_db
def test_expired_reservations_do_not_count_against_the_cap(tenants, stock, settings):  # noqa: F811
    settings.DIDWW_RESERVATIONS_MAX = 1
    ids = _for_sale(stock)
    first = buying.reservation_create(actor=tenants.b.owner_actor, available_did_id=str(ids[0]))
    DidReservation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    buying.reservation_create(actor=tenants.b.owner_actor, available_did_id=str(ids[1]))


@pytest.mark.django_db(transaction=True)
def test_the_cap_holds_when_reservations_arrive_at_once(tenants, stock, settings):  # noqa: F811
    settings.DIDWW_RESERVATIONS_MAX = 3
    ids = _for_sale(stock)[:8]
    results = race(
        len(ids), lambda i: buying.reservation_create(actor=tenants.b.owner_actor, available_did_id=str(ids[i]))
    )

    made = [r for r in results if isinstance(r, DidReservation)]
    refused = [r for r in results if isinstance(r, ReservationLimitReached)]
    assert len(made) == 3 and len(refused) == 5, results
    assert not [r for r in results if isinstance(r, NumberUnavailable)]
    assert AvailableNumber.objects.filter(pk__in=ids, status=AvailableNumber.Status.RESERVED).count() == 3
