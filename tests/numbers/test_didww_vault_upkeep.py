"""/api/v3's vault beyond the SDK's happy path: expired encrypted files swept on a schedule, uploads
honouring ``Idempotency-Key``, and address verifications (an address put forward for DIDs, whose status is
staff's review of its profile)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from numbers_app.didww import vault_files
from numbers_app.didww.models import AddressVerification, EncryptedFile
from numbers_app.models import Number
from numbers_app.regulatory import services as regulatory
from numbers_app.services import number_provision, number_purchase
from portal.celery import TASK_QUEUES, app
from tests.numbers.conftest import DE_BERLIN
from tests.numbers.regulatory_fixtures import PDF, PNG, make_profile

V3 = "application/vnd.api+json"


def test_expired_encrypted_files_are_swept_on_a_schedule_and_twice_is_harmless(tenants):
    def stored(days: int) -> EncryptedFile:
        return EncryptedFile.objects.create(
            account=tenants.a.account, file_name="f.enc", fingerprint="x", content=b"\x00" * 32,
            expires_at=timezone.now() + timedelta(days=days),
        )  # fmt: skip

    old, fresh = stored(1), stored(7)
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        assert vault_files.files_expire() == 1
        assert vault_files.files_expire() == 0
    assert list(EncryptedFile.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not EncryptedFile.objects.filter(pk=old.pk).exists()
    entry = next(e for e in app.conf.beat_schedule.values() if e["task"].endswith("vault_files_expire_task"))
    assert TASK_QUEUES[entry["task"]] == "periodic"


def _upload(api, blob: bytes, *, key: str):
    """The SDK's multipart upload of ``blob`` (a file encrypted for our keys), with an Idempotency-Key."""
    from didww.encrypt import Encrypt
    from django.core.files.uploadedfile import SimpleUploadedFile

    pems = [k.public_pem for k in vault_files.vault_keys()]
    data = {
        "encrypted_files[encryption_fingerprint]": Encrypt.calculate_fingerprint(pems),
        "encrypted_files[file]": SimpleUploadedFile("file.enc", blob),
    }
    return api.http.post("/api/v3/encrypted_files", data=data, headers=api._headers({"Idempotency-Key": key}))


def _encrypted(content: bytes) -> bytes:
    from didww.encrypt import Encrypt

    return Encrypt.encrypt_with_keys(content, [k.public_pem for k in vault_files.vault_keys()])


def test_an_upload_with_an_idempotency_key_is_stored_once_and_replayed(tenants, api_as):
    api = api_as(tenants.a.key)
    blob = _encrypted(PDF)
    first = _upload(api, blob, key="upload-1")
    assert first.status_code == 201, first.content
    again = _upload(api, blob, key="upload-1")  # the same file (another multipart boundary)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert EncryptedFile.objects.count() == 1
    other = _upload(api, _encrypted(PNG), key="upload-1")  # another file under the same key
    assert other.status_code == 422 and other["Content-Type"].startswith(V3)
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert EncryptedFile.objects.count() == 1
    fresh = _upload(api, _encrypted(PNG), key="upload-2")
    assert fresh.status_code == 201 and EncryptedFile.objects.count() == 2


def test_an_upload_still_running_under_its_key_is_answered_409(tenants, api_as, monkeypatch):
    api = api_as(tenants.a.key)
    real = vault_files.file_create
    blob = _encrypted(PDF)
    seen = []

    def slow(**kwargs):  # while the first upload runs, its retry arrives
        if not seen:
            seen.append(_upload(api, blob, key="upload-1"))
        return real(**kwargs)

    monkeypatch.setattr(vault_files, "file_create", slow)
    first = _upload(api, blob, key="upload-1")
    assert first.status_code == 201
    [retry] = seen
    assert retry.status_code == 409 and retry.json()["errors"][0]["code"] == "idempotency_conflict"
    assert EncryptedFile.objects.count() == 1


# --- Address verifications -------------------------------------------------------------------------


def _held(tenants, e164: str) -> Number:
    number_purchase(actor=tenants.a.owner_actor, numbers=[e164])
    number = Number.objects.get(e164=e164)
    number_provision(number_id=number.pk)
    number.refresh_from_db()
    assert number.status == Number.Status.PENDING_REGULATORY
    return number


def _verification(address: str, *dids: str) -> dict:
    return {
        "data": {
            "type": "address_verifications",
            "attributes": {"service_description": "Dental practice", "external_reference_id": "b-1"},
            "relationships": {
                "address": {"data": {"type": "addresses", "id": address}},
                "dids": {"data": [{"type": "dids", "id": did} for did in dids]},
            },
        }
    }


