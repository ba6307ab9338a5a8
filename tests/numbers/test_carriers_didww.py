"""The ``didww`` carrier through DIDWW's official SDK against a local DIDWW API v3 (``fake_didww``): stock
import, buying, refunds, routing, renewal, release, reconciliation, outages and several carriers at once."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from billing.models import LedgerEntry, Wallet
from numbers_app import group_cache, tasks
from numbers_app.models import AvailableNumber, Carrier, Number, SipTrunk
from numbers_app.services import number_carrier_release, number_configure, number_purchase, number_release
from numbers_app.trunks.services import number_route_push
from numbers_app.upstream import services as upstream
from tests.numbers.conftest import GB_LONDON
from tests.numbers.fake_didww import FakeDidww, FakeGroup, serve

LONDON = [f"+44207946{n:04d}" for n in range(200, 205)]


@pytest.fixture
def fake():
    fake = FakeDidww(
        groups=[
            FakeGroup(id="g-lon", country="GB", type="Local", prefix="20", area_name="London", monthly="0.83",
                      setup="1.00", numbers=list(LONDON), features=("voice_in", "sms_in")),
        ]
    )  # fmt: skip
    server = serve(fake)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def didww(db, fake) -> Carrier:
    carrier = upstream.carrier_save(
        name="didww", kind="didww", api_url=fake.url, api_key="test-key", priority=5,
        markup_percent=Decimal("25"), rounding=Decimal("0.05"),
    )  # fmt: skip
    group_cache.forget()
    return carrier


def imported(carrier: Carrier) -> upstream.ImportResult:
    result = upstream.carrier_stock_import(carrier_id=carrier.pk)
    assert result is not None
    group_cache.forget()
    return result


def balance_matches_ledger(account) -> Decimal:
    wallet = Wallet.objects.get(account=account)
    total = LedgerEntry.objects.filter(wallet=wallet).aggregate(s=Sum("amount"))["s"]
    assert wallet.balance == total
    return wallet.balance


def bought(tenants, e164: str, capture) -> Number:
    with capture(execute=False):
        number_purchase(actor=tenants.a.owner_actor, numbers=[e164])
    number = Number.objects.get(e164=e164)
    tasks.number_provision_task.apply(args=(number.pk,))
    number.refresh_from_db()
    return number


def test_import_puts_the_carriers_numbers_in_search_at_its_price_plus_the_markup_rounded_up(
    tenants, stock, didww, api_as
):
    result = imported(didww)
    assert (result.groups, result.numbers, result.added) == (1, 5, 5)
    rows = api_as(tenants.a.key).get("/api/v1/numbers/available?country=GB&contains=794602").json()["data"]
    assert sorted(r["number"] for r in rows) == LONDON
    # 0.83 + 25 % = 1.0375, rounded up to 0.05; setup 1.00 + 25 % = 1.25
    assert {(r["monthly_cost"], r["setup_cost"]) for r in rows} == {("1.05", "1.25")}
    assert AvailableNumber.objects.get(e164=LONDON[0]).carrier_ref == "ad-g-lon-0"
    # Imported again: nothing new, nothing doubled.
    assert imported(didww).added == 0 and AvailableNumber.objects.filter(e164__in=LONDON).count() == 5


def test_buying_orders_the_reserved_did_upstream_with_our_key_and_the_number_goes_live(
    tenants, stock, didww, fake, django_capture_on_commit_callbacks
):
    imported(didww)
    number = bought(tenants, LONDON[0], django_capture_on_commit_callbacks)
    assert number.status == Number.Status.ACTIVE
    [reservation] = fake.requests_to("POST", "/did_reservations")
    assert reservation.body["data"]["relationships"]["available_did"]["data"]["id"] == "ad-g-lon-0"
    [order] = fake.requests_to("POST", "/orders")
    attrs = order.body["data"]["attributes"]
    assert attrs["external_reference_id"] == number.public_id
    assert attrs["allow_back_ordering"] is False
    assert attrs["items"][0]["attributes"] == {"sku_id": "sku-g-lon", "did_reservation_id": "res-1"}
    [did] = fake.dids.values()
    assert (did["number"], number.carrier_ref) == (LONDON[0].lstrip("+"), did["id"])
    # Provisioning again finds the order by our key instead of placing another.
    assert upstream.get_carrier("didww").provision(e164=LONDON[0], idempotency_key=number.public_id)
    assert len(fake.requests_to("POST", "/orders")) == 1


def test_an_order_cancelled_upstream_fails_the_number_and_refunds_the_reseller_exactly(
    tenants, stock, didww, fake, django_capture_on_commit_callbacks
):
    imported(didww)
    before = balance_matches_ledger(tenants.a.account)
    fake.order_outcome = "canceled"
    number = bought(tenants, LONDON[1], django_capture_on_commit_callbacks)
    assert number.status == Number.Status.FAILED
    assert balance_matches_ledger(tenants.a.account) == before
    refunds = LedgerEntry.objects.filter(kind="refund", account=tenants.a.account).aggregate(s=Sum("amount"))["s"]
    assert refunds == Decimal("2.30")  # the first month (1.05) and the setup fee (1.25)
    assert AvailableNumber.objects.get(e164=LONDON[1]).status == AvailableNumber.Status.AVAILABLE


def test_a_pending_order_is_polled_again_rather_than_failed(
    tenants, stock, didww, fake, django_capture_on_commit_callbacks
):
    imported(didww)
    fake.order_outcome = "pending"
    with django_capture_on_commit_callbacks(execute=False):
        number_purchase(actor=tenants.a.owner_actor, numbers=[LONDON[2]])
    number = Number.objects.get(e164=LONDON[2])
    with pytest.raises(upstream.CarrierError) as raised:
        upstream.get_carrier("didww").provision(e164=LONDON[2], idempotency_key=number.public_id)
    assert raised.value.transient and raised.value.code == "order_pending"
    fake.complete(next(iter(fake.orders.values())))
    from numbers_app.services import number_provision

    assert number_provision(number_id=number.pk).status == Number.Status.ACTIVE
    assert len(fake.requests_to("POST", "/orders")) == 1


def test_an_order_that_failed_to_be_placed_is_placed_again_on_the_same_reservation(
    tenants, stock, didww, fake, django_capture_on_commit_callbacks
):
    from numbers_app.services import number_provision

    imported(didww)
    fake.fail_orders = 1
    with django_capture_on_commit_callbacks(execute=False):
        number_purchase(actor=tenants.a.owner_actor, numbers=[LONDON[3]])
    number = Number.objects.get(e164=LONDON[3])
    with pytest.raises(upstream.CarrierError) as raised:
        number_provision(number_id=number.pk)
    assert raised.value.transient
    assert number_provision(number_id=number.pk).status == Number.Status.ACTIVE
    assert len(fake.requests_to("POST", "/did_reservations")) == 1
    assert fake.requests_to("POST", "/orders")[-1].body["data"]["attributes"]["items"][0]["attributes"] == {
        "sku_id": "sku-g-lon",
        "did_reservation_id": "res-1",
    }


def test_a_pending_order_is_waited_for_longer_than_a_failing_carrier_is_retried(
    tenants, stock, didww, fake, django_capture_on_commit_callbacks, monkeypatch
):
    retried = []

    class Retry(Exception):
        pass

    def retry(*, exc, countdown):
        retried.append(countdown)
        return Retry()

    monkeypatch.setattr(tasks.number_provision_task, "retry", retry)
    imported(didww)
    fake.order_outcome = "pending"
    with django_capture_on_commit_callbacks(execute=False):
        number_purchase(actor=tenants.a.owner_actor, numbers=[LONDON[4]])
    number = Number.objects.get(e164=LONDON[4])
    Number.objects.filter(pk=number.pk).update(provision_attempts=tasks.MAX_PROVISION_RETRIES + 2)
    with pytest.raises(Retry):
        tasks.number_provision_task(number.pk)
    number.refresh_from_db()
    assert number.status == Number.Status.PROVISIONING and number.provision_retry_at is not None
    assert retried == [2**8]  # the 8th attempt: 256 s, under the 5-minute cap
    Number.objects.filter(pk=number.pk).update(provision_attempts=tasks.MAX_PENDING_POLLS + 1, provision_retry_at=None)
    tasks.number_provision_task(number.pk)
    number.refresh_from_db()
    assert number.status == Number.Status.FAILED  # given up at last: refunded as any failure


def test_routing_to_a_trunk_points_the_did_at_a_voice_in_trunk_on_our_sip_side(
    tenants, stock, didww, fake, settings, django_capture_on_commit_callbacks
):
    imported(didww)
    number = bought(tenants, LONDON[0], django_capture_on_commit_callbacks)
    trunk = SipTrunk.objects.create(
        uid="abc123", account=tenants.a.account, name="PBX", sip_server=settings.SIP_SERVER, username="pbx-alpha",
        status=SipTrunk.Status.ACTIVE,
    )  # fmt: skip
    Number.objects.filter(pk=number.pk).update(trunk=trunk)
    assert number_route_push(number_id=number.pk)
    [created] = fake.requests_to("POST", "/voice_in_trunks")
    config = created.body["data"]["attributes"]["configuration"]
    assert config["type"] == "sip_configurations"
    assert (config["attributes"]["username"], config["attributes"]["host"]) == ("pbx-alpha", settings.SIP_SERVER)
    [did] = fake.dids.values()
    assert did["trunk"] == next(iter(fake.trunks))
    # Forwarding to a phone number: a PSTN trunk.
    Number.objects.filter(pk=number.pk).update(trunk=None, forwarding="+31201234567")
    assert number_route_push(number_id=number.pk)
    pstn = fake.requests_to("POST", "/voice_in_trunks")[1].body["data"]["attributes"]["configuration"]
    assert pstn == {"type": "pstn_configurations", "attributes": {"dst": "31201234567"}}


@pytest.fixture
def eager():
    """Tasks enqueued after commit run at once, in this process."""
    from portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_number_set_not_to_renew_stops_renewing_upstream_and_renews_again_when_set_back(
    tenants, stock, didww, fake, django_capture_on_commit_callbacks, eager
):
    imported(didww)
    number = bought(tenants, LONDON[0], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        number_configure(actor=tenants.a.owner_actor, number=number, cancel_at_period_end=True)
    [did] = fake.dids.values()
    assert did["billing_cycles_count"] == 0
    assert fake.requests_to("PATCH", "/dids")[-1].body["data"]["attributes"] == {"billing_cycles_count": 0}
    with django_capture_on_commit_callbacks(execute=True):
        number_configure(actor=tenants.a.owner_actor, number=number, cancel_at_period_end=False)
    assert did["billing_cycles_count"] is None


def test_a_number_suspended_for_non_payment_stops_renewing_upstream(
    tenants, stock, didww, fake, django_capture_on_commit_callbacks, eager
):
    from django.db import transaction

    from numbers_app.services import number_suspend_unpaid

    imported(didww)
    number = bought(tenants, LONDON[0], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        number_suspend_unpaid(number=Number.objects.select_for_update().get(pk=number.pk))
    assert next(iter(fake.dids.values()))["billing_cycles_count"] == 0


def test_release_terminates_the_did_upstream(tenants, stock, didww, fake, django_capture_on_commit_callbacks):
    imported(didww)
    number = bought(tenants, LONDON[0], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        number_release(actor=tenants.a.owner_actor, number=number)
    number_carrier_release(number_id=number.pk)
    assert next(iter(fake.dids.values()))["terminated"] is True
    assert fake.requests_to("PATCH", "/dids")[-1].body["data"]["attributes"] == {"terminated": True}


def test_reconciliation_repairs_renewal_and_reports_dids_missing_on_either_side(
    tenants, stock, didww, fake, staff, django_capture_on_commit_callbacks
):
    imported(didww)
    kept = bought(tenants, LONDON[0], django_capture_on_commit_callbacks)
    lost = bought(tenants, LONDON[1], django_capture_on_commit_callbacks)
    fake.dids[kept.carrier_ref]["billing_cycles_count"] = 0  # upstream would stop renewing a number in use
    fake.dids[lost.carrier_ref]["terminated"] = True
    fake.dids["did-stray"] = {"id": "did-stray", "number": "442079469999", "terminated": False,
                              "billing_cycles_count": None, "trunk": None}  # fmt: skip
    report = upstream.carrier_reconcile(carrier_id=didww.pk)
    assert {(d["kind"], d["number"]) for d in report} == {
        ("renewal_repaired", kept.e164),
        ("missing_upstream", lost.e164),
        ("missing_here", "+442079469999"),
    }
    assert fake.dids[kept.carrier_ref]["billing_cycles_count"] is None
    page = staff.get(f"/admin/numbers/carrier/{didww.pk}/change/").content.decode()
    assert "missing_here +442079469999" in page and "missing_upstream" in page


def test_an_outage_shows_on_the_staff_console_and_search_still_serves_the_other_carrier(
    tenants, stock, didww, fake, staff, api_as
):
    fake.down = True
    assert upstream.carrier_stock_import(carrier_id=didww.pk) is None
    didww.refresh_from_db()
    assert didww.last_import_status == Carrier.ImportStatus.FAILED and "maintenance" in didww.last_import_error
    listing = staff.get("/admin/numbers/carrier/").content.decode()
    assert "Import failed" in listing
    rows = api_as(tenants.a.key).get("/api/v1/numbers/available?country=GB").json()["data"]
    assert {r["number"] for r in rows} == set(GB_LONDON)


def test_the_carrier_list_shows_numbers_for_sale_and_the_monthly_margin_per_carrier(
    tenants, stock, didww, staff, django_capture_on_commit_callbacks
):
    imported(didww)
    bought(tenants, LONDON[0], django_capture_on_commit_callbacks)
    carrier = upstream.carriers_with_figures(Carrier.objects.filter(pk=didww.pk)).get()
    assert (carrier.for_sale, carrier.live_numbers) == (4, 1)
    assert carrier.monthly_revenue - carrier.monthly_cost == Decimal("0.22")  # 1.05 charged, 0.83 paid upstream
    listing = staff.get("/admin/numbers/carrier/").content.decode()
    assert "0.22 (1)" in listing


def test_a_number_offered_by_two_carriers_is_shown_once_from_the_preferred_carrier(tenants, stock, didww, fake, api_as):
    fake.groups[0].numbers.append(GB_LONDON[0])  # the sandbox sells it too, dearer
    imported(didww)
    rows = api_as(tenants.a.key).get(f"/api/v1/numbers/available?country=GB&contains={GB_LONDON[0][3:]}").json()
    assert [(r["number"], r["monthly_cost"]) for r in rows["data"]] == [(GB_LONDON[0], "1.05")]
    assert AvailableNumber.objects.get(e164=GB_LONDON[0]).group.carrier == "didww"
    # Preferred the other way round, the sandbox keeps it.
    upstream.carrier_save(name="sandbox", kind="sandbox", priority=1)
    upstream.carrier_save(name="didww", priority=50)
    AvailableNumber.objects.filter(e164=GB_LONDON[0]).update(group=stock.gb_local)
    imported(didww)
    assert AvailableNumber.objects.get(e164=GB_LONDON[0]).group.carrier == "sandbox"


def test_an_order_callback_with_a_valid_signature_is_accepted_and_a_forged_one_refused(
    tenants, stock, didww, fake, client, django_capture_on_commit_callbacks
):
    upstream.carrier_save(name="didww", callback_secret="s3cret")
    url = "http://testserver/api/v1/carriers/didww/orders"
    payload = {"id": "ord-1", "status": "completed", "type": "orders"}
    data = "http://testserver:80/api/v1/carriers/didww/orders" + "".join(k + payload[k] for k in sorted(payload))
    signature = hmac.new(b"s3cret", data.encode(), hashlib.sha1).hexdigest()
    body = {"data": {"id": "ord-1", "type": "orders", "attributes": {"status": "completed"}}}
    ok = client.post(url, body, content_type="application/json", HTTP_X_DIDWW_SIGNATURE=signature)
    assert ok.status_code == 200
    forged = client.post(url, body, content_type="application/json", HTTP_X_DIDWW_SIGNATURE="0" * 40)
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "invalid_signature"


def test_the_carrier_command_adds_a_carrier_with_its_key_encrypted_at_rest(db, monkeypatch, capsys):
    monkeypatch.setenv("UPSTREAM_KEY", "k-123")
    call_command("carrier", "add", "didww-sbx", "--kind", "didww", "--url", "https://sandbox-api.didww.com/v3",
                 "--key-env", "UPSTREAM_KEY", "--countries", "gb,de", "--types", "local", "--markup", "20")  # fmt: skip
    carrier = Carrier.objects.get(name="didww-sbx")
    assert (carrier.api_key, carrier.countries, carrier.markup_percent) == ("k-123", ["DE", "GB"], Decimal("20"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM numbers_carrier WHERE name = 'didww-sbx'")
        assert not cursor.fetchone()[0].startswith("k-123")
    call_command("carrier", "list")
    assert "didww-sbx" in capsys.readouterr().out


def test_the_staff_console_adds_a_carrier_never_shows_its_key_and_keeps_it_when_left_empty(db, staff):
    form = {
        "name": "upstream", "kind": "didww", "api_url": "https://sandbox-api.didww.com/v3", "api_key": "k-secret",
        "callback_secret": "", "countries": '["GB"]', "number_types": "[]", "priority": "5",
        "markup_percent": "30", "rounding": "0.05", "enabled": "on",
    }  # fmt: skip
    assert staff.post("/admin/numbers/carrier/add/", form).status_code == 302
    carrier = Carrier.objects.get(name="upstream")
    assert (carrier.api_key, carrier.countries) == ("k-secret", ["GB"])
    page = staff.get(f"/admin/numbers/carrier/{carrier.pk}/change/").content.decode()
    assert "k-secret" not in page
    changed = staff.post(f"/admin/numbers/carrier/{carrier.pk}/change/", form | {"api_key": "", "priority": "7"})
    assert changed.status_code == 302
    carrier.refresh_from_db()
    assert (carrier.api_key, carrier.priority) == ("k-secret", 7)


def test_the_carrier_command_refuses_a_key_on_the_command_line_and_a_real_carrier_named_sandbox(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not on the command line"):
        call_command("carrier", "add", "up", "--kind", "didww", "--key", "k-123")
    with pytest.raises(CommandError, match="built-in sandbox"):
        call_command("carrier", "add", "sandbox", "--kind", "didww")
    assert not Carrier.objects.exists()


def test_sms_and_port_in_are_refused_clearly_by_the_didww_carrier(didww):
    carrier = upstream.get_carrier("didww")
    with pytest.raises(upstream.CarrierError) as sms:
        carrier.send_sms(from_e164="+1", to_e164="+2", body="x", idempotency_key="k")
    with pytest.raises(upstream.CarrierError) as port:
        carrier.port_in(e164s=["+1"], idempotency_key="k")
    assert not sms.value.transient and not port.value.transient


@pytest.fixture
def staff(client, staff_actor):
    client.force_login(staff_actor.user)
    return client
