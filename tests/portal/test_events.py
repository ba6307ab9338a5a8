import pytest
from django.db import transaction

from portal import events
from portal.models import Event

pytestmark = pytest.mark.django_db


def test_an_event_is_recorded_inside_the_business_transaction(tenants):
    with transaction.atomic():
        event = events.record("number.activated", account=tenants.a.account, data={"number": "+31201234567"})
    payload = event.as_payload()
    assert payload["event"] == "number.activated"
    assert payload["id"].startswith("evt_")
    assert payload["timestamp"].endswith("Z")


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused(tenants):
    with pytest.raises(RuntimeError):
        events.record("number.activated", account=tenants.a.account, data={})


def test_a_rolled_back_transaction_leaves_no_event(tenants):
    before = Event.objects.count()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        events.record("number.released", account=tenants.a.account, data={})
        1 / 0  # noqa: B018
    assert Event.objects.count() == before


def test_unknown_event_types_are_refused(tenants):
    with pytest.raises(ValueError), transaction.atomic():
        events.record("number.teleported", account=tenants.a.account, data={})


def test_the_events_api_lists_only_your_events_and_filters_by_type(tenants, api_as):
    a = api_as(tenants.a.key).get("/api/v1/events?event=client.created").json()
    assert a["meta"]["total"] == 2
    assert {e["data"]["name"] for e in a["data"]} == {"Xylo Dental", "Yarrow Logistics"}
    x = api_as(tenants.x_key).get("/api/v1/events").json()
    assert [e["data"]["name"] for e in x["data"]] == ["Xylo Dental"]
    one = api_as(tenants.a.key).get(f"/api/v1/events/{a['data'][0]['id']}")
    assert one.json()["data"]["id"] == a["data"][0]["id"]
    assert api_as(tenants.a.key).get("/api/v1/events/evt_nothex").status_code == 404