def test_an_address_verification_attaches_the_profile_and_follows_staffs_review(
    tenants, stock, api_as, staff_actor, django_capture_on_commit_callbacks
):
    number = _held(tenants, DE_BERLIN[0])
    profile, _document = make_profile(tenants.a.owner_actor, submit=True)
    api = api_as(tenants.a.key)
    with django_capture_on_commit_callbacks(execute=False):
        created = api.post(
            "/api/v3/address_verifications?include=dids", _verification(profile.public_id, number.public_id)
        )
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    assert data["attributes"]["status"] == "pending" and data["attributes"]["reject_reasons"] is None
    assert data["attributes"]["external_reference_id"] == "b-1"
    assert data["relationships"]["dids"]["data"] == [{"type": "dids", "id": number.public_id}]
    number.refresh_from_db()
    assert number.compliance_profile_id == profile.pk
    found = api.get(f"/api/v3/address_verifications/{data['id']}")
    assert found.json()["data"]["attributes"]["status"] == "pending"
    with django_capture_on_commit_callbacks(execute=False):
        regulatory.profile_approve(actor=staff_actor, profile=profile)
    approved = api.get(f"/api/v3/address_verifications/{data['id']}").json()["data"]["attributes"]
    assert approved["status"] == "approved"
    assert Number.objects.get(pk=number.pk).status == Number.Status.PROVISIONING  # on its way live
    assert [r["id"] for r in api.get("/api/v3/address_verifications").json()["data"]] == [data["id"]]


def test_a_rejected_profile_shows_its_reason_on_the_verification(
    tenants, stock, api_as, staff_actor, django_capture_on_commit_callbacks
):
    number = _held(tenants, DE_BERLIN[1])
    profile, _document = make_profile(tenants.a.owner_actor, submit=True)
    api = api_as(tenants.a.key)
    with django_capture_on_commit_callbacks(execute=False):
        created = api.post("/api/v3/address_verifications", _verification(profile.public_id, number.public_id))
        regulatory.profile_reject(actor=staff_actor, profile=profile, reason="The extract is unreadable.")
    found = api.get(f"/api/v3/address_verifications/{created.json()['data']['id']}").json()["data"]["attributes"]
    assert found["status"] == "rejected"
    assert found["reject_reasons"] == ["The extract is unreadable."]
    assert found["reject_comment"] == "The extract is unreadable."


def test_address_verifications_refuse_others_ids_and_uncovered_dids_and_write_nothing(
    tenants, stock, api_as, django_capture_on_commit_callbacks
):
    number = _held(tenants, DE_BERLIN[2])
    mine, _doc = make_profile(tenants.a.owner_actor, submit=True)
    theirs, _doc = make_profile(tenants.b.owner_actor, submit=True)
    uk_only, _doc = make_profile(tenants.a.owner_actor, countries=("GB",), submit=True)
    api = api_as(tenants.a.key)
    with django_capture_on_commit_callbacks(execute=False):
        someone_elses_address = api.post(
            "/api/v3/address_verifications", _verification(theirs.public_id, number.public_id)
        )
        unknown_did = api.post("/api/v3/address_verifications", _verification(mine.public_id, "num_999999"))
        uncovered = api.post("/api/v3/address_verifications", _verification(uk_only.public_id, number.public_id))
        no_dids = api.post("/api/v3/address_verifications", _verification(mine.public_id))
    assert someone_elses_address.status_code == 404 and unknown_did.status_code == 404
    assert uncovered.status_code == 422 and uncovered["Content-Type"].startswith(V3)
    assert uncovered.json()["errors"][0]["source"]["pointer"] == "/data/relationships/dids"
    assert no_dids.status_code == 422
    assert not AddressVerification.objects.exists()
    assert Number.objects.get(pk=number.pk).compliance_profile_id is None
    with django_capture_on_commit_callbacks(execute=False):
        created = api.post("/api/v3/address_verifications", _verification(mine.public_id, number.public_id))
    assert created.status_code == 201
    others = api_as(tenants.b.key)
    assert others.get(f"/api/v3/address_verifications/{created.json()['data']['id']}").status_code == 404
    assert others.get("/api/v3/address_verifications").json()["data"] == []
    assert api.get("/api/v3/address_verifications/not-a-uuid").status_code == 404


@pytest.mark.parametrize("body", [{}, {"data": {"type": "identities"}}])
def test_a_malformed_address_verification_is_a_jsonapi_error(tenants, api_as, body):
    response = api_as(tenants.a.key).post("/api/v3/address_verifications", body)
    assert response.status_code in (400, 409) and response["Content-Type"].startswith(V3)
    assert response.json()["errors"]
