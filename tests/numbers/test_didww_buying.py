"""/api/v3 buying through the official ``didww`` SDK against the live server: reservations, orders by
SKU and quantity, by available DID and by reservation, the external reference as idempotency key, the
ledger, cancelling a pending order, and the signed callback DIDWW's own validator accepts."""

from __future__ import annotations

import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl

import pytest

from billing.models import LedgerEntry
from numbers_app import services
from numbers_app.didww import buying
from numbers_app.models import AvailableNumber, Number, Order
from tests.numbers.conftest import GB_LONDON, NL_AMS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sdk(live_server):
    from didww.client import DidwwClient

    return lambda key: DidwwClient(api_key=key, base_url=live_server.url + "/api/v3")


def _order(items, **attributes):
    from didww.resources.order import Order as SdkOrder

    order = SdkOrder()
    order.items = items
    for name, value in attributes.items():
        setattr(order, name, value)
    return order


def _sku_item(sku, qty):
    from didww.resources.order_item.did_order_item import DidOrderItem

    item = DidOrderItem()
    item.sku_id, item.qty = sku, qty
    return item


def _provision_all(order_id: str) -> None:
    for number in Number.objects.filter(order_id=int(order_id.removeprefix("ord_"))):
        services.number_provision(number_id=number.pk)


def _wallet_matches_ledger(account) -> None:
    account.wallet.refresh_from_db()
    assert account.wallet.balance == sum(e.amount for e in LedgerEntry.objects.filter(wallet=account.wallet))


def test_an_order_by_sku_and_quantity_is_a_checkout_in_the_ledger_and_completes_when_provisioned(tenants, stock, sdk):
    client = sdk(tenants.a.key)
    placed = client.orders().create(_order([_sku_item(f"{stock.gb_local.pk}-quarterly", 2)])).data
    assert placed.is_pending and placed.amount == "6.0000"  # two numbers, three months at 1.00
    assert [i.sku_id for i in placed.items] == [f"{stock.gb_local.pk}-quarterly"] * 2
    order = Order.objects.get(pk=int(placed.id.removeprefix("ord_")))
    assert sorted(order.numbers.values_list("e164", flat=True)) == GB_LONDON[:2]
    assert set(order.numbers.values_list("billing_cycle", flat=True)) == {"quarterly"}
    tenants.a.account.wallet.refresh_from_db()
    assert tenants.a.account.wallet.balance == Decimal("94.0000")
    _wallet_matches_ledger(tenants.a.account)
    _provision_all(placed.id)
    assert client.orders().find(placed.id).data.is_completed
    assert {d.number for d in client.dids().list().data} == {n[1:] for n in GB_LONDON[:2]}


def test_the_same_external_reference_returns_the_same_order_and_charges_once(tenants, stock, sdk):
    client = sdk(tenants.a.key)
    first = client.orders().create(_order([_sku_item(f"{stock.nl_local.pk}-monthly", 1)], external_reference_id="po-7"))
    again = client.orders().create(_order([_sku_item(f"{stock.nl_local.pk}-monthly", 1)], external_reference_id="po-7"))
    assert first.data.id == again.data.id and again.data.external_reference_id == "po-7"
    assert Order.objects.filter(account=tenants.a.account).count() == 1
    assert LedgerEntry.objects.filter(kind="number_purchase", wallet__account=tenants.a.account).count() == 1


def test_an_order_by_available_did_and_one_by_reservation(tenants, stock, sdk):
    from didww.resources.available_did import AvailableDid
    from didww.resources.did_reservation import DidReservation
    from didww.resources.order_item.available_did_order_item import AvailableDidOrderItem
    from didww.resources.order_item.reservation_did_order_item import ReservationDidOrderItem

    client = sdk(tenants.a.key)
    stock_ids = dict(AvailableNumber.objects.filter(e164__in=NL_AMS[:2]).values_list("e164", "pk"))
    reservation = DidReservation()
    reservation.description = "For Xylo"
    reservation.available_did = AvailableDid.build(str(stock_ids[NL_AMS[1]]))
    held = client.did_reservations().create(reservation).data
    assert held.description == "For Xylo" and held.expires_at > held.created_at
    assert [r.id for r in client.did_reservations().list().data] == [held.id]
    assert AvailableNumber.objects.get(e164=NL_AMS[1]).status == "reserved"
    # Someone else cannot buy or reserve it meanwhile.
    with pytest.raises(Exception) as taken:
        sdk(tenants.b.key).did_reservations().create(reservation)
    assert taken.value.status_code == 422

    by_did = AvailableDidOrderItem()
    by_did.available_did_id = str(stock_ids[NL_AMS[0]])
    by_reservation = ReservationDidOrderItem()
    by_reservation.did_reservation_id = held.id
    by_reservation.sku_id = f"{stock.nl_local.pk}-monthly"
    placed = client.orders().create(_order([by_did, by_reservation])).data
    order = Order.objects.get(pk=int(placed.id.removeprefix("ord_")))
    assert sorted(order.numbers.values_list("e164", flat=True)) == NL_AMS[:2]
    assert client.did_reservations().list().data == []
    assert AvailableNumber.objects.get(e164=NL_AMS[1]).status == "sold"
    _wallet_matches_ledger(tenants.a.account)


