"""Provisioning, configuration and release of owned numbers."""

from decimal import Decimal

import pytest

from billing import ledger
from billing.models import LedgerEntry
from numbers_app import services
from numbers_app.carriers import CarrierError
from numbers_app.models import AvailableNumber, Number
from numbers_app.tasks import number_carrier_release_task, number_provision_task
from portal.models import Event
from tests.conftest import assert_error
from tests.numbers.conftest import DE_BERLIN, GB_LONDON, NL_AMS

pytestmark = pytest.mark.django_db


def buy(tenants, *numbers, client=None, **kw):
    return services.number_purchase(actor=tenants.a.owner_actor, numbers=list(numbers), client=client, **kw)


def test_provisioning_makes_the_number_active_and_records_both_events(tenants, stock):
    number = buy(tenants, NL_AMS[0]).numbers.get()
    services.number_provision(number_id=number.pk)
    number.refresh_from_db()
    assert number.status == "active" and number.carrier_ref.startswith("sbx_") and number.activated_at
    types = list(Event.objects.filter(subject_id=number.public_id).values_list("type", flat=True))
    assert sorted(types) == ["number.activated", "number.provisioned"]


def test_running_provisioning_twice_provisions_once(tenants, stock):
    number = buy(tenants, NL_AMS[1]).numbers.get()
    assert services.number_provision(number_id=number.pk) is not None
    assert services.number_provision(number_id=number.pk) is None
    number_provision_task.apply(args=[number.pk])
    assert Event.objects.filter(subject_id=number.public_id, type="number.activated").count() == 1
    assert Number.objects.get(pk=number.pk).provision_attempts == 1


def test_carrier_errors_retry_and_a_final_failure_refunds_with_reversing_entries(tenants, stock, monkeypatch):
    from numbers_app.carriers import sandbox

    def always_fail(self, **kwargs):
        raise CarrierError("upstream down", transient=True)

    monkeypatch.setattr(sandbox.SandboxCarrier, "provision", always_fail)
    number = buy(tenants, NL_AMS[2], client=tenants.x).numbers.get()
    wallet = ledger.wallet_for(tenants.a.account)
    assert wallet.balance == Decimal("98.5000")
    number_provision_task.apply(args=[number.pk])  # eager: retries run in place until max_retries
    number.refresh_from_db()
    assert number.status == "failed" and "upstream down" in number.last_error
    assert number.provision_attempts == 6
    wallet.refresh_from_db()
    assert wallet.balance == Decimal("100.0000") == ledger.entries_total(wallet)
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.reference_id == number.public_id and refund.client_id == tenants.x.pk
    assert AvailableNumber.objects.get(e164=NL_AMS[2]).status == "available"
    # a second failure report changes nothing
    assert services.number_provision_failed(number_id=number.pk, reason="again") is None
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_a_failed_number_can_be_bought_again(tenants, stock, monkeypatch):
    number = buy(tenants, NL_AMS[3]).numbers.get()
    services.number_provision_failed(number_id=number.pk, reason="test")
    again = buy(tenants, NL_AMS[3]).numbers.get()
    assert again.pk != number.pk and again.status == "provisioning"


def test_release_removes_the_number_at_once_refunds_nothing_and_restocks_after_the_carrier(tenants, stock, api_as):
    number = buy(tenants, GB_LONDON[0]).numbers.get()
    services.number_provision(number_id=number.pk)
    api = api_as(tenants.a.key)
    spent = ledger.wallet_for(tenants.a.account).balance
    response = api.delete(f"/api/v1/numbers/{number.public_id}")
    assert response.status_code == 204 and response.content == b""
    assert_error(api.get(f"/api/v1/numbers/{number.public_id}"), 404, "not_found")
    assert number.public_id not in [n["id"] for n in api.get("/api/v1/numbers").json()["data"]]
    assert ledger.wallet_for(tenants.a.account).balance == spent
    assert Event.objects.filter(subject_id=number.public_id, type="number.released").count() == 1
    assert AvailableNumber.objects.get(e164=GB_LONDON[0]).status == "sold"
    number_carrier_release_task.apply(args=[number.pk])
    assert AvailableNumber.objects.get(e164=GB_LONDON[0]).status == "available"
    assert_error(api.delete(f"/api/v1/numbers/{number.public_id}"), 404, "not_found")


