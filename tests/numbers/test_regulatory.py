"""Compliance profiles and regulatory documents: activation rules, file checks, private storage, the API."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AuditLog
from billing import ledger
from billing.models import LedgerEntry
from numbers_app import services
from numbers_app.models import AvailableNumber, ComplianceDocument, ComplianceProfile, DocumentRequirement, Number
from numbers_app.regulatory import services as regulatory
from numbers_app.tasks import number_carrier_release_task, regulatory_sweep_task
from portal.errors import DocumentsMissing, InvalidState, NotFound
from portal.models import Event
from tests.conftest import assert_error
from tests.numbers.conftest import DE_BERLIN, GB_LONDON, NL_AMS
from tests.numbers.regulatory_fixtures import JPEG, PDF, PNG, PROFILE_FIELDS, make_profile, pdf, uploads

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.REGULATORY_DOCUMENTS_DIR


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def buy(tenants, *numbers, **kw):
    return services.number_purchase(actor=tenants.a.owner_actor, numbers=list(numbers), **kw)


def event_types(number) -> list[str]:
    return list(Event.objects.filter(subject_id=number.public_id).order_by("id").values_list("type", flat=True))


def multipart(api, path, data):
    """A multipart POST with the API client's key."""
    return api.http.post(path, data=data, headers=api._headers(None))


# --- Activation rules --------------------------------------------------------------------------------


def test_a_regulated_number_waits_for_its_profile_then_goes_live_with_both_events(tenants, stock, staff_actor):
    profile, _ = make_profile(tenants.a.owner_actor)
    number = buy(tenants, DE_BERLIN[0], compliance_profile_id=profile.public_id).numbers.get()
    assert number.compliance_profile_id == profile.pk
    services.number_provision(number_id=number.pk)
    number.refresh_from_db()
    assert number.status == "pending_regulatory" and number.regulatory_held_at is not None
    assert event_types(number) == ["number.provisioned"]

    regulatory.profile_submit(actor=tenants.a.owner_actor, profile=profile)
    number.refresh_from_db()
    assert number.status == "pending_regulatory"  # submitted is not approved

    regulatory.profile_approve(actor=staff_actor, profile=profile)
    number.refresh_from_db()
    assert number.status == "provisioning" and number.regulatory_held_at is None  # back through provisioning
    services.number_provision(number_id=number.pk)
    number.refresh_from_db()
    assert number.status == "active" and number.activated_at
    assert event_types(number) == ["number.provisioned", "regulatory.approved", "number.activated"]
    approved = Event.objects.get(subject_id=number.public_id, type="regulatory.approved")
    assert approved.data["number"] == DE_BERLIN[0] and approved.data["compliance_profile_id"] == profile.public_id
    audit = AuditLog.objects.get(action="compliance_profile.approved")
    assert audit.actor_label == "ops@didfarm.test" and audit.after["numbers_released"] == [DE_BERLIN[0]]
    profile.refresh_from_db()
    assert profile.status == "approved" and profile.expires_at > timezone.localdate()


@pytest.mark.parametrize(
    "door,body",
    [
        ("/api/v1/wallet/checkout", lambda n, p: {"items": [{"number": n}], "compliance_profile_id": p}),
        ("/api/v1/numbers", lambda n, p: {"number": n, "provider_bundle_id": p}),
        ("/api/v1/numbers/purchase", lambda n, p: {"phone_number": n, "compliance_profile_id": p}),
    ],
)
def test_an_approved_profile_at_checkout_activates_at_once(tenants, stock, staff_actor, api_as, door, body):
    profile, _ = make_profile(tenants.a.owner_actor, submit=True)
    regulatory.profile_approve(actor=staff_actor, profile=profile)
    response = api_as(tenants.a.key).post(door, body(DE_BERLIN[1], profile.public_id))
    assert response.status_code == 201, response.content
    number = Number.objects.get(e164=DE_BERLIN[1])
    assert number.compliance_profile_id == profile.pk
    services.number_provision(number_id=number.pk)
    number.refresh_from_db()
    assert number.status == "active" and number.regulatory_held_at is None
    assert event_types(number) == ["number.provisioned", "regulatory.approved", "number.activated"]


