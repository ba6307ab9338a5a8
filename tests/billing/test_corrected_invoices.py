"""Credit and re-issue: once an invoice is cancelled by a credit note, the reseller invoices the same client and
month again with a corrected invoice that names the one it replaces, numbered in the same gap-free series."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from lxml import etree

from accounts.actor import actor_from_membership
from accounts.models import AuditLog, Membership
from billing.invoices import invoice_credit, invoice_draft, invoice_issue, invoice_reissue, invoices_issue_month
from billing.invoicing.ubl import NS, snapshot_ubl
from billing.models import Invoice, InvoiceCounter
from portal.errors import InvalidState, PermissionDenied
from tests.billing.test_concurrency import run_together
from tests.billing.test_invoices import at
from tests.billing.test_legal_invoices import MARCH, bill_to, issue, march_invoice, pdf_text, tasks_in_place  # noqa: F401
from tests.conftest import assert_error
from tests.numbers.conftest import login, stock  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stock")]


def credited_march(tenants) -> tuple[Invoice, Invoice]:
    """X's March invoice (INV-2026-0001, issued on 2 April), cancelled by INV-CN-2026-0001 on 20 April."""
    invoice = issue(march_invoice(tenants))
    with at(2026, 4, 20):
        note = invoice_credit(actor=tenants.a.owner_actor, invoice_id=invoice.pk, reason="Wrong company name")
    return invoice, note


def test_the_corrected_invoice_takes_the_next_number_and_names_the_credited_invoice_everywhere(
    tenants, tasks_in_place, django_capture_on_commit_callbacks
):
    bill_to(tenants, tenants.x, legal_name="Xylo Dental")
    invoice, note = credited_march(tenants)
    y_invoice = issue(march_invoice(tenants, tenants.y, numbers=(2,)), when=(2026, 4, 3))  # INV-2026-0002
    as_issued = (invoice.number, invoice.snapshot, bytes(invoice.file.pdf), invoice.total_due)
    bill_to(tenants, tenants.x, legal_name="Xylo Dental Care B.V.")  # the mistake the credit note was for

    with at(2026, 4, 21):
        draft = invoice_reissue(actor=tenants.a.owner_actor, invoice_id=invoice.pk)
    assert (draft.status, draft.number, draft.replaces_id) == (Invoice.Status.DRAFT, "", invoice.pk)
    assert (draft.client_id, draft.period_start, draft.period_end) == (invoice.client_id, MARCH, invoice.period_end)
    assert (draft.total, draft.line_count) == (invoice.total, invoice.line_count)  # the month's charges, again
    assert AuditLog.objects.filter(action="invoice.reissue_prepared", subject_id=draft.public_id).count() == 1

    mail.outbox.clear()
    with at(2026, 4, 22), django_capture_on_commit_callbacks(execute=True):
        corrected = invoice_issue(invoice_id=draft.pk)
    # The series goes on without a gap: 0001 (credited), 0002 (Y), 0003 (the corrected invoice).
    assert corrected.number == "INV-2026-0003" and y_invoice.number == "INV-2026-0002"
    assert InvoiceCounter.objects.get(account=tenants.a.account, kind="invoice", year=2026).last == 3
    assert corrected.total_due == invoice.total_due and corrected.vat_total == invoice.vat_total
    assert corrected.snapshot["buyer"]["legal_name"] == "Xylo Dental Care B.V."
    assert corrected.snapshot["replaces"] == {
        "number": "INV-2026-0001",
        "issue_date": "2026-04-02",
        "credit_note": note.number,
    }
    text = pdf_text(bytes(corrected.file.pdf))
    assert "Invoice INV-2026-0003" in text and "Replaces invoice" in text
    assert "INV-2026-0001" in text and note.number in text
    root = etree.fromstring(snapshot_ubl(corrected.snapshot))
    assert root.tag == f"{{{NS['invoice']}}}Invoice"
    reference = "cac:BillingReference/cac:InvoiceDocumentReference"
    assert root.findtext(f"{reference}/cbc:ID", namespaces=NS) == "INV-2026-0001"
    assert root.findtext(f"{reference}/cbc:IssueDate", namespaces=NS) == "2026-04-02"
    # Sent to the client with its PDF, like any invoice.
    assert [m.subject for m in mail.outbox] == ["Invoice INV-2026-0003 from Alpha Telecom B.V."]
    assert mail.outbox[0].attachments[0][0] == "INV-2026-0003.pdf"

    # The credited invoice is as it was issued, and still credited.
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert (fresh.number, fresh.snapshot, bytes(fresh.file.pdf), fresh.total_due) == as_issued
    assert fresh.payment_state() == "credited" and corrected.payment_state(date(2026, 4, 23)) == "open"
    # Net over the month: the original, its credit note and the corrected invoice ask for one invoice's total.
    month = Invoice.objects.filter(client=tenants.x, period_start=MARCH)
    assert sum(i.total_due for i in month) == corrected.total_due


