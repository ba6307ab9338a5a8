"""``portal.db.bulk``: rows written many at a time, as the ORM would write them one by one."""

from __future__ import annotations

import pytest
from django.utils import timezone

from messaging.models import CarrierEvent
from portal.db import bulk

pytestmark = pytest.mark.django_db


def callbacks(n: int) -> list[CarrierEvent]:
    rows = [CarrierEvent(carrier="sandbox", kind="status", provider_id=f"dlr_{i}", payload={"i": i}) for i in range(n)]
    bulk.insert(rows)
    return rows


def test_insert_gives_every_object_its_key_and_writes_every_column():
    rows = callbacks(3)
    assert len({row.pk for row in rows}) == 3
    for row in rows:
        stored = CarrierEvent.objects.get(pk=row.pk)
        assert (stored.provider_id, stored.payload) == (row.provider_id, row.payload)


def test_update_each_sets_each_row_its_own_value_only_where_the_condition_still_holds():
    first, second, third = callbacks(3)
    CarrierEvent.objects.filter(pk=second.pk).update(kind="inbound")
    at = timezone.now()

    changed = bulk.update_each(
        CarrierEvent,
        column="outcome",
        values={first.pk: "one", second.pk: "two", third.pk: "three"},
        where={"kind": "status"},
        same={"processed_at": at},
    )

    assert sorted(changed) == sorted([first.pk, third.pk])
    rows = {row.pk: row for row in CarrierEvent.objects.all()}
    assert (rows[first.pk].outcome, rows[first.pk].processed_at) == ("one", at)
    assert (rows[third.pk].outcome, rows[third.pk].processed_at) == ("three", at)
    assert (rows[second.pk].outcome, rows[second.pk].processed_at) == ("", None)  # no longer matched


def test_update_each_with_nothing_to_set_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk.update_each(CarrierEvent, column="outcome", values={}) == []


def test_insert_writes_a_field_left_to_its_database_default_as_the_orm_does():
    from numbers_app.models import AvailableNumber, Country, NumberGroup

    nl = Country.objects.create(code="NL", name="Netherlands", dial_code="+31")
    group = NumberGroup.objects.create(country=nl, type="local", monthly_price=1)
    copied = [AvailableNumber(e164=f"+312070000{i:02d}", group=group, country=nl, type="local") for i in range(2)]
    bulk.insert(copied)
    saved = AvailableNumber(e164="+31207000099", group=group, country=nl, type="local")
    saved.save()
    assert list(AvailableNumber.objects.order_by("e164").values_list("carrier_ref", flat=True)) == ["", "", ""]