def test_without_a_profile_a_regulated_number_waits_and_a_plain_one_does_not(tenants, stock):
    held = buy(tenants, DE_BERLIN[2]).numbers.get()
    plain = buy(tenants, NL_AMS[0]).numbers.get()
    services.number_provision(number_id=held.pk)
    services.number_provision(number_id=plain.pk)
    assert Number.objects.get(pk=held.pk).status == "pending_regulatory"
    assert Number.objects.get(pk=plain.pk).status == "active"


def test_rejection_keeps_the_number_waiting_and_says_why(tenants, stock, staff_actor, owner):
    profile, _ = make_profile(tenants.a.owner_actor, submit=True)
    number = buy(tenants, DE_BERLIN[0], compliance_profile_id=profile.pk).numbers.get()
    services.number_provision(number_id=number.pk)
    reason = "The proof of address is older than 3 months."
    regulatory.profile_reject(actor=staff_actor, profile=profile, reason=reason)
    number.refresh_from_db()
    assert number.status == "pending_regulatory"
    rejected = Event.objects.get(subject_id=number.public_id, type="regulatory.rejected")
    assert rejected.data["reason"] == reason and rejected.data["status"] == "pending_regulatory"
    assert AuditLog.objects.get(action="compliance_profile.rejected").after["reason"] == reason
    # the owner sees why: on the number's page, the profile's page and in the API
    page = owner.get(f"/numbers/mine/{number.pk}/").content.decode()
    assert reason in page and f"/numbers/compliance/{profile.pk}/" in page
    assert reason in owner.get(f"/numbers/compliance/{profile.pk}/").content.decode()
    assert "Documents rejected" in owner.get("/numbers/mine/").content.decode()
    # fixed and submitted again, then approved: live
    regulatory.profile_documents_add(actor=tenants.a.owner_actor, profile=profile, uploads=uploads("other"))
    regulatory.profile_submit(actor=tenants.a.owner_actor, profile=profile)
    regulatory.profile_approve(actor=staff_actor, profile=profile)
    services.number_provision(number_id=number.pk)
    assert Number.objects.get(pk=number.pk).status == "active"


def test_decisions_without_numbers_waiting_are_recorded_for_the_profile(tenants, stock, staff_actor):
    profile, _ = make_profile(tenants.a.owner_actor, submit=True)
    regulatory.profile_reject(actor=staff_actor, profile=profile, reason="Blurred scan.")
    event = Event.objects.get(type="regulatory.rejected")
    assert event.subject_id == profile.public_id and event.data["reason"] == "Blurred scan."


def test_only_profiles_in_review_are_decided_and_a_rejection_needs_a_reason(tenants, stock, staff_actor):
    profile, _ = make_profile(tenants.a.owner_actor)
    with pytest.raises(InvalidState):
        regulatory.profile_approve(actor=staff_actor, profile=profile)
    regulatory.profile_submit(actor=tenants.a.owner_actor, profile=profile)
    with pytest.raises(regulatory.ValidationFailed):
        regulatory.profile_reject(actor=staff_actor, profile=profile, reason="  ")
    regulatory.profile_approve(actor=staff_actor, profile=profile)
    with pytest.raises(InvalidState):
        regulatory.profile_approve(actor=staff_actor, profile=profile)
    assert AuditLog.objects.filter(action="compliance_profile.approved").count() == 1


def test_a_profile_cannot_be_submitted_without_its_required_documents(tenants, stock):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    regulatory.profile_documents_add(actor=tenants.a.owner_actor, profile=profile, uploads=uploads("proof_of_address"))
    with pytest.raises(DocumentsMissing) as refused:
        regulatory.profile_submit(actor=tenants.a.owner_actor, profile=profile)
    assert refused.value.extra["missing"] == ["company_registration"]
    assert ComplianceProfile.objects.get(pk=profile.pk).status == "draft"


def test_staff_edit_which_documents_a_country_needs(tenants, stock):
    assert regulatory.requirements_for(country="DE", number_type="local", end_user_type="person") == [
        "id_document",
        "proof_of_address",
    ]
    DocumentRequirement.objects.create(country_id="DE", number_type="local", document_type="id_document")
    DocumentRequirement.objects.create(country_id="DE", end_user_type="business", document_type="company_registration")
    assert regulatory.requirements_for(country="DE", number_type="local", end_user_type="business") == [
        "company_registration",
        "id_document",
    ]
    assert regulatory.requirements_for(country="DE", number_type="mobile", end_user_type="person") == []


