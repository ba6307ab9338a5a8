"""/api/v3's regulatory vault, read and written through the official ``didww`` SDK against the live server:
proof types, supporting document templates and address requirements from our compliance rules."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from numbers_app.models import Country
from numbers_app.regulatory.models import ComplianceDocument, ComplianceProfile, DocumentRequirement
from portal.errors import ValidationFailed
from tests.numbers.regulatory_fixtures import PDF, PNG, make_profile

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sdk(live_server):
    from didww.client import DidwwClient

    return lambda key: DidwwClient(api_key=key, base_url=live_server.url + "/api/v3")


def _status(call) -> int:
    with pytest.raises(Exception) as refused:
        call()
    return refused.value.status_code


def test_the_sdk_lists_proof_types_one_per_document_kind_of_a_profile(tenants, sdk):
    from didww.query_params import QueryParams

    client = sdk(tenants.a.key)
    kinds = {p.id: (p.name, p.entity_type) for p in client.proof_types().list().data}
    assert kinds == {
        "id_document": ("Identity document (passport or ID card)", "Personal"),
        "company_registration": ("Company registration extract", "Business"),
        "proof_of_address": ("Proof of address (less than 3 months old)", "Address"),
        "other": ("Other supporting document", "Personal"),
    }
    address = client.proof_types().list(QueryParams().filter("entity_type", "Address")).data
    assert [p.id for p in address] == ["proof_of_address"]
    assert client.proof_types().find("company_registration").data.entity_type == "Business"
    assert _status(lambda: client.proof_types().find("letter_of_authorization")) == 404


def test_there_are_no_supporting_document_templates(tenants, sdk):
    client = sdk(tenants.x_key)
    page = client.supporting_document_templates().list()
    assert page.data == [] and page.meta["total_records"] == 0
    assert _status(lambda: client.supporting_document_templates().find("1")) == 404


def test_address_requirements_follow_the_default_rules_for_groups_that_need_documents(tenants, stock, sdk):
    from didww.enums import AreaLevel, IdentityType
    from didww.query_params import QueryParams

    client = sdk(tenants.a.key)
    requirements = client.address_requirements().list(QueryParams().include("country", "business_proof_types")).data
    assert [r.id for r in requirements] == ["DE-local"]  # only Berlin's group needs documents
    berlin = requirements[0]
    assert berlin.country.iso == "DE" and berlin.identity_type == IdentityType.ANY
    assert berlin.address_area_level == AreaLevel.WORLDWIDE
    assert (berlin.personal_proof_qty, berlin.business_proof_qty, berlin.address_proof_qty) == (1, 1, 1)
    assert [p.id for p in berlin.business_proof_types] == ["company_registration"]
    found = client.address_requirements().find("DE-local", QueryParams().include("address_proof_types")).data
    assert [p.id for p in found.address_proof_types] == ["proof_of_address"]
    assert _status(lambda: client.address_requirements().find("GB-local")) == 404


def test_address_requirements_follow_staffs_rules_for_a_country(tenants, stock, sdk):
    from didww.query_params import QueryParams

    de = Country.objects.get(code="DE")
    DocumentRequirement.objects.create(country=de, document_type="id_document")
    DocumentRequirement.objects.create(country=de, end_user_type="business", document_type="company_registration")
    client = sdk(tenants.x_key)  # a client key reads the same rules
    params = QueryParams().filter("country.id", "DE").include("personal_proof_types", "business_proof_types")
    (berlin,) = client.address_requirements().list(params).data
    assert [p.id for p in berlin.personal_proof_types] == ["id_document"]
    assert sorted(p.id for p in berlin.business_proof_types) == ["company_registration", "id_document"]
    assert berlin.address_proof_qty == 0  # staff's rules for Germany ask for no proof of address
    assert client.address_requirements().list(QueryParams().filter("country.id", "NL")).data == []


# --- Identities and addresses --------------------------------------------------------------------


def _identity(kind: str = "business", country: str = "DE", **attributes):
    from didww.resources.country import Country as SdkCountry
    from didww.resources.identity import Identity

    identity = Identity()
    identity.identity_type = kind
    for name, value in attributes.items():
        setattr(identity, name, value)
    identity.country = SdkCountry.build(country)
    return identity


def _address(identity_id: str, country: str = "DE", **attributes):
    from didww.resources.address import Address
    from didww.resources.country import Country as SdkCountry
    from didww.resources.identity import Identity

    address = Address()
    for name, value in attributes.items():
        setattr(address, name, value)
    address.country = SdkCountry.build(country)
    address.identity = Identity.build(identity_id)
    return address


BERLIN = {"address": "Friedrichstraße 1", "city_name": "Berlin", "postal_code": "10117"}


def test_an_identity_and_its_address_are_a_draft_compliance_profile(tenants, stock, sdk):
    from didww.enums import IdentityType
    from didww.query_params import QueryParams

    client = sdk(tenants.x_key)
    created = (
        client.identities()
        .create(_identity(company_name="Xylo Dental GmbH", company_reg_number="HRB 12345", phone_number="4930123456"))
        .data
    )
    profile = ComplianceProfile.objects.get(pk=int(created.id.removeprefix("cpr_")))
    assert (profile.client, profile.account, profile.status) == (tenants.x, tenants.a.account, "draft")
    assert (profile.end_user_type, profile.name, profile.registration_number) == (
        "business", "Xylo Dental GmbH", "HRB 12345",
    )  # fmt: skip
    assert profile.address_country == "DE" and profile.street == ""
    # Every country and type sold whose numbers need documents: only Berlin's group here.
    assert (profile.countries, profile.number_types) == (["DE"], ["local"])
    assert created.identity_type == IdentityType.BUSINESS and created.verified is False
    assert created.phone_number is None  # accepted, not kept

    address = client.addresses().create(_address(created.id, **BERLIN)).data
    assert (address.id, address.address, address.city_name) == (created.id, "Friedrichstraße 1", "Berlin")
    profile.refresh_from_db()
    assert (profile.street, profile.postal_code, profile.city) == ("Friedrichstraße 1", "10117", "Berlin")

    found = client.identities().find(created.id, QueryParams().include("addresses", "country")).data
    assert [a.postal_code for a in found.addresses] == ["10117"] and found.country.iso == "DE"
    assert [a.id for a in client.addresses().list().data] == [created.id]

    # An address of one identity only: a second one is refused.
    assert _status(lambda: client.addresses().create(_address(created.id, **BERLIN))) == 409


def test_identities_and_addresses_change_and_go_while_the_profile_is_a_draft(tenants, stock, sdk):
    from didww.resources.address import Address
    from didww.resources.identity import Identity

    client = sdk(tenants.a.key)
    person = client.identities().create(_identity("personal", "NL", first_name="Anna", last_name="de Vries")).data
    assert (person.first_name, person.last_name) == ("Anna de", "Vries")  # the last word is the last name
    change = Identity.build(person.id)
    change.first_name = "Anna"
    change.last_name = "Vries"
    assert client.identities().update(change).data.first_name == "Anna"
    assert ComplianceProfile.objects.get(pk=int(person.id[4:])).name == "Anna Vries"

    client.addresses().create(_address(person.id, "NL", address="Damrak 1", city_name="Amsterdam", postal_code="1012"))
    move = Address.build(person.id)
    move.postal_code = "1012 LG"
    assert client.addresses().update(move).data.postal_code == "1012 LG"
    client.addresses().delete(person.id)
    assert _status(lambda: client.addresses().find(person.id)) == 404
    assert ComplianceProfile.objects.get(pk=int(person.id[4:])).street == ""

    client.identities().delete(person.id)
    assert not ComplianceProfile.objects.filter(pk=int(person.id[4:])).exists()


def test_an_identity_under_review_cannot_change(tenants, stock, sdk):
    from didww.resources.identity import Identity

    profile, _doc = make_profile(tenants.a.owner_actor, submit=True)
    client = sdk(tenants.a.key)
    change = Identity.build(profile.public_id)
    change.company_name = "Other GmbH"
    assert _status(lambda: client.identities().update(change)) == 422
    assert _status(lambda: client.identities().delete(profile.public_id)) == 422
    assert _status(lambda: client.addresses().delete(profile.public_id)) == 422
    profile.refresh_from_db()
    assert profile.name == "Xylo Dental GmbH" and profile.street


def test_a_profile_without_an_address_cannot_be_submitted(tenants, stock, sdk):
    from numbers_app.regulatory import services as regulatory

    client = sdk(tenants.a.key)
    created = client.identities().create(_identity(company_name="Xylo Dental GmbH")).data
    profile = ComplianceProfile.objects.get(pk=int(created.id[4:]))
    with pytest.raises(ValidationFailed) as refused:
        regulatory.profile_submit(actor=tenants.a.owner_actor, profile=profile)
    assert set(refused.value.fields) == {"street", "postal_code", "city"}
    profile.refresh_from_db()
    assert profile.status == "draft"


def test_bad_identity_and_address_documents_point_at_the_field(tenants, stock, api_as):
    api = api_as(tenants.a.key, header="Api-Key")
    headers = {"Content-Type": "application/vnd.api+json", "Accept": "application/vnd.api+json"}

    def post(path, data):
        response = api.http.post(
            path, data=json.dumps({"data": data}), content_type="application/vnd.api+json",
            headers={"Api-Key": tenants.a.key, "Accept": headers["Accept"]},
        )  # fmt: skip
        return response.status_code, sorted(e["source"]["pointer"] for e in response.json()["errors"])

    country = {"country": {"data": {"type": "countries", "id": "DE"}}}
    assert post("/api/v3/identities", {"type": "identities", "attributes": {"identity_type": "personal"}}) == (
        422, ["/data/attributes/first_name", "/data/attributes/last_name"],
    )  # fmt: skip
    assert post(
        "/api/v3/identities", {"type": "identities", "attributes": {"identity_type": "robot"}, "relationships": country}
    ) == (422, ["/data/attributes/identity_type"])
    assert post(
        "/api/v3/identities", {"type": "identities", "attributes": {"identity_type": "business", "company_name": "X"}}
    ) == (422, ["/data/relationships/country"])
    assert ComplianceProfile.objects.count() == 0

    profile = ComplianceProfile.objects.create(
        account=tenants.a.account, end_user_type="business", name="X", address_country="DE",
        countries=["DE"], number_types=["local"],
    )  # fmt: skip
    identity = {"identity": {"data": {"type": "identities", "id": profile.public_id}}}
    assert post(
        "/api/v3/addresses",
        {"type": "addresses", "attributes": {"address": "Damrak 1"}, "relationships": {**identity, **country}},
    ) == (422, ["/data/attributes/city_name", "/data/attributes/postal_code"])
    profile.refresh_from_db()
    assert profile.street == ""


def test_identities_and_addresses_stay_with_their_owner(tenants, stock, sdk):
    mine, _doc = make_profile(tenants.a.owner_actor, client=tenants.x)
    own, _doc = make_profile(tenants.a.owner_actor)  # the reseller's own profile
    others, _doc = make_profile(tenants.b.owner_actor)
    client_sdk, reseller_sdk, other_sdk = sdk(tenants.x_key), sdk(tenants.a.key), sdk(tenants.b.key)
    assert [i.id for i in client_sdk.identities().list().data] == [mine.public_id]
    assert {a.id for a in reseller_sdk.addresses().list().data} == {mine.public_id, own.public_id}
    assert [i.id for i in other_sdk.identities().list().data] == [others.public_id]
    assert _status(lambda: client_sdk.identities().find(own.public_id)) == 404
    assert _status(lambda: other_sdk.addresses().delete(mine.public_id)) == 404
    assert _status(lambda: other_sdk.addresses().create(_address(mine.public_id, **BERLIN))) == 404
    assert _status(lambda: client_sdk.identities().delete(own.public_id)) == 404
    assert ComplianceProfile.objects.filter(pk__in=[mine.pk, own.pk]).count() == 2


# --- Public keys and encrypted files -------------------------------------------------------------


def _encrypted(client, content: bytes) -> tuple[str, bytes]:
    """What the SDK sends for ``content``: the fingerprint of our keys and the file encrypted for both."""
    from didww.encrypt import Encrypt

    pems = [k.key for k in client.public_keys().list().data]
    return Encrypt.calculate_fingerprint(pems), Encrypt.encrypt_with_keys(content, pems)


def test_the_public_keys_are_two_rsa_keys_kept_encrypted_and_the_same_on_every_request(tenants, sdk):
    from cryptography.hazmat.primitives import serialization
    from didww.encrypt import Encrypt

    from numbers_app.didww.models import VaultKey

    keys = sdk(tenants.a.key).public_keys().list().data
    assert len(keys) == 2
    again = sdk(tenants.x_key).public_keys().list().data
    assert [k.key for k in again] == [k.key for k in keys]
    for key in keys:
        public = serialization.load_pem_public_key(key.key.encode())
        assert public.key_size == 4096
        assert key.id == Encrypt._fingerprint_for(key.key)
        assert sdk(tenants.a.key).public_keys().find(key.id).data.key == key.key
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_pem FROM numbers_vaultkey")
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 2 and all(s.startswith("v1:") and "PRIVATE KEY" not in s for s in stored)
    assert all("PRIVATE KEY" in k.private_pem for k in VaultKey.objects.all())


def test_the_sdks_encrypted_upload_opens_into_the_original_bytes(tenants, sdk):
    from numbers_app.didww import vault_files
    from numbers_app.didww.models import EncryptedFile

    client = sdk(tenants.x_key)
    original = PDF + bytes(range(256)) * 40  # not a multiple of the AES block
    fingerprint, data = _encrypted(client, original)
    assert original not in data
    file_id = client.upload_encrypted_file(fingerprint, data, description="passport.pdf")
    stored = EncryptedFile.objects.get(uid=file_id)
    assert (stored.client, stored.description) == (tenants.x, "passport.pdf")
    assert bytes(stored.content) == data  # kept as it came
    assert vault_files.decrypt(bytes(stored.content)) == original
    listed = client.encrypted_files().list().data
    assert [(f.id, f.description) for f in listed] == [(file_id, "passport.pdf")]
    assert listed[0].expires_at > stored.created_at


def test_an_upload_that_does_not_open_or_is_not_a_document_is_refused(tenants, sdk):
    from numbers_app.didww.models import EncryptedFile

    client = sdk(tenants.a.key)
    fingerprint, data = _encrypted(client, PDF)
    assert _status(lambda: client.upload_encrypted_file("0" * 40 + ":::" + "1" * 40, data)) == 422
    assert _status(lambda: client.upload_encrypted_file(fingerprint, data[:-16])) == 422  # cut short
    assert _status(lambda: client.upload_encrypted_file(fingerprint, b"%PDF-1.4 plain")) == 422
    _fp, not_a_document = _encrypted(client, b"#!/bin/sh\necho hello\n")
    assert _status(lambda: client.upload_encrypted_file(fingerprint, not_a_document)) == 422
    assert not EncryptedFile.objects.exists()


def test_encrypted_files_stay_with_their_owner_and_can_be_deleted(tenants, sdk):
    from numbers_app.didww.models import EncryptedFile

    mine = sdk(tenants.x_key)
    fingerprint, data = _encrypted(mine, PDF)
    file_id = mine.upload_encrypted_file(fingerprint, data)
    assert [f.id for f in sdk(tenants.a.key).encrypted_files().list().data] == [file_id]  # the reseller's too
    assert sdk(tenants.b.key).encrypted_files().list().data == []
    assert _status(lambda: sdk(tenants.b.key).encrypted_files().find(file_id)) == 404
    assert _status(lambda: sdk(tenants.b.key).encrypted_files().delete(file_id)) == 404
    assert _status(lambda: sdk(tenants.a.read_only_key).encrypted_files().delete(file_id)) == 403
    mine.encrypted_files().delete(file_id)
    assert not EncryptedFile.objects.exists()


# --- Proofs --------------------------------------------------------------------------------------


def _proof(kind: str, entity, file_ids: list[str]):
    from didww.resources.encrypted_file import EncryptedFile as SdkFile
    from didww.resources.proof import Proof
    from didww.resources.proof_type import ProofType

    proof = Proof()
    proof.proof_type = ProofType.build(kind)
    proof.entity = entity
    proof.files = [SdkFile.build(i) for i in file_ids]
    return proof


def _upload(client, content: bytes, name: str) -> str:
    fingerprint, data = _encrypted(client, content)
    return client.upload_encrypted_file(fingerprint, data, description=name)


def test_proofs_turn_the_sdks_encrypted_files_into_documents_and_the_verdict_comes_back(
    tenants, stock, sdk, staff_actor
):
    from didww.query_params import QueryParams
    from didww.resources.address import Address
    from didww.resources.identity import Identity

    from numbers_app.didww.models import EncryptedFile
    from numbers_app.regulatory import services as regulatory

    client = sdk(tenants.x_key)
    identity = client.identities().create(_identity(company_name="Xylo Dental GmbH")).data
    client.addresses().create(_address(identity.id, **BERLIN))
    extract = PDF + b"Handelsregister HRB 12345" * 100
    scan = PNG + bytes(range(200))
    extract_id = _upload(client, extract, "extract.pdf")
    scan_id = _upload(client, scan, "utility bill")

    first = client.proofs().create(_proof("company_registration", Identity.build(identity.id), [extract_id])).data
    assert first.id == f"{identity.id}-company_registration"
    profile = ComplianceProfile.objects.get(pk=int(identity.id[4:]))
    (document,) = profile.documents.all()
    assert (document.document_type, document.original_name, document.content_type) == (
        "company_registration", "extract.pdf", "application/pdf",
    )  # fmt: skip
    with document.file.open("rb") as stored:
        assert stored.read() == extract  # the SDK's encryption, undone
    assert profile.status == "draft"  # the proof of address is still missing

    client.proofs().create(_proof("proof_of_address", Address.build(identity.id), [scan_id]))
    profile.refresh_from_db()
    assert profile.status == "submitted"  # complete: it went to review
    bill = profile.documents.get(document_type="proof_of_address")
    assert (bill.original_name, bill.content_type) == ("utility bill.png", "image/png")
    with bill.file.open("rb") as stored:
        assert stored.read() == scan
    assert not EncryptedFile.objects.exists()  # used up

    found = client.identities().find(identity.id, QueryParams().include("proofs")).data
    assert [p.id for p in found.proofs] == [first.id] and found.verified is False
    regulatory.profile_approve(actor=staff_actor, profile=profile)
    assert client.identities().find(identity.id).data.verified is True
    assert client.addresses().find(identity.id).data.verified is True
    # A profile in review or approved no longer takes proofs, nor loses them.
    assert _status(lambda: client.proofs().delete(first.id)) == 422


def test_a_refused_proof_writes_nothing_and_keeps_the_files(tenants, stock, sdk):
    from didww.resources.address import Address
    from didww.resources.identity import Identity

    from numbers_app.didww.models import EncryptedFile

    client = sdk(tenants.a.key)
    identity = client.identities().create(_identity(company_name="Alpha GmbH")).data
    file_id = _upload(client, PDF, "extract.pdf")
    # A proof of address for an identity, an address that does not exist yet, another reseller's file.
    assert (
        _status(lambda: client.proofs().create(_proof("proof_of_address", Identity.build(identity.id), [file_id])))
        == 422
    )
    assert (
        _status(lambda: client.proofs().create(_proof("proof_of_address", Address.build(identity.id), [file_id])))
        == 404
    )
    others = _upload(sdk(tenants.b.key), PDF, "theirs.pdf")
    assert _status(lambda: client.proofs().create(_proof("id_document", Identity.build(identity.id), [others]))) == 404
    assert _status(lambda: client.proofs().create(_proof("bill", Identity.build(identity.id), [file_id]))) == 404
    assert _status(lambda: client.proofs().create(_proof("id_document", Identity.build(identity.id), []))) == 422
    assert not ComplianceDocument.objects.exists()
    assert EncryptedFile.objects.count() == 2

    profile, _doc = make_profile(tenants.a.owner_actor, submit=True)  # in review: no more documents
    proof = _proof("other", Identity.build(profile.public_id), [file_id])
    assert _status(lambda: client.proofs().create(proof)) == 422
    assert profile.documents.count() == 2 and EncryptedFile.objects.count() == 2

    kept = client.proofs().create(_proof("other", Identity.build(identity.id), [file_id])).data
    client.proofs().delete(kept.id)
    assert not ComplianceDocument.objects.filter(profile__pk=int(identity.id[4:])).exists()