def test_a_reservation_deleted_or_expired_puts_the_number_back_on_sale(tenants, stock, sdk):
    from didww.resources.available_did import AvailableDid
    from didww.resources.did_reservation import DidReservation

    client = sdk(tenants.a.key)
    ids = list(AvailableNumber.objects.filter(e164__in=GB_LONDON[:2]).order_by("e164").values_list("pk", flat=True))
    made = []
    for pk in ids:
        reservation = DidReservation()
        reservation.available_did = AvailableDid.build(str(pk))
        made.append(client.did_reservations().create(reservation).data)
    client.did_reservations().delete(made[0].id)
    assert AvailableNumber.objects.get(pk=ids[0]).status == "available"
    buying.DidReservation.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert buying.reservations_expire() == 1
    assert AvailableNumber.objects.get(pk=ids[1]).status == "available"
    with pytest.raises(Exception) as gone:
        client.did_reservations().find(made[1].id)
    assert gone.value.status_code == 404


def test_refusals_are_json_api_errors_the_sdk_raises_and_write_nothing(tenants, stock, sdk):
    from didww.exceptions import DidwwApiError

    with pytest.raises(DidwwApiError) as poor:
        sdk(tenants.b.key).orders().create(_order([_sku_item(f"{stock.nl_mobile.pk}-annual", 2)]))
    assert poor.value.status_code == 422 and poor.value.errors[0]["code"] == "insufficient_balance"
    with pytest.raises(DidwwApiError) as short:
        sdk(tenants.a.key).orders().create(_order([_sku_item(f"{stock.de_local.pk}-monthly", 50)]))
    assert short.value.status_code == 422 and short.value.errors[0]["code"] == "number_unavailable"
    with pytest.raises(DidwwApiError) as client_key:
        sdk(tenants.x_key).orders().create(_order([_sku_item(f"{stock.nl_local.pk}-monthly", 1)]))
    assert client_key.value.status_code == 403
    with pytest.raises(DidwwApiError) as bad:
        sdk(tenants.a.key).orders().create(_order([_sku_item("nope", 1)]))
    assert bad.value.errors[0]["source"] == {"pointer": "/data/attributes/items/0/attributes/sku_id"}
    assert not Order.objects.exists() and not LedgerEntry.objects.filter(kind="number_purchase").exists()


def test_someone_elses_order_is_404_and_a_pending_order_can_be_canceled_with_a_refund(tenants, stock, sdk):
    from didww.exceptions import DidwwApiError

    placed = sdk(tenants.a.key).orders().create(_order([_sku_item(f"{stock.gb_local.pk}-monthly", 1)])).data
    with pytest.raises(DidwwApiError) as foreign:
        sdk(tenants.b.key).orders().find(placed.id)
    assert foreign.value.status_code == 404
    sdk(tenants.a.key).orders().delete(placed.id)
    assert sdk(tenants.a.key).orders().find(placed.id).data.is_canceled
    tenants.a.account.wallet.refresh_from_db()
    assert tenants.a.account.wallet.balance == Decimal("100.0000")
    refunds = LedgerEntry.objects.filter(account=tenants.a.account, kind="refund")
    assert refunds and all(  # the ledger says why: the buyer canceled, the carrier did not fail
        e.description.endswith("the order was canceled before the number was provisioned") for e in refunds
    )
    with pytest.raises(DidwwApiError) as again:
        sdk(tenants.a.key).orders().delete(placed.id)
    assert again.value.status_code == 422


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append((self.headers["X-DIDWW-Signature"], dict(parse_qsl(body))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_settled_order_is_called_back_once_signed_as_didwws_validator_expects(tenants, stock, sdk):
    from didww.callback.request_validator import RequestValidator

    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/didww/callback?account=7"
    try:
        placed = (
            sdk(tenants.a.key)
            .orders()
            .create(_order([_sku_item(f"{stock.nl_local.pk}-monthly", 1)], callback_url=url, callback_method="post"))
            .data
        )
        order_id = int(placed.id.removeprefix("ord_"))
        assert buying.order_callback_send(order_id=order_id) == "pending"
        _provision_all(placed.id)
        assert buying.order_callback_send(order_id=order_id) == "sent"
        assert buying.order_callback_send(order_id=order_id) == "none"
    finally:
        server.shutdown()
    [(signature, payload)] = _Receiver.received
    assert payload == {"id": placed.id, "type": "orders", "status": "completed"}
    assert RequestValidator(tenants.a.key).validate(url, payload, signature)
    assert not RequestValidator("another secret").validate(url, payload, signature)
    assert buying.OrderTerms.objects.get(order_id=order_id).callback_secret == ""