def test_put_changes_only_the_keys_sent_and_refuses_unknown_ones(tenants, stock, api_as):
    number = buy(tenants, NL_AMS[4]).numbers.get()
    services.number_provision(number_id=number.pk)
    api = api_as(tenants.a.key)
    url = f"/api/v1/numbers/{number.pk}"
    response = api.request(
        "PUT",
        url,
        {
            "label": "Main Support Line",
            "forwarding_number": "+44 20 7946 0999",
            "tags": ["support", "nl-west"],
            "webhook_url": "https://example.com/hook",
            "client_id": f"cli_{tenants.y.pk}",
            "cancel_at_period_end": True,
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["label"] == "Main Support Line" and data["forwarding_number"] == "+442079460999"
    assert data["tags"] == ["support", "nl-west"] and data["client_id"] == tenants.y.pk
    assert data["cancel_at_period_end"] is True
    again = api.request("PUT", url, {"status": "inactive"}).json()["data"]
    assert again["status"] == "inactive" and again["label"] == "Main Support Line"
    unknown = api.request("PUT", url, {"label": "x", "colour": "blue"})
    assert "colour" in assert_error(unknown, 422, "validation_error")["fields"]
    bad_tags = api.request("PUT", url, {"tags": ["Not A Slug"]})
    assert "tags" in assert_error(bad_tags, 422, "validation_error")["fields"]
    fax = api.request("PUT", url, {"capabilities": ["fax"]})
    assert_error(fax, 422, "capability_unavailable")
    assert Number.objects.get(pk=number.pk).label == "Main Support Line"


def test_numbers_list_is_cursor_paginated_and_filtered(tenants, stock, api_as):
    order = buy(tenants, *NL_AMS[:5], client=tenants.x)
    buy(tenants, *GB_LONDON[:3])
    api = api_as(tenants.a.key)
    first = api.get("/api/v1/numbers?limit=3").json()
    assert first["meta"]["pagination"]["total"] == 8 and first["meta"]["pagination"]["has_more"] is True
    second = api.get(f"/api/v1/numbers?limit=3&cursor={first['meta']['pagination']['cursor']}").json()
    third = api.get(f"/api/v1/numbers?limit=3&cursor={second['meta']['pagination']['cursor']}").json()
    seen = [n["id"] for page in (first, second, third) for n in page["data"]]
    assert len(seen) == len(set(seen)) == 8 and third["meta"]["pagination"]["has_more"] is False
    assert {n["country"] for n in api.get("/api/v1/numbers?country=GB").json()["data"]} == {"GB"}
    assert len(api.get(f"/api/v1/numbers?client_id={tenants.x.pk}").json()["data"]) == 5
    assert [n["number"] for n in api.get("/api/v1/numbers?digits=7000003").json()["data"]] == [NL_AMS[2]]
    x_only = api_as(tenants.x_key).get("/api/v1/numbers").json()
    assert x_only["meta"]["pagination"]["total"] == 5
    assert_error(api.get("/api/v1/numbers?cursor=garbage!"), 422, "validation_error")
    assert order.numbers.count() == 5


def test_list_query_count_does_not_grow_with_rows(tenants, stock, api_as, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_as(tenants.a.key)
    buy(tenants, *NL_AMS[:2])
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/numbers")
    buy(tenants, *NL_AMS[2:10], *GB_LONDON[:10])
    with django_assert_max_num_queries(len(few)):
        assert len(api.get("/api/v1/numbers").json()["data"]) == 20
    with django_assert_max_num_queries(len(few) + 2):
        api.get("/api/v1/orders")


def test_client_admin_sees_and_configures_only_their_clients_numbers(tenants, stock, api_as):
    mine = buy(tenants, NL_AMS[0], client=tenants.x).numbers.get()
    theirs = buy(tenants, NL_AMS[1], client=tenants.y).numbers.get()
    api = api_as(tenants.x_key)
    assert [n["id"] for n in api.get("/api/v1/numbers").json()["data"]] == [mine.public_id]
    assert_error(api.get(f"/api/v1/numbers/{theirs.pk}"), 404, "not_found")
    assert api.request("PUT", f"/api/v1/numbers/{mine.pk}", {"label": "Reception"}).status_code == 200
    assert_error(api.request("PUT", f"/api/v1/numbers/{mine.pk}", {"client_id": tenants.y.pk}), 403, "forbidden")
    assert_error(api.post("/api/v1/wallet/checkout", {"items": [{"number": NL_AMS[5]}]}), 403, "forbidden")


def test_the_number_admin_pages_open_for_staff(tenants, stock, client, django_user_model):
    number = buy(tenants, DE_BERLIN[1]).numbers.get()
    services.number_provision(number_id=number.pk)
    staff = django_user_model.objects.create_superuser("ops2@didfarm.test", "pw-for-staff-1")
    client.force_login(staff)
    for url in (
        "/admin/numbers/number/",
        "/admin/numbers/order/",
        "/admin/numbers/numbergroup/",
        "/admin/numbers/availablenumber/",
        f"/admin/numbers/number/{number.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_sweeper_re_enqueues_provisioning_a_lost_task_left_behind(tenants, stock, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from numbers_app.tasks import provisioning_sweep_task

    fresh = buy(tenants, NL_AMS[6]).numbers.get()
    lost = buy(tenants, NL_AMS[7]).numbers.get()
    Number.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert services.provisioning_stalled_ids() == [lost.pk]
    from portal.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)  # the re-enqueued task runs in place
    assert provisioning_sweep_task.apply().get() == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == "active" and fresh.status == "provisioning"


def test_the_groups_for_sale_counters_follow_sales_failures_and_releases(tenants, stock, api_as):
    from numbers_app.models import NumberGroup

    def count():
        return NumberGroup.objects.get(pk=stock.nl_local.pk).available_count

    def search_total():
        return api_as(tenants.a.key).get("/api/v1/numbers/search?country=NL&type=local").json()["meta"]["total"]

    assert count() == search_total() == 10
    sold = buy(tenants, NL_AMS[0], NL_AMS[1]).numbers.order_by("e164")
    assert count() == search_total() == 8
    services.number_provision_failed(number_id=sold[0].pk, reason="test")
    assert count() == 9
    services.number_provision(number_id=sold[1].pk)
    services.number_release(actor=tenants.a.owner_actor, number=sold[1])
    number_carrier_release_task.apply(args=[sold[1].pk])
    number_carrier_release_task.apply(args=[sold[1].pk])  # twice: counted once
    assert count() == search_total() == 10
    NumberGroup.objects.filter(pk=stock.nl_local.pk).update(available_count=3)  # drift
    services.stock_counts_refresh()
    assert count() == 10


def test_a_number_released_while_the_carrier_works_is_released_there_too(tenants, stock, monkeypatch):
    from numbers_app.carriers import sandbox

    number = buy(tenants, NL_AMS[8]).numbers.get()
    real_provision = sandbox.SandboxCarrier.provision
    released_refs = []

    def provision_then_release(self, **kwargs):
        result = real_provision(self, **kwargs)
        services.number_release(actor=tenants.a.owner_actor, number=Number.objects.get(pk=number.pk))
        return result

    monkeypatch.setattr(sandbox.SandboxCarrier, "provision", provision_then_release)
    monkeypatch.setattr(sandbox.SandboxCarrier, "release", lambda self, carrier_ref: released_refs.append(carrier_ref))
    assert services.number_provision(number_id=number.pk) is None
    number.refresh_from_db()
    assert number.status == "released" and number.carrier_ref.startswith("sbx_")
    number_carrier_release_task.apply(args=[number.pk])
    assert released_refs == [number.carrier_ref]
    assert AvailableNumber.objects.get(e164=NL_AMS[8]).status == "available"


def test_an_unknown_compliance_profile_id_buys_nothing(tenants, stock):
    from portal.errors import NotFound

    with pytest.raises(NotFound):
        buy(tenants, DE_BERLIN[2], compliance_profile_id="made-up")
    assert not Number.objects.filter(e164=DE_BERLIN[2]).exists()
    assert ledger.wallet_for(tenants.a.account).balance == Decimal("100.0000")


def test_giving_up_waits_while_another_attempt_holds_the_number(tenants, stock):
    from django.utils import timezone

    number = buy(tenants, NL_AMS[9]).numbers.get()
    Number.objects.filter(pk=number.pk).update(provision_claimed_at=timezone.now())
    assert services.number_provision_failed(number_id=number.pk, reason="timeout") is None
    assert Number.objects.get(pk=number.pk).status == "provisioning"
    assert not LedgerEntry.objects.filter(kind="refund").exists()


def test_client_logins_cannot_release_or_stop_renewing_what_the_reseller_pays_for(tenants, stock, api_as):
    number = buy(tenants, GB_LONDON[5], client=tenants.x).numbers.get()
    api = api_as(tenants.x_key)
    assert_error(api.delete(f"/api/v1/numbers/{number.pk}"), 403, "forbidden")
    assert_error(api.request("PUT", f"/api/v1/numbers/{number.pk}", {"cancel_at_period_end": True}), 403, "forbidden")
    assert Number.objects.get(pk=number.pk).status == "provisioning"


def test_a_failed_number_can_be_dismissed_from_the_account(tenants, stock, api_as):
    number = buy(tenants, GB_LONDON[6]).numbers.get()
    services.number_provision_failed(number_id=number.pk, reason="test")
    api = api_as(tenants.a.key)
    assert api.get(f"/api/v1/numbers/{number.pk}").json()["data"]["status"] == "failed"
    assert api.delete(f"/api/v1/numbers/{number.pk}").status_code == 204
    assert_error(api.get(f"/api/v1/numbers/{number.pk}"), 404, "not_found")
    assert not Event.objects.filter(subject_id=number.public_id, type="number.released").exists()
    assert AvailableNumber.objects.get(e164=GB_LONDON[6]).status == "available"


def test_a_number_moved_to_another_client_leaves_the_first_clients_order_view(tenants, stock, api_as):
    order = buy(tenants, NL_AMS[0], NL_AMS[1], client=tenants.x)
    moved = order.numbers.get(e164=NL_AMS[1])
    services.number_configure(actor=tenants.a.owner_actor, number=moved, client_id=tenants.y.pk)
    x_view = api_as(tenants.x_key).get(f"/api/v1/orders/{order.pk}").json()["data"]
    assert [item["number"] for item in x_view["items"]] == [NL_AMS[0]]
    owner_view = api_as(tenants.a.key).get(f"/api/v1/orders/{order.pk}").json()["data"]
    assert [item["number"] for item in owner_view["items"]] == [NL_AMS[0], NL_AMS[1]]