def test_a_profile_must_cover_the_regulated_numbers_it_is_bought_with(tenants, stock, api_as):
    profile, _ = make_profile(tenants.a.owner_actor, countries=["NL"])
    refused = api_as(tenants.a.key).post(
        "/api/v1/wallet/checkout",
        {"items": [{"number": DE_BERLIN[0]}, {"number": NL_AMS[0]}], "compliance_profile_id": profile.public_id},
    )
    assert_error(refused, 422, "compliance_profile_mismatch")
    assert not Number.objects.exists()
    assert ledger.wallet_for(tenants.a.account).balance == Decimal("100.0000")


def test_a_clients_profile_proves_only_that_clients_numbers(tenants, stock, api_as):
    profile, _ = make_profile(tenants.a.owner_actor, client=tenants.x)
    body = {"items": [{"number": DE_BERLIN[0]}], "client_id": tenants.y.pk, "compliance_profile_id": profile.pk}
    assert_error(api_as(tenants.a.key).post("/api/v1/wallet/checkout", body), 422, "compliance_profile_mismatch")
    body["client_id"] = tenants.x.pk
    assert api_as(tenants.a.key).post("/api/v1/wallet/checkout", body).status_code == 201


def test_another_accounts_profile_is_not_found_at_checkout(tenants, stock, api_as):
    from accounts.actor import system_actor

    theirs, _ = make_profile(system_actor(tenants.b.account))
    response = api_as(tenants.a.key).post(
        "/api/v1/numbers", {"number": DE_BERLIN[0], "compliance_profile_id": theirs.pk}
    )
    assert_error(response, 404, "not_found")
    assert not Number.objects.exists()


def test_attaching_an_approved_profile_with_put_lets_a_waiting_number_go_live(tenants, stock, staff_actor, api_as):
    number = buy(tenants, DE_BERLIN[0]).numbers.get()
    services.number_provision(number_id=number.pk)
    profile, _ = make_profile(tenants.a.owner_actor, submit=True)
    regulatory.profile_approve(actor=staff_actor, profile=profile)
    api = api_as(tenants.a.key)
    wrong, _ = make_profile(tenants.a.owner_actor, countries=["NL"])
    assert_error(
        api.request("PUT", f"/api/v1/numbers/{number.pk}", {"compliance_profile_id": wrong.public_id}),
        422,
        "compliance_profile_mismatch",
    )
    response = api.request("PUT", f"/api/v1/numbers/{number.pk}", {"provider_bundle_id": profile.public_id})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["compliance_profile_id"] == profile.public_id
    assert response.json()["data"]["status"] == "provisioning"
    services.number_provision(number_id=number.pk)
    assert Number.objects.get(pk=number.pk).status == "active"
    assert "regulatory.approved" in event_types(number)
    detached = api.request("PUT", f"/api/v1/numbers/{number.pk}", {"compliance_profile_id": None})
    assert detached.json()["data"]["compliance_profile_id"] is None


def test_a_number_held_too_long_is_released_and_refunded_once(tenants, stock):
    number = buy(tenants, DE_BERLIN[3], client=tenants.x).numbers.get()
    services.number_provision(number_id=number.pk)
    wallet = ledger.wallet_for(tenants.a.account)
    assert wallet.balance == Decimal("98.0000")
    Number.objects.filter(pk=number.pk).update(
        regulatory_held_at=timezone.now() - timedelta(days=settings.REGULATORY_HOLD_DAYS, minutes=1)
    )
    assert regulatory_sweep_task.apply().get() == {"profiles_expired": 0, "numbers_released": 1}
    assert regulatory_sweep_task.apply().get() == {"profiles_expired": 0, "numbers_released": 0}
    number.refresh_from_db()
    assert number.status == "released"
    wallet.refresh_from_db()
    assert wallet.balance == Decimal("100.0000") == ledger.entries_total(wallet)
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.reference_id == number.public_id and refund.client_id == tenants.x.pk
    assert "number.released" in event_types(number)
    number_carrier_release_task.apply(args=[number.pk])
    assert AvailableNumber.objects.get(e164=DE_BERLIN[3]).status == "available"


