"""Compliance documents and porting in a real browser: a profile filled in, two documents uploaded as real
files (the progress bar follows each upload), submitted for review; a port requested through the
three-step wizard with its letter of authorization, then cancelled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from numbers_app.models import ComplianceDocument, ComplianceProfile, PortRequest
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_buy_numbers_browser import settled
from tests.numbers.conftest import stock  # noqa: F401 (the fixture, used below)
from tests.numbers.regulatory_fixtures import JPEG, PDF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]

# Records what the upload bar shows at each progress report htmx gives (portal.js updates it first).
WATCH_PROGRESS = """() => {
  window.progressSeen = [];
  document.addEventListener("htmx:xhr:progress", (event) => {
    const bar = event.target.querySelector("progress.upload-progress");
    if (bar) window.progressSeen.push({hidden: bar.hidden, value: bar.value});
  });
}"""


@pytest.fixture
def documents_dir(settings, tmp_path):
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.REGULATORY_DOCUMENTS_DIR


def test_fill_a_profile_upload_documents_with_progress_and_submit_it(
    browser_page, live_server, screenshot, tenants, documents_dir, tmp_path
):
    page = browser_page
    registration = tmp_path / "Handelsregisterauszug.pdf"
    registration.write_bytes(PDF + b"%" * (3 * 1024 * 1024))  # 3 MB: the upload reports progress on the way
    bill = tmp_path / "electricity-bill.jpg"
    bill.write_bytes(JPEG + b"\x00" * 200_000)

    log_in(page, live_server, "owner@alpha.test", PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="Compliance").click()
    page.wait_for_url("**/numbers/compliance/")
    expect(page.get_by_test_id("no-profiles")).to_be_visible()

    form = page.locator("form.profile-form")
    form.get_by_label("For client").select_option(label="Xylo Dental")
    form.get_by_label("Business").check()
    form.get_by_label("Name (person or company)").fill("Xylo Dental GmbH")
    form.get_by_label("Company registration number").fill("HRB 12345")
    form.get_by_label("Street and number").fill("Friedrichstraße 1")
    form.get_by_label("Postal code").fill("10117")
    form.get_by_label("City").fill("Berlin")
    form.get_by_label("Country of the address").fill("DE")
    form.get_by_label("Countries covered").select_option(["DE"])
    form.get_by_label("Local").check()
    screenshot("compliance-01-new-profile")
    form.get_by_role("button", name="Create profile").click()
    page.wait_for_url(re.compile(r".*/numbers/compliance/\d+/$"))
    profile = ComplianceProfile.objects.get()
    expect(page.locator("h1 [data-profile-status]")).to_have_text("Draft")
    expect(page.get_by_test_id("checklist").locator("li.todo")).to_have_count(2)

    page.evaluate(WATCH_PROGRESS)
    upload = page.locator("form.upload-form")
    upload.get_by_label("Document").select_option("company_registration")
    upload.get_by_label("File").set_input_files(str(registration))
    upload.get_by_role("button", name="Upload").click()
    expect(page.locator("table.documents")).to_contain_text("Handelsregisterauszug.pdf")
    seen = page.evaluate("window.progressSeen")  # shown while the file travelled, up to complete
    assert seen and all(not report["hidden"] for report in seen)
    assert max(report["value"] for report in seen) == 100
    expect(page.get_by_test_id("checklist").locator("li.done")).to_have_count(1)
    settled(page)

    upload = page.locator("form.upload-form")
    upload.get_by_label("Document").select_option("proof_of_address")
    upload.get_by_label("File").set_input_files(str(bill))
    upload.get_by_role("button", name="Upload").click()
    expect(page.locator("table.documents tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("checklist").locator("li.done")).to_have_count(2)
    settled(page)
    screenshot("compliance-02-documents")

    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("h1 [data-profile-status]")).to_have_text("In review")
    expect(page.locator("#profile-page .messages")).to_contain_text("Submitted for review")
    screenshot("compliance-03-submitted")

    profile.refresh_from_db()
    assert profile.status == "submitted" and profile.client == tenants.x
    documents = list(ComplianceDocument.objects.order_by("pk"))
    assert [d.document_type for d in documents] == ["company_registration", "proof_of_address"]
    assert documents[0].size == registration.stat().st_size and documents[1].content_type == "image/jpeg"
    assert all(documents_dir in Path(d.file.path).parents for d in documents)

    # The list shows it in review; the document opens only for its owners.
    page.get_by_role("navigation").get_by_role("link", name="Compliance").click()
    expect(page.locator(f'tr[data-profile="{profile.public_id}"] [data-profile-status]')).to_have_text("In review")
    assert page.js_errors == []


def test_request_a_port_through_the_wizard_then_cancel_it(browser_page, live_server, screenshot, tenants, tmp_path,
                                                          documents_dir):  # fmt: skip
    page = browser_page
    loa = tmp_path / "letter-of-authorization.pdf"
    loa.write_bytes(PDF + b"%" * 50_000)

    log_in(page, live_server, "owner@alpha.test", PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="Porting").click()
    page.wait_for_url("**/numbers/porting/")
    expect(page.get_by_test_id("no-ports")).to_be_visible()
    page.get_by_role("link", name="Request a port").first.click()
    page.wait_for_url("**/numbers/porting/new/")

    # Step 1: the numbers, checked at once.
    page.get_by_label("Numbers to port").fill("+44 20 7946 0555\n+44 123")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#port-wizard .errorlist")).to_contain_text("not a valid phone number")
    settled(page)
    page.get_by_label("Numbers to port").fill("+44 20 7946 0555\n+44 20 7946 0556")
    page.get_by_label("For client").select_option(label="Xylo Dental")
    screenshot("porting-01-numbers")
    page.get_by_role("button", name="Next").click()

    # Step 2: who has them now.
    expect(page.get_by_test_id("port-number")).to_have_count(2)
    settled(page)
    page.get_by_label("Current carrier").fill("Acme Telecom")
    page.get_by_label("Authorized person").fill("John Doe")
    page.get_by_label("Account number at that carrier").fill("ACC-12345")
    page.get_by_label("Account PIN").fill("4321")
    screenshot("porting-02-carrier")
    page.get_by_role("button", name="Next").click()

    # Step 3: the documents, then send.
    expect(page.get_by_label("Letter of authorization")).to_be_visible()
    settled(page)
    page.get_by_label("Letter of authorization").set_input_files(str(loa))
    screenshot("porting-03-documents")
    page.get_by_role("button", name="Send port request").click()
    page.wait_for_url(re.compile(r".*/numbers/porting/\d+/$"))
    port = PortRequest.objects.get()
    expect(page.locator("h1 [data-port-status]")).to_have_text("Pending")
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(3)  # submitted, pending, expected
    expect(page.locator("body")).to_contain_text("letter-of-authorization.pdf")
    screenshot("porting-04-detail")
    assert port.numbers == ["+442079460555", "+442079460556"] and port.client == tenants.x
    assert port.documents.get().document_type == "letter_of_authorization"

    # Cancel, after confirming.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Cancel port request").click()
    expect(page.locator("h1 [data-port-status]")).to_have_text("Cancelled")
    assert dialogs and "Cancel port request" in dialogs[0]
    assert PortRequest.objects.get().status == "cancelled"
    page.get_by_role("navigation").get_by_role("link", name="Porting").click()
    expect(page.locator(f'tr[data-port="{port.public_id}"] [data-port-status]')).to_have_text("Cancelled")
    assert page.js_errors == []
