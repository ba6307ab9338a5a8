"""The ``Idempotency-Key`` header on /api/v3 POSTs: the first answer is replayed, a different body under
the same key is refused, and nothing is charged or made twice."""

from __future__ import annotations

import json

import pytest
from django.test import Client as HttpClient

from billing.models import LedgerEntry
from numbers_app.didww.models import CdrExport, VoiceInTrunk
from numbers_app.models import AvailableNumber, Order
from tests.numbers.conftest import NL_AMS
from tests.numbers.test_dids_v3 import MEDIA, assert_errors

pytestmark = pytest.mark.django_db


def post(key: str, path: str, body: dict, idempotency_key: str | None):
    headers = {"Accept": MEDIA, "Api-Key": key}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return HttpClient().post(path, data=json.dumps(body), content_type=MEDIA, headers=headers)


def order_doc(e164: str) -> dict:
    stock = AvailableNumber.objects.get(e164=e164)
    item = {"type": "did_order_items", "attributes": {"available_did_id": str(stock.pk)}}
    return {"data": {"type": "orders", "attributes": {"items": [item]}}}


def test_an_order_posted_twice_with_one_key_is_placed_and_paid_once(tenants, stock):
    doc = order_doc(NL_AMS[0])
    first = post(tenants.a.key, "/api/v3/orders", doc, "po-7")
    assert first.status_code == 201, first.content
    again = post(tenants.a.key, "/api/v3/orders", doc, "po-7")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert Order.objects.filter(account=tenants.a.account).count() == 1
    charges = LedgerEntry.objects.filter(wallet=tenants.a.account.wallet, amount__lt=0).count()
    assert charges >= 1
    other = post(tenants.a.key, "/api/v3/orders", order_doc(NL_AMS[1]), "po-7")
    assert_errors(other, 422, "idempotency_key_reused")
    assert Order.objects.filter(account=tenants.a.account).count() == 1
    assert LedgerEntry.objects.filter(wallet=tenants.a.account.wallet, amount__lt=0).count() == charges


def test_trunks_and_exports_posted_twice_with_one_key_are_made_once(tenants):
    trunk = {
        "data": {
            "type": "voice_in_trunks",
            "attributes": {
                "name": "Desk",
                "configuration": {"type": "pstn_configurations", "attributes": {"dst": "31612345678"}},
            },
        }
    }
    assert post(tenants.a.key, "/api/v3/voice_in_trunks", trunk, "t-1").status_code == 201
    assert post(tenants.a.key, "/api/v3/voice_in_trunks", trunk, "t-1")["Idempotent-Replayed"] == "true"
    assert VoiceInTrunk.objects.count() == 1
    export = {"data": {"type": "exports", "attributes": {"filters": {"year": 2026, "month": 1}}}}
    assert post(tenants.a.key, "/api/v3/exports", export, "e-1").status_code == 201
    assert post(tenants.a.key, "/api/v3/exports", export, "e-1").status_code == 201
    assert CdrExport.objects.count() == 1
    # Without the header, each POST makes one.
    assert post(tenants.a.key, "/api/v3/exports", export, None).status_code == 201
    assert CdrExport.objects.count() == 2
    assert_errors(post(tenants.a.key, "/api/v3/exports", export, " "), 422, "validation_error")
