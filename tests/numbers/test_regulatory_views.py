"""The Compliance and Porting pages, the banner on numbers waiting for documents, the checkout's profile
choice, and the staff review in the admin."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.actor import system_actor
from accounts.models import AuditLog
from numbers_app import services
from numbers_app.models import ComplianceDocument, ComplianceProfile, Number, PortRequest
from numbers_app.porting import services as porting
from numbers_app.regulatory import services as regulatory
from tests.numbers.conftest import DE_BERLIN, login
from tests.numbers.regulatory_fixtures import PNG, PROFILE_FIELDS, make_port, make_profile, next_port_number, pdf
from tests.numbers.test_views import confirm, set_cart

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path / "documents"


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser("reviewer@didfarm.test", "pw-for-staff-1")
    client.force_login(staff)
    return client


def form_data(**extra):
    data = dict(PROFILE_FIELDS, countries=["DE"], number_types=["local"])
    data.pop("address_country")
    return data | {"address_country": "DE"} | extra


# --- Compliance pages ------------------------------------------------------------------------------


def test_the_compliance_page_lists_profiles_with_status_and_reasons(tenants, stock, owner, staff_actor):
    rejected, _ = make_profile(tenants.a.owner_actor, submit=True)
    regulatory.profile_reject(actor=staff_actor, profile=rejected, reason="Scan unreadable.")
    make_profile(tenants.a.owner_actor, client=tenants.x)
    response = owner.get("/numbers/compliance/")
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-profile-status="rejected"' in content and "Scan unreadable." in content
    assert 'data-profile-status="draft"' in content and "Xylo Dental" in content
    assert 'href="/numbers/compliance/"' in content and 'href="/numbers/porting/"' in content  # navigation


def test_creating_uploading_and_submitting_a_profile_from_the_pages(tenants, stock, owner):
    created = owner.post("/numbers/compliance/", form_data(client=str(tenants.x.pk)))
    profile = ComplianceProfile.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/numbers/compliance/{profile.pk}/"
    assert profile.client == tenants.x and profile.countries == ["DE"] and profile.status == "draft"
    page = owner.get(f"/numbers/compliance/{profile.pk}/").content.decode()
    assert "Upload a document" in page and 'hx-encoding="multipart/form-data"' in page and "<progress" in page
    assert "Submit for review" not in page  # documents still missing

    upload = f"/numbers/compliance/{profile.pk}/upload/"
    one = owner.post(upload, {"document_type": "company_registration", "file": pdf("hr.pdf")}, headers=HTMX)
    assert one.status_code == 200 and "hr.pdf" in one.content.decode()
    two = owner.post(upload, {"document_type": "proof_of_address", "file": pdf("bill.pdf")}, headers=HTMX)
    assert "Submit for review" in two.content.decode()
    submitted = owner.post(f"/numbers/compliance/{profile.pk}/submit/", headers=HTMX)
    assert 'data-profile-status="submitted"' in submitted.content.decode()
    assert ComplianceProfile.objects.get().status == "submitted"
    assert "Upload a document" not in owner.get(f"/numbers/compliance/{profile.pk}/").content.decode()


def test_a_bad_upload_from_the_page_says_why_and_stores_nothing(tenants, stock, owner, settings):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    bad = SimpleUploadedFile("scan.pdf", PNG, content_type="application/pdf")
    response = owner.post(
        f"/numbers/compliance/{profile.pk}/upload/", {"document_type": "proof_of_address", "file": bad}, headers=HTMX
    )
    assert response.status_code == 200
    assert "must agree" in response.content.decode()
    assert not ComplianceDocument.objects.exists()
    assert not (settings.REGULATORY_DOCUMENTS_DIR.exists() and any(settings.REGULATORY_DOCUMENTS_DIR.rglob("*.*")))


def test_profile_form_errors_are_shown_and_nothing_is_created(tenants, stock, owner):
    response = owner.post("/numbers/compliance/", form_data(name=""), headers=HTMX)
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = owner.post("/numbers/compliance/", form_data(address_country="XX"), headers=HTMX)
    assert response.status_code == 200 and "two-letter ISO" in response.content.decode()
    assert not ComplianceProfile.objects.exists()


def test_client_admins_manage_only_their_own_clients_profiles(tenants, stock):
    xs, document = make_profile(tenants.a.owner_actor, client=tenants.x)
    ys, _ = make_profile(tenants.a.owner_actor, client=tenants.y)
    x_admin = login(tenants.x_admin_email)
    listing = x_admin.get("/numbers/compliance/").content.decode()
    assert f'data-profile="{xs.public_id}"' in listing and f'data-profile="{ys.public_id}"' not in listing
    assert x_admin.get(f"/numbers/compliance/{ys.pk}/").status_code == 404
    assert (
        x_admin.post(f"/numbers/compliance/{ys.pk}/upload/", {"document_type": "other", "file": pdf()}).status_code
        == 404
    )
    assert x_admin.post(f"/numbers/compliance/{ys.pk}/delete/").status_code == 404
    assert x_admin.post(f"/numbers/compliance/{ys.pk}/submit/").status_code == 404
    assert ComplianceProfile.objects.filter(pk=ys.pk).exists()
    # their own: create (always for their client), upload, submit
    created = x_admin.post("/numbers/compliance/", form_data(client=str(tenants.y.pk)))
    assert created.status_code == 302
    assert ComplianceProfile.objects.order_by("-pk").first().client == tenants.x
    response = x_admin.post(f"/numbers/compliance/{xs.pk}/submit/")
    assert response.status_code == 302 and ComplianceProfile.objects.get(pk=xs.pk).status == "submitted"


def test_deleting_a_profile_asks_first_and_removes_it(tenants, stock, owner):
    profile, _ = make_profile(tenants.a.owner_actor)
    page = owner.get(f"/numbers/compliance/{profile.pk}/").content.decode()
    assert 'data-confirm="Delete the profile of' in page
    response = owner.post(f"/numbers/compliance/{profile.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/numbers/compliance/"
    assert not ComplianceProfile.objects.exists()


# --- Numbers waiting for documents -------------------------------------------------------------------


def test_a_waiting_number_shows_a_banner_with_a_way_to_fix_it(tenants, stock, owner, staff_actor):
    number = services.number_purchase(actor=tenants.a.owner_actor, numbers=[DE_BERLIN[0]], client=tenants.x)
    number = number.numbers.get()
    services.number_provision(number_id=number.pk)
    page = owner.get(f"/numbers/mine/{number.pk}/").content.decode()
    assert 'data-testid="regulatory-banner"' in page
    assert f"/numbers/compliance/?new=1&amp;countries=DE&amp;number_types=local&amp;client={tenants.x.pk}" in page
    assert "released and everything it cost is refunded" in page
    row = owner.get("/numbers/mine/").content.decode()
    assert 'data-testid="documents-needed"' in row and f"/numbers/mine/{number.pk}/#regulatory" in row
    prefilled = owner.get(f"/numbers/compliance/?new=1&countries=DE&number_types=local&client={tenants.x.pk}")
    form = prefilled.context["form"]
    assert form.initial["countries"] == ["DE"] and form.initial["client"] == str(tenants.x.pk)

    profile, _ = make_profile(tenants.a.owner_actor, client=tenants.x, submit=True)
    regulatory.profile_approve(actor=staff_actor, profile=profile)
    page = owner.get(f"/numbers/mine/{number.pk}/").content.decode()
    assert "Or use an existing profile" in page
    attached = owner.post(f"/numbers/mine/{number.pk}/compliance/", {"compliance_profile": profile.pk}, headers=HTMX)
    assert attached.status_code == 200 and "Compliance profile attached." in attached.content.decode()
    number.refresh_from_db()
    assert number.compliance_profile == profile and number.status == "provisioning"
    services.number_provision(number_id=number.pk)
    assert 'data-testid="regulatory-banner"' not in owner.get(f"/numbers/mine/{number.pk}/").content.decode()


def test_the_banner_names_a_rejected_profile_and_links_to_it(tenants, stock, owner, staff_actor):
    profile, _ = make_profile(tenants.a.owner_actor, submit=True)
    order = services.number_purchase(
        actor=tenants.a.owner_actor, numbers=[DE_BERLIN[1]], compliance_profile_id=profile.pk
    )
    number = order.numbers.get()
    services.number_provision(number_id=number.pk)
    regulatory.profile_reject(actor=staff_actor, profile=profile, reason="Name does not match the registry.")
    page = owner.get(f"/numbers/mine/{number.pk}/").content.decode()
    assert "Name does not match the registry." in page and "Fix the profile and submit it again" in page


def test_the_checkout_offers_profiles_for_numbers_that_need_documents(tenants, stock, owner, staff_actor):
    profile, _ = make_profile(tenants.a.owner_actor, submit=True)
    regulatory.profile_approve(actor=staff_actor, profile=profile)
    set_cart(owner, [DE_BERLIN[2]])
    token = confirm(owner)
    page = owner.get("/numbers/checkout/").content.decode()
    assert 'name="compliance_profile"' in page and f'value="{profile.pk}"' in page
    response = owner.post(
        "/numbers/checkout/",
        {"token": token, "billing_cycle": "monthly", "client": "", "compliance_profile": str(profile.pk)},
    )
    assert response.status_code == 302
    number = Number.objects.get(e164=DE_BERLIN[2])
    assert number.compliance_profile == profile
    services.number_provision(number_id=number.pk)
    assert Number.objects.get(pk=number.pk).status == "active"


# --- Staff review in the admin -------------------------------------------------------------------


def test_the_admin_queue_shows_submitted_profiles_with_their_documents(tenants, stock, staff_client):
    waiting, document = make_profile(tenants.a.owner_actor, submit=True)
    draft, _ = make_profile(tenants.a.owner_actor)
    queue = staff_client.get("/admin/numbers/complianceprofile/")
    assert queue.status_code == 200
    rows = list(queue.context["cl"].result_list)
    assert rows == [waiting]
    everything = staff_client.get("/admin/numbers/complianceprofile/?queue=all")
    assert set(everything.context["cl"].result_list) == {waiting, draft}
    change = staff_client.get(f"/admin/numbers/complianceprofile/{waiting.pk}/change/").content.decode()
    assert f"/numbers/documents/{document.pk}/?inline=1" in change
    assert f"/admin/numbers/complianceprofile/{waiting.pk}/approve/" in change
    assert f"/admin/numbers/complianceprofile/{waiting.pk}/reject/" in change
    viewed = staff_client.get(f"/numbers/documents/{document.pk}/?inline=1")
    assert viewed.status_code == 200 and "inline" in viewed["Content-Disposition"]


def test_staff_approve_and_reject_from_the_buttons_with_an_audit_row_each(tenants, stock, staff_client):
    first, _ = make_profile(tenants.a.owner_actor, submit=True)
    second, _ = make_profile(tenants.a.owner_actor, submit=True)
    assert staff_client.get(f"/admin/numbers/complianceprofile/{first.pk}/approve/").status_code == 200
    staff_client.post(f"/admin/numbers/complianceprofile/{first.pk}/approve/")
    assert ComplianceProfile.objects.get(pk=first.pk).status == "approved"
    refused = staff_client.post(f"/admin/numbers/complianceprofile/{second.pk}/reject/", {"reason": ""})
    assert refused.status_code == 200 and ComplianceProfile.objects.get(pk=second.pk).status == "submitted"
    staff_client.post(f"/admin/numbers/complianceprofile/{second.pk}/reject/", {"reason": "Expired ID card."})
    second.refresh_from_db()
    assert second.status == "rejected" and second.rejection_reason == "Expired ID card."
    audits = AuditLog.objects.filter(action__in=["compliance_profile.approved", "compliance_profile.rejected"])
    assert sorted(a.action for a in audits) == ["compliance_profile.approved", "compliance_profile.rejected"]
    assert {a.actor_label for a in audits} == {"reviewer@didfarm.test"}
    assert {a.account_id for a in audits} == {tenants.a.account.pk}


def test_staff_approve_and_reject_in_bulk_from_the_queue(tenants, stock, staff_client):
    one, _ = make_profile(tenants.a.owner_actor, submit=True)
    two, _ = make_profile(system_actor(tenants.b.account), submit=True)
    three, _ = make_profile(tenants.a.owner_actor, submit=True)
    staff_client.post("/admin/numbers/complianceprofile/", {"action": "approve_selected", "_selected_action": [one.pk]})
    assert ComplianceProfile.objects.get(pk=one.pk).status == "approved"
    asked = staff_client.post(
        "/admin/numbers/complianceprofile/", {"action": "reject_selected", "_selected_action": [two.pk, three.pk]}
    )
    assert asked.status_code == 200 and "Reject compliance profiles" in asked.content.decode()
    assert ComplianceProfile.objects.get(pk=two.pk).status == "submitted"
    staff_client.post(
        "/admin/numbers/complianceprofile/",
        {"action": "reject_selected", "_selected_action": [two.pk, three.pk], "reason": "Documents unreadable."},
    )
    assert set(ComplianceProfile.objects.filter(status="rejected").values_list("pk", flat=True)) == {two.pk, three.pk}
    assert AuditLog.objects.filter(action="compliance_profile.rejected").count() == 2


def test_people_without_staff_rights_cannot_reach_the_review(tenants, stock, owner):
    profile, _ = make_profile(tenants.a.owner_actor, submit=True)
    response = owner.post(f"/admin/numbers/complianceprofile/{profile.pk}/approve/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert ComplianceProfile.objects.get(pk=profile.pk).status == "submitted"


# --- Porting pages -------------------------------------------------------------------------------


def test_requesting_a_port_through_the_wizard(tenants, stock, owner):
    number = next_port_number()
    step1 = owner.post("/numbers/porting/new/", {"step": "1", "numbers": "0612 bad", "billing_cycle": "monthly"})
    assert step1.context["step"] == 1 and "international format" in step1.content.decode()
    step2 = owner.post(
        "/numbers/porting/new/",
        {"step": "1", "numbers": number, "client": str(tenants.x.pk), "billing_cycle": "monthly"},
        headers=HTMX,
    )
    assert step2.context["step"] == 2 and 'name="current_carrier"' in step2.content.decode()
    details = {"current_carrier": "KPN", "authorization_name": "Jan de Vries", "account_number": "K-9", "pin": "1234"}
    common = {"numbers": number, "client": str(tenants.x.pk), "billing_cycle": "monthly", **details}
    incomplete = owner.post("/numbers/porting/new/", {**common, "step": "2", "current_carrier": ""}, headers=HTMX)
    assert incomplete.context["step"] == 2
    step3 = owner.post("/numbers/porting/new/", {**common, "step": "2", "compliance_profile": ""}, headers=HTMX)
    content = step3.content.decode()
    assert step3.context["step"] == 3 and 'name="letter_of_authorization"' in content and "<progress" in content
    back = owner.post("/numbers/porting/new/", {**common, "step": "3", "back": "2"}, headers=HTMX)
    assert back.context["step"] == 2 and back.context["details_form"]["current_carrier"].value() == "KPN"
    done = owner.post(
        "/numbers/porting/new/",
        {**common, "step": "3", "compliance_profile": "", "letter_of_authorization": pdf("loa.pdf"),
         "bill": SimpleUploadedFile("bill.png", PNG, content_type="image/png")},
    )  # fmt: skip
    port = PortRequest.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/numbers/porting/{port.pk}/"
    assert port.numbers == [number] and port.client == tenants.x and port.pin == "1234" and port.status == "pending"
    assert set(port.documents.values_list("document_type", flat=True)) == {"letter_of_authorization", "bill"}
    detail = owner.get(done["Location"]).content.decode()
    assert 'data-testid="timeline"' in detail and "Sent to KPN for release" in detail
    assert 'data-confirm="Cancel port request' in detail


def test_a_port_page_shows_the_account_number_masked_and_never_the_pin(tenants, stock, owner):
    port = make_port(tenants.a.owner_actor, account_number="NL-ACCT-889977", pin="PIN-5521")
    page = owner.get(f"/numbers/porting/{port.pk}/").content.decode()
    assert 'data-testid="account-number">**********9977<' in page
    assert "NL-ACCT-889977" not in page and "PIN-5521" not in page


def test_a_bad_document_in_the_last_step_keeps_the_wizard_and_stores_nothing(tenants, stock, owner):
    common = {"numbers": next_port_number(), "billing_cycle": "monthly", "current_carrier": "KPN",
              "authorization_name": "Jan", "step": "3"}  # fmt: skip
    bad = SimpleUploadedFile("loa.pdf", PNG, content_type="application/pdf")
    response = owner.post("/numbers/porting/new/", {**common, "letter_of_authorization": bad}, headers=HTMX)
    assert response.context["step"] == 3 and "must agree" in response.content.decode()
    assert not PortRequest.objects.exists() and not ComplianceDocument.objects.exists()


def test_cancelling_a_port_from_its_page(tenants, stock, owner):
    port = make_port(tenants.a.owner_actor)
    response = owner.post(f"/numbers/porting/{port.pk}/cancel/", headers=HTMX)
    assert 'data-port-status="cancelled"' in response.content.decode()
    assert PortRequest.objects.get().status == "cancelled"


def test_client_admins_see_their_ports_only_and_cannot_request_or_cancel(tenants, stock):
    xs = make_port(tenants.a.owner_actor, client=tenants.x)
    ys = make_port(tenants.a.owner_actor, client=tenants.y)
    x_admin = login(tenants.x_admin_email)
    listing = x_admin.get("/numbers/porting/").content.decode()
    assert f'data-port="{xs.public_id}"' in listing and f'data-port="{ys.public_id}"' not in listing
    assert "Request a port" not in listing
    assert x_admin.get(f"/numbers/porting/{xs.pk}/").status_code == 200
    assert x_admin.get(f"/numbers/porting/{ys.pk}/").status_code == 404
    assert x_admin.get("/numbers/porting/new/").status_code == 403
    x_admin.post(f"/numbers/porting/{xs.pk}/cancel/")
    assert PortRequest.objects.get(pk=xs.pk).status == "pending"
    assert login("owner@bravo.test").get(f"/numbers/porting/{xs.pk}/").status_code == 404


def test_uploading_to_a_port_from_its_page(tenants, stock, owner):
    port = make_port(tenants.a.owner_actor)
    response = owner.post(f"/numbers/porting/{port.pk}/upload/", {"document_type": "bill", "file": pdf("bill.pdf")},
                          headers=HTMX)  # fmt: skip
    assert "bill.pdf" in response.content.decode()
    porting.port_schedule(actor=tenants.a.owner_actor, port=port, at=port.created_at)
    refused = owner.post(f"/numbers/porting/{port.pk}/upload/", {"document_type": "bill", "file": pdf("late.pdf")},
                         headers=HTMX)  # fmt: skip
    assert "not once it is scheduled" in refused.content.decode()
    assert port.documents.count() == 2