def test_only_a_credited_invoice_is_invoiced_again_and_asking_twice_gives_the_same_draft(tenants):
    invoice = issue(march_invoice(tenants))
    with pytest.raises(InvalidState):  # not credited yet
        invoice_reissue(actor=tenants.a.owner_actor, invoice_id=invoice.pk)
    with at(2026, 4, 20):
        note = invoice_credit(actor=tenants.a.owner_actor, invoice_id=invoice.pk, reason="Wrong address")
    with pytest.raises(InvalidState):  # a credit note is not invoiced again
        invoice_reissue(actor=tenants.a.owner_actor, invoice_id=note.pk)
    april = invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.x.pk, month=date(2026, 4, 1))
    with pytest.raises(InvalidState):  # nor is a draft
        invoice_reissue(actor=tenants.a.owner_actor, invoice_id=april.pk)

    first = invoice_reissue(actor=tenants.a.owner_actor, invoice_id=invoice.pk)
    assert invoice_reissue(actor=tenants.a.owner_actor, invoice_id=invoice.pk).pk == first.pk
    assert Invoice.objects.filter(replaces=invoice).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it too
        Invoice.objects.create(
            account=tenants.a.account, client=tenants.x, replaces=invoice, period_start=MARCH, period_end=MARCH
        )

    # The month's own invoice is still the original: drafting or the monthly run leave the corrected draft alone.
    assert invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.x.pk, month=MARCH).pk == invoice.pk
    run = invoices_issue_month(month=MARCH, today=date(2026, 4, 25))
    assert run.errors == 0
    assert Invoice.objects.get(pk=first.pk).status == Invoice.Status.DRAFT

    # A client's people never prepare invoices.
    membership = Membership.objects.get(user__email=tenants.x_admin_email, client=tenants.x)
    with pytest.raises(PermissionDenied):
        invoice_reissue(actor=actor_from_membership(membership), invoice_id=invoice.pk)


def test_postgresql_refuses_to_change_what_an_issued_corrected_invoice_replaces(tenants):
    invoice, _note = credited_march(tenants)
    corrected = issue(invoice_reissue(actor=tenants.a.owner_actor, invoice_id=invoice.pk), when=(2026, 4, 22))
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=corrected.pk).update(replaces=None)


