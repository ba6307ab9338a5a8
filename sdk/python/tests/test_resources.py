"""A tour of the resources beyond numbers: each call reaches its endpoint and reads back what it wrote."""

from __future__ import annotations

from decimal import Decimal

import didfarm
import pytest


def test_trunks_and_routing(client, unique):
    trunk = client.sip_trunks.create(name=f"PBX {unique}", channels=4)
    assert trunk.id and trunk.name == f"PBX {unique}"
    assert client.sip_trunks.update(trunk.id, channels=8).channels == 8
    number = client.numbers.order(
        number=client.numbers.search(country_code="GB", number_type="local", limit=1)[0].number
    )
    route = client.routing.set(did_number_id=number.did_number_id, sip_trunk_id=trunk.id)
    assert route is not None
    assert any(r.did_number_id == number.did_number_id for r in client.routing.list(limit=100).auto_paging_iter())
    client.routing.remove(number.id)
    after = [r for r in client.routing.list(limit=100).auto_paging_iter() if r.did_number_id == number.did_number_id]
    assert all(r.sip_trunk_id is None for r in after)
    client.numbers.configure(number.id, label=f"Front desk {unique}")
    assert client.numbers.get(number.id).label == f"Front desk {unique}"
    assert client.numbers.release(number.id) is None
    with pytest.raises(didfarm.NotFoundError):
        client.numbers.get(number.id)
    assert client.sip_trunks.delete(trunk.id) is None


def test_clients_price_rules_costs_and_keys(client, unique):
    end_client = client.clients.create(name=f"Client {unique}")
    assert client.clients.get(end_client.id).name == f"Client {unique}"
    assert client.clients.update(end_client.id, reference=f"ref-{unique}").reference == f"ref-{unique}"
    rule = client.price_rules.save(client_id=end_client.id, markup_percent=Decimal("12.5"))
    assert rule.markup_percent == Decimal("12.5")
    costs = client.clients.costs(end_client.id)
    assert costs is not None
    csv = client.clients.costs_csv(end_client.id)
    assert isinstance(csv, bytes) and b"," in csv.splitlines()[0]
    assert client.price_rules.delete(rule.id) is None

    key = client.api_keys.create(name=f"key {unique}")
    assert key.key.startswith("df_live_")
    assert client.api_keys.get(key.id).name == f"key {unique}"
    client.api_keys.revoke(key.id)
    revoked = didfarm.Client(api_key=key.key, base_url=client.base_url)
    with pytest.raises(didfarm.AuthenticationError):
        revoked.wallet.balance()


def test_account_events_audit_and_sms_reads(client):
    me = client.account.me()
    assert me.account_name == "SDK Telecom" and me.read_only is False
    assert client.events.list(limit=5).meta.total >= 1
    assert client.audit_log.list(limit=5) is not None
    assert client.sms.stats() is not None
    segments = client.sms.segments(body="Hello from the SDK")
    assert segments.segments == 1
    assert isinstance(client.webhooks.event_types(), list)
    assert client.regulatory.requirements(country="DE", number_type="local", end_user_type="business") is not None


def test_the_sandbox_carrier_callback_takes_its_secret_as_a_header(client, live, unique):
    secret = live.get("DIDFARM_TEST_SANDBOX_SECRET")
    assert secret, "the live portal's sandbox secret is missing (DIDFARM_TEST_SANDBOX_SECRET)"
    ours = client.numbers.list(limit=1)[0].number
    inbound = {"id": f"sdk-{unique}", "kind": "inbound", "from_": "+447700900123", "to": ours, "body": "Hi"}
    first = client.sandbox.carrier_callback(sandbox_secret=secret, **inbound)
    assert first.received is True and first.duplicate is False
    assert client.sandbox.carrier_callback(sandbox_secret=secret, **inbound).duplicate is True
    with pytest.raises(didfarm.AuthenticationError):
        client.sandbox.carrier_callback(sandbox_secret="wrong", **inbound)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_documents_upload_as_multipart_and_download_as_bytes(client, unique):
    profile = client.compliance_profiles.create(
        end_user_type="business",
        name=f"SDK Ltd {unique}",
        street="1 Main St",
        postal_code="1011 AB",
        city="Amsterdam",
        address_country="NL",
        countries=["NL"],
        number_types=["local"],
    )
    added = client.compliance_profiles.add_documents(
        profile.id, files={"file": ("kvk.pdf", PDF, "application/pdf")}, document_type="company_registration"
    )
    documents = added.documents if "documents" in added else client.compliance_profiles.get(profile.id).documents
    document = next(d for d in documents if d.document_type == "company_registration")
    assert client.compliance_profiles.download_document(profile.id, document.id) == PDF
    assert client.compliance_profiles.delete_document(profile.id, document.id) is None
    assert client.compliance_profiles.delete(profile.id) is None
