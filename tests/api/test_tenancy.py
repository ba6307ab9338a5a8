"""Tenant isolation and the read-only rule, checked against every endpoint the API has.

The endpoint lists are read from the URL configuration, so a new endpoint is covered (or makes these
tests fail until it is) without anyone remembering to add it here."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import URLPattern

from accounts import keys
from accounts.models import ApiKey, Client
from billing import ledger
from billing.models import LedgerEntry
from numbers_app.models import Number
from portal.api_urls import api_v1, api_v3
from portal.models import Event
from tests.conftest import assert_error, login_request

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")


def _route(pattern: URLPattern, prefix: str = "/api/v1/") -> str:
    return prefix + str(pattern.pattern)


def assert_jsonapi_error(response, status: int, code: str) -> dict:
    """/api/v3's error document: {"errors": [{"status", "code", "title", "detail"}]}."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/vnd.api+json"
    (error,) = response.json()["errors"]
    assert (error["status"], error["code"]) == (str(status), code) and error["detail"]
    return error


def _object_ids(tenant_account, *, client_key_hash: str | None = None) -> dict[str, str]:
    """One id of each kind of object owned by ``tenant_account`` (a number is bought from a tiny stock)."""
    from accounts.actor import system_actor
    from numbers_app.services import number_purchase
    from tests.numbers.conftest import make_stock_number

    client = Client.objects.filter(account=tenant_account).first()
    order = number_purchase(actor=system_actor(tenant_account), numbers=[make_stock_number()], client=client)
    number = order.numbers.get()
    from numbers_app.trunks.services import trunk_create

    trunk = trunk_create(actor=system_actor(tenant_account), name="Tenancy PBX").trunk
    key = ApiKey.objects.filter(account=tenant_account).first()
    with transaction.atomic():
        wallet = ledger.lock_wallet(tenant_account)
        entry = ledger.debit(
            wallet,
            amount=Decimal("1.00"),
            kind=LedgerEntry.Kind.ADJUSTMENT,
            description="test charge",
            reference=None,
            client=client,
        )
    event = Event.objects.filter(account=tenant_account).first()
    from messaging.models import Message

    message = Message.objects.create(
        account=tenant_account,
        client=client,
        number=number,
        direction=Message.Direction.INBOUND,
        from_e164="+31612345678",
        to_e164=number.e164,
        remote_e164="+31612345678",
        body="hello",
        encoding="GSM-7",
        segments=1,
        status=Message.Status.RECEIVED,
    )
    from portal.webhooks.services import webhook_create, webhook_send_test

    endpoint = webhook_create(
        actor=system_actor(tenant_account), url="https://hooks.example.com/didfarm", events=["*"]
    ).endpoint
    delivery = webhook_send_test(actor=system_actor(tenant_account), endpoint=endpoint)
    from django.utils import timezone

    from billing.invoices import invoice_draft
    from billing.services import PriceRuleInput, price_rule_save

    rule = price_rule_save(actor=system_actor(tenant_account), data=PriceRuleInput(markup_percent=Decimal("10")))
    invoice = invoice_draft(account_id=tenant_account.pk, client_id=client.pk, month=timezone.localdate())
    from tests.numbers.regulatory_fixtures import make_port, make_profile

    profile, document = make_profile(system_actor(tenant_account), client=client)
    port = make_port(system_actor(tenant_account), client=client)
    from billing.models import TopUp

    top_up = TopUp.objects.create(account=tenant_account, method="bank_transfer", provider="bank", amount=Decimal("10"))
    from numbers_app.didww import buying
    from numbers_app.models import AvailableNumber, Call

    call = Call.objects.create(
        uid=f"t{tenant_account.pk}",
        sip_call_id=f"tenancy-{tenant_account.pk}@edge",
        account=tenant_account,
        client=client,
        number=number,
        e164=number.e164,
        status=Call.Status.MISSED,
        started_at=timezone.now(),
    )
    held = AvailableNumber.objects.get(e164=make_stock_number())
    reservation = buying.reservation_create(actor=system_actor(tenant_account), available_did_id=str(held.pk))
    from numbers_app.didww import voice_in

    delivery_trunk = voice_in.trunk_create(
        actor=system_actor(tenant_account),
        attributes={
            "name": "Desk",
            "configuration": {"type": "pstn_configurations", "attributes": {"dst": "31612345678"}},
        },
    )
    trunk_group = voice_in.group_save(actor=system_actor(tenant_account), group=None, attributes={"name": "Desks"})
    from numbers_app.didww import exports

    export = exports.export_create(actor=system_actor(tenant_account), attributes={})
    from numbers_app.didww.models import EncryptedFile

    encrypted = EncryptedFile.objects.create(
        account=tenant_account, client=client, file_name="file.enc", fingerprint="-", content=b"-",
        expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    return {
        "encrypted_file_id": str(encrypted.uid),
        "proof_id": f"{profile.public_id}-{document.document_type}",
        "export_id": str(export.uid),
        "voice_in_trunk_id": delivery_trunk.public_id,
        "voice_in_trunk_group_id": trunk_group.public_id,
        "reservation_id": str(reservation.uid),
        "v3_order_id": order.public_id,
        "top_up_id": top_up.public_id,
        "invoice_id": invoice.public_id,
        "rule_id": rule.public_id,
        "message_id": message.public_id,
        "client_id": str(client.pk),
        "key_id": str(key.pk),
        "transaction_id": str(entry.pk),
        "event_id": event.public_id,
        "number_id": str(number.pk),
        "order_id": str(order.pk),
        "trunk_id": trunk.public_id,
        "webhook_id": endpoint.public_id,
        "delivery_id": str(delivery.pk),
        "profile_id": profile.public_id,
        "document_id": document.public_id,
        "port_id": port.public_id,
        "name": "did_group",  # a DID's relationship (/api/v3/dids/{id}/{name})
        "call_id": call.public_id,
    }


# /api/v3 detail paths name their object ``resource_id``: which id that is depends on the path. The
# catalogue's (countries, did_groups, …) is the same for everyone, so it is no one's to hide.
V3_RESOURCE_IDS = {
    "api_v3_did_reservation": "reservation_id",
    "api_v3_order": "v3_order_id",
    "api_v3_voice_in_trunk": "voice_in_trunk_id",
    "api_v3_voice_in_trunk_group": "voice_in_trunk_group_id",
    "api_v3_export": "export_id",
    "api_v3_export_download": "export_id",
    "api_v3_identities_one": "profile_id",
    "api_v3_addresses_one": "profile_id",
    "api_v3_encrypted_files_one": "encrypted_file_id",
    "api_v3_proofs_one": "proof_id",
}


def _v3_ids(pattern, ids: dict[str, str]) -> dict[str, str]:
    return ids | {"resource_id": ids[V3_RESOURCE_IDS[pattern.name]] if pattern.name in V3_RESOURCE_IDS else "NL"}


def _owned_v3(pattern) -> bool:
    return "<" in str(pattern.pattern) and not (
        "resource_id" in str(pattern.pattern) and pattern.name not in V3_RESOURCE_IDS
    )


def _fill(route: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        route = route.replace(f"<str:{name}>", value)
    assert "<" not in route, f"No test id for a parameter in {route}: add it to _object_ids"
    return route


def test_every_object_url_answers_404_for_another_resellers_id(tenants, api_as):
    b_ids = _object_ids(tenants.b.account)
    api = api_as(tenants.a.key)
    object_patterns = [p for p in api_v1 if "<" in str(p.pattern)]
    assert len(object_patterns) >= 4
    for pattern in object_patterns:
        url = _fill(_route(pattern), b_ids)
        view = pattern.callback.view_class
        for method in ("get", *WRITE_METHODS):
            if hasattr(view, method):
                response = api.request(method.upper(), url, body={} if method in ("post", "put", "patch") else None)
                assert_error(response, 404, "not_found")
    # B's objects are untouched.
    assert ApiKey.objects.filter(account=tenants.b.account, revoked_at__isnull=True).count() == 2


def test_every_v3_object_url_answers_404_for_another_resellers_id(tenants, api_as):
    b_ids = _object_ids(tenants.b.account)
    api = api_as(tenants.a.key, header="Api-Key")
    object_patterns = [p for p in api_v3 if _owned_v3(p)]
    assert {p.name for p in object_patterns} >= set(V3_RESOURCE_IDS)
    for pattern in object_patterns:
        url = _fill(_route(pattern, "/api/v3/"), _v3_ids(pattern, b_ids))
        for method in ("get", *WRITE_METHODS):
            if hasattr(pattern.callback.view_class, method):
                body = {"data": {"type": "dids", "id": b_ids["number_id"], "attributes": {"description": "Mine"}}}
                response = api.request(method.upper(), url, body=body if method != "get" else None)
                assert_jsonapi_error(response, 404, "not_found")
    assert not Number.objects.filter(label="Mine").exists()


def test_a_read_only_key_gets_403_on_every_v3_write(tenants, api_as):
    a_ids = _object_ids(tenants.a.account)
    api = api_as(tenants.a.read_only_key, header="Api-Key")
    writes = 0
    for pattern in api_v3:
        url = _fill(_route(pattern, "/api/v3/"), _v3_ids(pattern, a_ids))
        for method in WRITE_METHODS:
            if hasattr(pattern.callback.view_class, method):
                writes += 1
                body = {"data": {"type": "dids", "id": a_ids["number_id"], "attributes": {"description": "Changed"}}}
                error = assert_jsonapi_error(api.request(method.upper(), url, body=body), 403, "forbidden")
                assert "read-only" in error["detail"]
    assert writes >= 1
    assert not Number.objects.filter(label="Changed").exists()


def test_prefixed_and_plain_ids_both_work_for_your_own_objects(tenants, api_as):
    api = api_as(tenants.a.key)
    assert api.get(f"/api/v1/clients/{tenants.x.pk}").json()["data"]["name"] == "Xylo Dental"
    assert api.get(f"/api/v1/clients/cli_{tenants.x.pk}").json()["data"]["name"] == "Xylo Dental"
    assert_error(api.get("/api/v1/clients/cli_abc"), 404, "not_found")
    assert_error(api.get("/api/v1/clients/99999999999999999999999"), 404, "not_found")


def test_a_client_scoped_key_sees_only_its_client(tenants, api_as):
    api = api_as(tenants.x_key)
    listed = api.get("/api/v1/clients").json()
    assert [c["name"] for c in listed["data"]] == ["Xylo Dental"]
    assert_error(api.get(f"/api/v1/clients/{tenants.y.pk}"), 404, "not_found")
    assert_error(api.get("/api/v1/wallet/balance"), 403, "forbidden")


def test_a_read_only_key_gets_403_on_every_write_and_nothing_changes(tenants, api_as):
    a_ids = _object_ids(tenants.a.account)
    api = api_as(tenants.a.read_only_key)
    writes = 0
    for pattern in api_v1:
        url = _fill(_route(pattern), a_ids)
        view = pattern.callback.view_class
        for method in WRITE_METHODS:
            if hasattr(view, method):
                writes += 1
                response = api.request(method.upper(), url, body={"name": "Changed"})
                error = assert_error(response, 403, "forbidden")
                assert "read-only" in error["message"]
    assert writes >= 4
    assert Client.objects.filter(account=tenants.a.account, name="Changed").count() == 0
    assert ApiKey.objects.filter(account=tenants.a.account, revoked_at__isnull=False).count() == 0


def test_a_read_only_key_can_read(tenants, api_as):
    api = api_as(tenants.a.read_only_key)
    assert api.get("/api/v1/clients").status_code == 200
    assert api.get("/api/v1/wallet/transactions").status_code == 200


def test_a_client_scoped_key_cannot_create_clients_or_see_the_audit_log(tenants, api_as):
    api = api_as(tenants.x_key)
    assert_error(api.post("/api/v1/clients", {"name": "Sneaky"}), 403, "forbidden")
    assert_error(api.get("/api/v1/audit-log"), 403, "forbidden")
    assert not Client.objects.filter(name="Sneaky").exists()


def test_a_client_scoped_key_creates_keys_only_for_its_own_client(tenants, api_as):
    api = api_as(tenants.x_key)
    created = api.post("/api/v1/api-keys", {"name": "PBX", "client_id": str(tenants.y.pk)})
    assert_error(created, 404, "not_found")
    created = api.post("/api/v1/api-keys", {"name": "PBX"})
    assert created.status_code == 201
    key = ApiKey.objects.get(key_hash=keys.digest(created.json()["data"]["key"]))
    assert key.client_id == tenants.x.pk


def test_no_api_key_is_stored_in_plaintext_anywhere_in_the_database(tenants, api_as, client):
    from django.db import connection

    made = [tenants.a.key, tenants.a.read_only_key, tenants.b.key, tenants.x_key]
    made.append(api_as(tenants.a.key).post("/api/v1/api-keys", {"name": "via API"}).json()["data"]["key"])
    client.login(username="owner@alpha.test", password="correct-horse-battery", request=login_request())
    page = client.post("/developers/api-keys/", {"name": "via portal", "access": "full", "client": ""})
    portal_key = page.context["created"]["plaintext"]
    made.append(portal_key)
    # use every key once, so idempotency records, audit rows and sessions are written too
    for key in made[:-1]:
        api_as(key).get("/api/v1/clients")
    secrets = [k[len("df_live_sk_") :] for k in made] + made
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump = repr(cursor.fetchall())
            for secret in secrets:
                assert secret not in dump, f"an API key is stored in plaintext in {table}"
    stored = ApiKey.objects.filter(key_hash=keys.digest(portal_key)).get()
    assert stored.prefix == portal_key[:15] and stored.last_four == portal_key[-4:]