def test_the_api_reissues_for_the_reseller_and_the_client_sees_the_credited_and_the_corrected_invoice(tenants, api_as):
    invoice, note = credited_march(tenants)
    reseller, x_key = api_as(tenants.a.key), api_as(tenants.x_key)

    assert_error(x_key.post(f"/api/v1/invoices/{invoice.public_id}/reissue"), 403, "forbidden")
    assert_error(api_as(tenants.b.key).post(f"/api/v1/invoices/{invoice.public_id}/reissue"), 404, "not_found")
    assert_error(reseller.post(f"/api/v1/invoices/{note.public_id}/reissue"), 422, "invalid_state")
    created = reseller.post(f"/api/v1/invoices/{invoice.public_id}/reissue")
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    assert data["status"] == "draft" and data["replaces"] == invoice.public_id and data["number"] == ""
    assert data["total"] == reseller.get(f"/api/v1/invoices/{invoice.public_id}").json()["data"]["total"]
    again = reseller.post(f"/api/v1/invoices/{invoice.public_id}/reissue")
    assert again.status_code == 201 and again.json()["data"]["id"] == data["id"]

    # The client sees no draft; once issued, the credited invoice, its credit note and the corrected invoice.
    assert {row["number"] for row in x_key.get("/api/v1/invoices").json()["data"]} == {
        "INV-2026-0001",
        "INV-CN-2026-0001",
    }
    with at(2026, 4, 22):
        issued = reseller.post(f"/api/v1/invoices/{data['invoice_id']}/issue")
    assert issued.status_code == 200 and issued.json()["data"]["number"] == "INV-2026-0002"
    with at(2026, 4, 23):
        listed = {row["number"]: row for row in x_key.get("/api/v1/invoices").json()["data"]}
    assert set(listed) == {"INV-2026-0001", "INV-CN-2026-0001", "INV-2026-0002"}
    assert listed["INV-2026-0001"]["payment_state"] == "credited"
    assert listed["INV-2026-0002"]["payment_state"] == "open"
    assert listed["INV-2026-0002"]["replaces"] == invoice.public_id
    assert listed["INV-2026-0002"]["total_due"] == listed["INV-2026-0001"]["total_due"]


def test_the_invoice_page_offers_credit_and_reissue_behind_a_confirmation_and_links_both_ways(tenants):
    invoice, note = credited_march(tenants)
    owner = login("owner@alpha.test")
    for page in (f"/billing/invoices/{invoice.pk}/", f"/billing/invoices/{note.pk}/"):
        html = owner.get(page).content.decode()
        assert f'action="/billing/invoices/{invoice.pk}/reissue/"' in html and "data-confirm=" in html, page
    response = owner.post(f"/billing/invoices/{invoice.pk}/reissue/")
    draft = Invoice.objects.get(replaces=invoice)
    assert response.status_code == 302 and response["Location"] == f"/billing/invoices/{draft.pk}/"
    html = owner.get(response["Location"]).content.decode()
    assert "Corrected invoice prepared as a draft" in html and "it replaces INV-2026-0001" in html
    assert "Issue invoice" in html

    x_admin = login(tenants.x_admin_email)
    assert x_admin.get(f"/billing/invoices/{draft.pk}/").status_code == 404  # a draft is the reseller's
    assert "reissue" not in x_admin.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert x_admin.post(f"/billing/invoices/{invoice.pk}/reissue/").status_code == 302
    assert Invoice.objects.filter(replaces=invoice).count() == 1

    corrected = issue(draft, when=(2026, 4, 22))
    for http in (owner, x_admin):
        html = http.get(f"/billing/invoices/{invoice.pk}/").content.decode()
        assert f"replaced by the corrected invoice {corrected.number}" in html
        assert f'href="/billing/invoices/{corrected.pk}/"' in html
        html = http.get(f"/billing/invoices/{corrected.pk}/").content.decode()
        assert 'data-testid="invoice-replaces"' in html and "INV-2026-0001" in html and note.number in html
        listing = http.get("/billing/invoices/").content.decode()
        assert "corrected invoice" in listing and corrected.number in listing and invoice.number in listing


@pytest.mark.django_db(transaction=True)
def test_asking_for_the_corrected_invoice_at_the_same_moment_prepares_one(tenants):
    invoice, _note = credited_march(tenants)
    results = run_together(4, lambda: invoice_reissue(actor=tenants.a.owner_actor, invoice_id=invoice.pk))
    assert all(isinstance(r, Invoice) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Invoice.objects.filter(replaces=invoice).count() == 1
    assert AuditLog.objects.filter(action="invoice.reissue_prepared").count() == 1