def test_a_number_held_less_than_the_limit_stays(tenants, stock):
    number = buy(tenants, DE_BERLIN[3]).numbers.get()
    services.number_provision(number_id=number.pk)
    Number.objects.filter(pk=number.pk).update(
        regulatory_held_at=timezone.now() - timedelta(days=settings.REGULATORY_HOLD_DAYS - 1)
    )
    assert regulatory.regulatory_sweep()["numbers_released"] == 0
    assert Number.objects.get(pk=number.pk).status == "pending_regulatory"


def test_approvals_expire_and_an_expired_profile_cannot_be_used(tenants, stock, staff_actor):
    profile, _ = make_profile(tenants.a.owner_actor, submit=True)
    regulatory.profile_approve(actor=staff_actor, profile=profile)
    ComplianceProfile.objects.filter(pk=profile.pk).update(expires_at=timezone.localdate() - timedelta(days=1))
    assert regulatory.regulatory_sweep()["profiles_expired"] == 1
    assert ComplianceProfile.objects.get(pk=profile.pk).status == "expired"
    with pytest.raises(regulatory.ComplianceProfileMismatch):
        buy(tenants, DE_BERLIN[0], compliance_profile_id=profile.pk)


# --- Files --------------------------------------------------------------------------------------


BAD_FILES = {
    "text file": ("notes.txt", b"just some text", "text/plain", "unsupported_file_type"),
    "executable renamed": ("scan.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "application/pdf", "unsupported_file_type"),
    "PNG named .pdf": ("scan.pdf", PNG, "application/pdf", "file_type_mismatch"),
    "PDF declared as PNG": ("scan.pdf", PDF, "image/png", "file_type_mismatch"),
    "PDF named .png": ("scan.png", PDF, "application/pdf", "file_type_mismatch"),
    "JPEG named .png": ("scan.png", JPEG, "image/png", "file_type_mismatch"),
    "empty": ("scan.pdf", b"", "application/pdf", "unsupported_file_type"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_files_are_refused_with_422_and_nothing_is_stored(tenants, stock, api_as, documents_dir, case):
    name, content, content_type, code = BAD_FILES[case]
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    api = api_as(tenants.a.key)
    good = pdf("registration.pdf")
    bad = SimpleUploadedFile(name, content, content_type=content_type)
    response = multipart(
        api, f"/api/v1/compliance-profiles/{profile.public_id}/documents", {"company_registration": good,
                                                                             "proof_of_address": bad}
    )  # fmt: skip
    error = assert_error(response, 422, code)
    assert "proof_of_address" in error["fields"]
    assert ComplianceDocument.objects.count() == 0
    assert stored_files(documents_dir) == []


def test_a_file_over_20_mb_is_refused_and_not_stored(tenants, stock, api_as, documents_dir):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (20 * 1024 * 1024), content_type="application/pdf")
    response = multipart(api_as(tenants.a.key), f"/api/v1/compliance-profiles/{profile.pk}/documents",
                         {"file": big, "document_type": "proof_of_address"})  # fmt: skip
    assert_error(response, 422, "file_too_large")
    assert ComplianceDocument.objects.count() == 0 and stored_files(documents_dir) == []


def test_good_files_of_each_kind_are_stored_privately(tenants, stock, api_as, documents_dir):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    response = multipart(
        api_as(tenants.a.key),
        f"/api/v1/compliance-profiles/{profile.pk}/documents",
        {
            "company_registration": pdf("Handelsregister.PDF"),
            "proof_of_address": SimpleUploadedFile("bill.jpeg", JPEG, content_type="image/jpeg"),
            "other": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert {d["document_type"] for d in data["documents"]} == {"company_registration", "proof_of_address", "other"}
    assert data["missing_documents"] == []
    files = stored_files(documents_dir)
    assert len(files) == 3
    for document in ComplianceDocument.objects.all():
        path = Path(document.file.path)
        assert path.is_relative_to(documents_dir) and "Handelsregister" not in path.name
        assert not path.is_relative_to(settings.STATIC_ROOT)
        with pytest.raises(ValueError):
            document.file.url  # noqa: B018 (no public URL exists)
    assert ComplianceDocument.objects.get(document_type="proof_of_address").content_type == "image/jpeg"


def test_deleting_a_draft_profile_removes_its_files(tenants, stock, api_as, documents_dir):
    profile, _ = make_profile(tenants.a.owner_actor)
    assert len(stored_files(documents_dir)) == 2
    with_callbacks = api_as(tenants.a.key).delete(f"/api/v1/compliance-profiles/{profile.public_id}")
    assert with_callbacks.status_code == 204
    assert not ComplianceProfile.objects.exists() and not ComplianceDocument.objects.exists()


def test_deleting_a_draft_profile_deletes_the_files_after_commit(tenants, stock, documents_dir,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    profile, _ = make_profile(tenants.a.owner_actor)
    with django_capture_on_commit_callbacks(execute=True):
        regulatory.profile_delete(actor=tenants.a.owner_actor, profile=profile)
    assert stored_files(documents_dir) == []


# --- Who may read documents ------------------------------------------------------------------------


def test_documents_are_downloadable_only_by_their_owners_and_staff(tenants, stock, api_as, client, django_user_model):
    from tests.numbers.conftest import login

    profile, document = make_profile(tenants.a.owner_actor, client=tenants.x)
    url = f"/numbers/documents/{document.pk}/"
    owner = login("owner@alpha.test")
    response = owner.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == (
        Path(document.file.path).read_bytes()
    )
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert login(tenants.x_admin_email).get(url).status_code == 200  # the owning client's admin
    assert login(tenants.y_admin_email).get(url).status_code == 404  # another client of the same reseller
    assert login("owner@bravo.test").get(url).status_code == 404  # another reseller
    assert client.get(url).status_code == 302  # not logged in: to the login page
    staff = django_user_model.objects.create_superuser("review@didfarm.test", "pw-for-staff-1")
    client.force_login(staff)
    assert client.get(url).status_code == 200
    # the API: the owning account and client, nobody else
    api_url = f"/api/v1/compliance-profiles/{profile.public_id}/documents/{document.public_id}"
    assert api_as(tenants.a.key).get(api_url).status_code == 200
    assert api_as(tenants.x_key).get(api_url).status_code == 200
    assert_error(api_as(tenants.b.key).get(api_url), 404, "not_found")
    assert_error(api_as(tenants.b.key).get(f"/api/v1/compliance-profiles/{profile.pk}"), 404, "not_found")


def test_a_client_key_never_sees_the_accounts_own_or_another_clients_profiles(tenants, stock, api_as):
    own, _ = make_profile(tenants.a.owner_actor)
    ys, _ = make_profile(tenants.a.owner_actor, client=tenants.y)
    xs, _ = make_profile(tenants.a.owner_actor, client=tenants.x)
    api = api_as(tenants.x_key)
    assert [p["id"] for p in api.get("/api/v1/compliance-profiles").json()["data"]] == [xs.public_id]
    for other in (own, ys):
        assert_error(api.get(f"/api/v1/compliance-profiles/{other.public_id}"), 404, "not_found")
        assert_error(api.request("PUT", f"/api/v1/compliance-profiles/{other.pk}", {"name": "X"}), 404, "not_found")
    created = api.post("/api/v1/compliance-profiles", dict(PROFILE_FIELDS, countries=["DE"], number_types=["local"]))
    assert created.status_code == 201 and created.json()["data"]["client_id"] == tenants.x.pk


# --- The API contract --------------------------------------------------------------------------------


def test_profile_crud_over_the_api(tenants, stock, api_as, staff_actor):
    api = api_as(tenants.a.key)
    body = dict(PROFILE_FIELDS, countries=["de"], number_types=["local"], client_id=f"cli_{tenants.x.pk}")
    created = api.post("/api/v1/compliance-profiles", body, headers={"Idempotency-Key": "profile-1"})
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    assert data["id"].startswith("cpr_") and data["status"] == "draft" and data["countries"] == ["DE"]
    assert data["client_id"] == tenants.x.pk and data["address"]["city"] == "Berlin"
    assert data["required_documents"] == ["company_registration", "proof_of_address"]
    assert data["missing_documents"] == data["required_documents"]
    replay = api.post("/api/v1/compliance-profiles", body, headers={"Idempotency-Key": "profile-1"})
    assert replay.json() == created.json() and ComplianceProfile.objects.count() == 1

    path = f"/api/v1/compliance-profiles/{data['id']}"
    changed = api.request("PUT", path, {"name": "Xylo Dental Berlin GmbH", "number_types": ["local", "mobile"]})
    assert changed.status_code == 200 and changed.json()["data"]["number_types"] == ["local", "mobile"]
    assert_error(api.post(f"{path}/submit"), 422, "documents_missing")
    multipart(api, f"{path}/documents", {"company_registration": pdf("a.pdf"), "proof_of_address": pdf("b.pdf")})
    submitted = api.post(f"{path}/submit")
    assert submitted.status_code == 200 and submitted.json()["data"]["status"] == "submitted"
    assert_error(api.request("PUT", path, {"name": "Too late"}), 422, "invalid_state")
    assert_error(api.delete(path), 422, "invalid_state")
    assert api.get("/api/v1/compliance-profiles?status=submitted").json()["meta"]["total"] == 1
    assert api.get("/api/v1/compliance-profiles?status=draft").json()["meta"]["total"] == 0


@pytest.mark.parametrize(
    "body,field",
    [
        ({"countries": ["DE"], "number_types": ["local"]}, "name"),
        ({**PROFILE_FIELDS, "countries": ["ZZ"], "number_types": ["local"]}, "countries"),
        ({**PROFILE_FIELDS, "countries": [], "number_types": ["local"]}, "countries"),
        ({**PROFILE_FIELDS, "countries": ["DE"], "number_types": ["landline"]}, "number_types"),
        (
            {**PROFILE_FIELDS, "address_country": "XX", "countries": ["DE"], "number_types": ["local"]},
            "address_country",
        ),
        ({**PROFILE_FIELDS, "end_user_type": "robot", "countries": ["DE"], "number_types": ["local"]}, "end_user_type"),
        ({**PROFILE_FIELDS, "countries": ["DE"], "number_types": ["local"], "colour": "red"}, "colour"),
    ],
)
def test_profile_validation_errors_name_the_field_and_write_nothing(tenants, stock, api_as, body, field):
    error = assert_error(api_as(tenants.a.key).post("/api/v1/compliance-profiles", body), 422, "validation_error")
    assert field in error["fields"]
    assert not ComplianceProfile.objects.exists()


def test_api_contract_errors_for_documents(tenants, stock, api_as):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    api = api_as(tenants.a.key)
    path = f"/api/v1/compliance-profiles/{profile.pk}/documents"
    assert_error(multipart(api, path, {"passport": pdf()}), 422, "validation_error")  # unknown field
    assert_error(multipart(api, path, {"file": pdf()}), 422, "validation_error")  # no document_type
    assert_error(multipart(api, path, {"file": pdf(), "document_type": "selfie"}), 422, "validation_error")
    assert_error(multipart(api, path, {}), 422, "validation_error")  # nothing sent
    assert_error(api.post(path, {"file": "not a file"}), 415, "unsupported_media_type")
    assert_error(multipart(api, "/api/v1/compliance-profiles/cpr_999999/documents", {"other": pdf()}), 404, "not_found")
    assert_error(api.get(f"/api/v1/compliance-profiles/{profile.pk}/documents/doc_999999"), 404, "not_found")
    assert ComplianceDocument.objects.count() == 0


def test_regulatory_submit_for_a_waiting_number_makes_and_submits_a_profile(tenants, stock, api_as, staff_actor):
    number = buy(tenants, DE_BERLIN[4], client=tenants.x).numbers.get()
    services.number_provision(number_id=number.pk)
    api = api_as(tenants.x_key)  # the client's own integration sends the documents
    details = {k: v for k, v in PROFILE_FIELDS.items()}
    for path in ("/api/regulatory/submit", "/api/v1/regulatory/submit"):
        missing = multipart(api, path, {"number_id": number.public_id, "proof_of_address": pdf(), **details})
        assert_error(missing, 422, "documents_missing")
    assert not ComplianceProfile.objects.exists() and not ComplianceDocument.objects.exists()
    response = multipart(
        api,
        "/api/regulatory/submit",
        {
            "number_id": number.e164,
            "proof_of_address": pdf("bill.pdf"),
            "company_registration": pdf("hr.pdf"),
            **details,
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["status"] == "submitted" and data["countries"] == ["DE"] and data["number_types"] == ["local"]
    assert data["client_id"] == tenants.x.pk and data["numbers_waiting"] == 1
    number.refresh_from_db()
    assert number.compliance_profile.public_id == data["id"]
    regulatory.profile_approve(actor=staff_actor, profile=number.compliance_profile)
    services.number_provision(number_id=number.pk)
    assert Number.objects.get(pk=number.pk).status == "active"


def test_regulatory_submit_for_a_profile_and_its_errors(tenants, stock, api_as):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    api = api_as(tenants.a.key)
    assert_error(multipart(api, "/api/v1/regulatory/submit", {"other": pdf()}), 422, "validation_error")
    assert_error(multipart(api, "/api/v1/regulatory/submit", {"provider_bundle_id": profile.public_id}), 422,
                 "validation_error")  # fmt: skip
    assert_error(
        multipart(api, "/api/v1/regulatory/submit", {"compliance_profile_id": "cpr_999999", "other": pdf()}),
        404,
        "not_found",
    )
    assert_error(
        multipart(api, "/api/v1/regulatory/submit", {"number_id": "num_999999", "other": pdf()}), 404, "not_found"
    )
    ok = multipart(
        api,
        "/api/v1/regulatory/submit",
        {"provider_bundle_id": profile.public_id, "company_registration": pdf(), "proof_of_address": pdf()},
    )
    assert ok.status_code == 201 and ok.json()["data"]["status"] == "submitted"
    again = multipart(api, "/api/v1/regulatory/submit", {"compliance_profile_id": profile.pk, "other": pdf()})
    assert_error(again, 422, "invalid_state")
    assert ComplianceDocument.objects.count() == 2


def test_the_requirements_endpoint(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    data = api.get("/api/v1/regulatory/requirements?country=de&number_type=local&end_user_type=person").json()["data"]
    assert [d["type"] for d in data["documents"]] == ["id_document", "proof_of_address"] and data["country"] == "DE"
    assert_error(api.get("/api/v1/regulatory/requirements?country=DE"), 422, "validation_error")


def test_a_read_only_key_cannot_upload(tenants, stock, api_as):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    response = multipart(api_as(tenants.a.read_only_key), f"/api/v1/compliance-profiles/{profile.pk}/documents",
                         {"other": pdf()})  # fmt: skip
    assert_error(response, 403, "forbidden")
    assert not ComplianceDocument.objects.exists()


def test_a_profile_cannot_be_changed_through_another_accounts_lookup(tenants, stock):
    from accounts.actor import system_actor

    theirs, _ = make_profile(system_actor(tenants.b.account))
    with pytest.raises(NotFound):
        regulatory.selectors.profile_get(actor=tenants.a.owner_actor, profile_id=theirs.pk)


def test_a_plain_number_bought_with_a_profile_keeps_it_when_covered(tenants, stock):
    profile, _ = make_profile(tenants.a.owner_actor, countries=["GB"], number_types=["local"])
    number = buy(tenants, GB_LONDON[0], compliance_profile_id=profile.pk).numbers.get()
    assert number.compliance_profile_id == profile.pk
    services.number_provision(number_id=number.pk)
    assert Number.objects.get(pk=number.pk).status == "active"


def test_decisions_are_emailed_to_the_owners_and_the_clients_admins(
    tenants, stock, staff_actor, mailoutbox, django_capture_on_commit_callbacks
):
    profile, _ = make_profile(tenants.a.owner_actor, client=tenants.x, submit=True)
    with django_capture_on_commit_callbacks() as callbacks:
        regulatory.profile_reject(actor=staff_actor, profile=profile, reason="The scan is cut off.")
    assert any("_notify_on_commit" in c.__qualname__ for c in callbacks)  # the notice goes out after commit
    assert regulatory.profile_decision_notify(profile_id=profile.pk) == 2
    mail = mailoutbox[-1]
    assert sorted(mail.to) == ["admin@xylo.test", "owner@alpha.test"]
    assert "The scan is cut off." in mail.body and f"/numbers/compliance/{profile.pk}/" in mail.body
    draft, _ = make_profile(tenants.a.owner_actor)
    assert regulatory.profile_decision_notify(profile_id=draft.pk) == 0  # nothing decided: nothing to say
