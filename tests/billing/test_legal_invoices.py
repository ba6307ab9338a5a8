"""Invoices a client can legally receive, on PostgreSQL through the real services: both legal identities,
VAT by treatment (domestic, reverse charge, outside scope), gap-free numbers per account and year, the
issued document frozen (snapshot and PDF), credit notes, emails with the PDF, overdue reminders, the UBL
e-invoice, and who may see and do what."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from lxml import etree
from pypdf import PdfReader

from accounts.models import AuditLog
from billing.invoices import invoice_credit, invoice_draft, invoice_issue, invoice_mark_paid
from billing.invoicing import document, vat
from billing.invoicing.profiles import (
    ClientBillingInput,
    LegalProfileInput,
    client_billing_profile_save,
    legal_profile_save,
)
from billing.invoicing.sending import invoice_send, invoices_remind_overdue
from billing.invoicing.ubl import NS, snapshot_ubl
from billing.models import ClientBillingProfile, Invoice, InvoiceCounter, LegalProfile
from portal.errors import InvalidState, PermissionDenied, ValidationFailed
from tests.billing.test_concurrency import run_together
from tests.billing.test_invoices import at, buy
from tests.conftest import assert_error, give_legal_profile
from tests.numbers.conftest import NL_AMS, login, stock  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.usefixtures("stock")]

MARCH = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def sandbox_now(settings):
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0


@pytest.fixture
def tasks_in_place(monkeypatch):
    """Tasks enqueued after commit run at once, in this thread (their emails land in the outbox)."""
    from portal.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)


def bill_to(tenants, client, **values):
    data = {"legal_name": f"{client.name} Ltd", "country": "NL", "billing_email": "accounts@client.test"} | values
    return client_billing_profile_save(
        actor=tenants.a.owner_actor, client_id=client.pk, data=ClientBillingInput(**data)
    )


def march_invoice(tenants, client=None, numbers=(0, 1)) -> Invoice:
    """X (or ``client``) buys two Amsterdam numbers in March; the draft of March."""
    client = client or tenants.x
    with at(2026, 3, 9):
        for index in numbers:
            buy(tenants.a.owner_actor, NL_AMS[index], client)
    return invoice_draft(account_id=tenants.a.account.pk, client_id=client.pk, month=MARCH)


def issue(invoice: Invoice, *, when=(2026, 4, 2)) -> Invoice:
    with at(*when):
        return invoice_issue(invoice_id=invoice.pk)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- VAT -----------------------------------------------------------------------------------------


def test_a_client_in_the_resellers_country_pays_the_domestic_rate_on_the_sum_of_its_lines(tenants):
    bill_to(tenants, tenants.x, country="NL", vat_id="NL004495445B01")
    invoice = issue(march_invoice(tenants))

    snap = invoice.snapshot
    net = sum(Decimal(line["net"]) for line in snap["lines"])
    assert snap["treatment"] == vat.DOMESTIC and snap["legal_mention"] == ""
    assert [row["rate"] for row in snap["vat"]] == ["21.00"]
    assert Decimal(snap["net_total"]) == net == Decimal(snap["vat"][0]["taxable"])
    # VAT once on the rate's total, rounded half up to the cent.
    assert Decimal(snap["vat_total"]) == (net * Decimal("0.21")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert invoice.total_due == net + invoice.vat_total == Decimal(snap["total_due"])
    assert invoice.vat_total > 0


def test_an_eu_business_in_another_member_state_is_invoiced_under_reverse_charge(tenants):
    bill_to(tenants, tenants.x, country="BE", vat_id="BE 0403.019.261")
    invoice = issue(march_invoice(tenants))

    snap = invoice.snapshot
    assert snap["treatment"] == vat.REVERSE_CHARGE and snap["buyer"]["vat_id"] == "BE0403019261"
    assert invoice.vat_total == 0 and invoice.total_due == Decimal(snap["net_total"]) > 0
    assert "Reverse charge: VAT to be accounted for by the recipient" in snap["legal_mention"]
    assert "Article 196" in snap["legal_mention"]
    assert "Article 196" in pdf_text(bytes(invoice.file.pdf))


def test_a_client_outside_the_eu_is_outside_the_scope_of_eu_vat(tenants):
    bill_to(tenants, tenants.x, country="US", vat_id="")
    invoice = issue(march_invoice(tenants))

    assert invoice.snapshot["treatment"] == vat.OUTSIDE_SCOPE and invoice.vat_total == 0
    assert "outside the scope of EU VAT" in invoice.snapshot["legal_mention"]
    assert [row["rate"] for row in invoice.snapshot["vat"]] == ["0"]


@pytest.mark.parametrize(
    ("seller", "buyer", "vat_id", "expected"),
    [
        ("NL", "NL", "", vat.DOMESTIC),
        ("NL", "DE", "", vat.DOMESTIC),  # an EU consumer: the seller's VAT
        ("NL", "DE", "DE136695976", vat.REVERSE_CHARGE),
        ("NL", "DE", "DE000000000", vat.DOMESTIC),  # an id that fails its check digits is no business proof
        ("NL", "GR", "EL094014201", vat.REVERSE_CHARGE),  # Greece's ids start with EL
        ("NL", "CH", "CHE-116.281.710 MWST", vat.OUTSIDE_SCOPE),
        ("NL", "US", "", vat.OUTSIDE_SCOPE),
        ("CH", "CH", "", vat.DOMESTIC),
        ("CH", "DE", "DE136695976", vat.OUTSIDE_SCOPE),
    ],
)
def test_the_vat_treatment_follows_both_countries_and_the_clients_vat_id(seller, buyer, vat_id, expected):
    assert vat.treatment(seller_country=seller, buyer_country=buyer, buyer_vat_id=vat_id) == expected


def test_vat_is_rounded_once_per_rate_half_up_never_line_by_line():
    lines = [{"net": "0.05", "vat_rate": "21.00"}] * 3  # 0.0105 a line would round to 0.01 each: 0.03
    assert document.vat_breakdown(lines, vat.DOMESTIC) == [
        {"rate": "21.00", "taxable": "0.15", "vat": "0.03", "treatment": vat.DOMESTIC}
    ]
    assert vat.vat_of(Decimal("0.50"), Decimal("21")) == Decimal("0.11")  # 0.105 → 0.11 (half up)


# --- Profiles ------------------------------------------------------------------------------------


def test_identifiers_are_checked_for_their_country_and_nothing_is_saved_when_one_is_wrong(tenants):
    LegalProfile.objects.filter(account=tenants.a.account).delete()
    data = LegalProfileInput(
        legal_name="Alpha Telecom B.V.",
        address_line1="Keizersgracht 1",
        city="Amsterdam",
        country="NL",
        vat_id="NL004495446B01",  # check digit wrong
        iban="NL91ABNA0417164301",  # check digits wrong
        bic="ABN",
        number_prefix="inv 1",
        vat_rate=Decimal("121"),
    )
    with pytest.raises(ValidationFailed) as refused:
        legal_profile_save(actor=tenants.a.owner_actor, data=data)
    assert set(refused.value.fields) == {"vat_id", "iban", "bic", "number_prefix", "vat_rate"}
    assert not LegalProfile.objects.filter(account=tenants.a.account).exists()

    with pytest.raises(ValidationFailed) as wrong_country:
        client_billing_profile_save(
            actor=tenants.a.owner_actor,
            client_id=tenants.x.pk,
            data=ClientBillingInput(legal_name="Xylo", country="FR", vat_id="DE136695976"),
        )
    assert set(wrong_country.value.fields) == {"vat_id"}
    assert not ClientBillingProfile.objects.exists()


def test_only_the_resellers_owners_and_admins_keep_the_profiles(tenants, api_as):
    from accounts.actor import actor_from_api_key
    from accounts.models import ApiKey

    x_actor = actor_from_api_key(ApiKey.objects.get(client=tenants.x))
    with pytest.raises(PermissionDenied):
        bill_to(tenants, tenants.x) and client_billing_profile_save(
            actor=x_actor, client_id=tenants.x.pk, data=ClientBillingInput(legal_name="Me", country="NL")
        )
    with pytest.raises(PermissionDenied):
        legal_profile_save(
            actor=x_actor, data=LegalProfileInput("X", "Street", "City", "NL", iban="NL91ABNA0417164300")
        )


# --- Numbers -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_on_postgresql_hands_out_every_number_of_the_year_once_without_gaps(tenants):
    from accounts.services import client_create

    give_legal_profile(tenants.a, number_prefix="ALP")
    owner = tenants.a.owner_actor
    clients = [client_create(actor=owner, name=f"Client {n}") for n in range(6)]
    with at(2026, 3, 9):
        for client, e164 in zip(clients, NL_AMS, strict=False):
            buy(owner, e164, client)
    drafts = [invoice_draft(account_id=tenants.a.account.pk, client_id=c.pk, month=MARCH).pk for c in clients]
    ids = iter(drafts + drafts)  # twelve threads, two on each draft

    with at(2026, 4, 2, 9):
        results = run_together(12, lambda: invoice_issue(invoice_id=next(ids)))

    assert all(not isinstance(r, Exception) for r in results), results
    numbers = sorted(Invoice.objects.filter(pk__in=drafts).values_list("number", flat=True))
    assert numbers == [f"ALP-2026-{n:04d}" for n in range(1, 7)]
    assert {r.pk: r.number for r in results} == dict(Invoice.objects.filter(pk__in=drafts).values_list("pk", "number"))
    assert InvoiceCounter.objects.get(account=tenants.a.account, kind="invoice", year=2026).last == 6


def test_a_failed_issue_gives_its_number_back_and_a_new_year_starts_at_one(tenants, monkeypatch):
    x_draft = march_invoice(tenants)
    y_draft = march_invoice(tenants, tenants.y, numbers=(2,))
    real = document.build

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(document, "build", broken)
    with pytest.raises(RuntimeError), at(2026, 4, 2):
        invoice_issue(invoice_id=x_draft.pk)
    monkeypatch.setattr(document, "build", real)
    assert Invoice.objects.get(pk=x_draft.pk).status == Invoice.Status.DRAFT

    assert issue(y_draft).number == "INV-2026-0001"  # the number the failure took is back in the series
    assert issue(x_draft).number == "INV-2026-0002"
    with at(2026, 12, 9):
        buy(tenants.a.owner_actor, NL_AMS[3], tenants.x)
    december = invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.x.pk, month=date(2026, 12, 1))
    assert issue(december, when=(2027, 1, 1, 9)).number == "INV-2027-0001"


def test_issuing_needs_the_legal_profile_and_the_monthly_run_leaves_such_accounts_drafts(tenants):
    from billing.invoices import invoices_issue_month

    LegalProfile.objects.filter(account=tenants.a.account).delete()
    draft = march_invoice(tenants)
    with pytest.raises(InvalidState), at(2026, 4, 2):
        invoice_issue(invoice_id=draft.pk)
    with at(2026, 4, 1, 0, 37):
        run = invoices_issue_month()
    assert (run.issued, run.errors) == (0, 0)
    assert Invoice.objects.get(pk=draft.pk).status == Invoice.Status.DRAFT


# --- Immutable once issued -----------------------------------------------------------------------


def test_an_issued_invoice_keeps_its_document_and_pdf_whatever_changes_afterwards(tenants):
    bill_to(tenants, tenants.x, country="BE", vat_id="BE0403019261")
    invoice = issue(march_invoice(tenants))
    snapshot, pdf = invoice.snapshot, bytes(invoice.file.pdf)

    give_legal_profile(tenants.a, legal_name="Renamed Telecom B.V.", vat_rate=Decimal("9"), number_prefix="NEW")
    bill_to(tenants, tenants.x, legal_name="Xylo Renamed", country="NL", vat_id="")
    with at(2026, 3, 30):
        buy(tenants.a.owner_actor, NL_AMS[4], tenants.x)  # a late charge in the invoiced month
    with at(2026, 4, 3):
        again = invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.x.pk, month=MARCH)
        invoice_issue(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert again.pk == invoice.pk and invoice.snapshot == snapshot and bytes(invoice.file.pdf) == pdf
    assert invoice.snapshot["seller"]["legal_name"] == "Alpha Telecom B.V."
    assert invoice.snapshot["buyer"]["legal_name"] == "Xylo Dental Ltd"
    assert invoice.file.sha256 == __import__("hashlib").sha256(pdf).hexdigest()


def test_the_pdf_carries_both_legal_identities_the_vat_and_how_to_pay(tenants):
    bill_to(tenants, tenants.x, country="NL", vat_id="NL004495445B01", address_line1="Tandartsweg 7", city="Utrecht")
    invoice = issue(march_invoice(tenants))

    text = pdf_text(bytes(invoice.file.pdf))
    for expected in (
        "Invoice INV-2026-0001",
        "Alpha Telecom B.V.",  # seller
        "Keizersgracht 1",
        "KvK 12345678",
        "Xylo Dental Ltd",  # buyer
        "Tandartsweg 7",
        "NL004495445B01",
        "NL91ABNA0417164300",  # how to pay
        "ABNANL2A",
        "Due date",
        "VAT 21.00 % on",
        "Total due",
    ):
        assert expected in text, expected


# --- Credit notes --------------------------------------------------------------------------------


def test_a_credit_note_cancels_an_issued_invoice_in_its_own_series_once(
    tenants, tasks_in_place, django_capture_on_commit_callbacks
):
    bill_to(tenants, tenants.x)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(march_invoice(tenants))
    mail.outbox.clear()

    with at(2026, 4, 20), django_capture_on_commit_callbacks(execute=True):
        note = invoice_credit(actor=tenants.a.owner_actor, invoice_id=invoice.pk, reason="Numbers never worked")

    assert note.kind == Invoice.Kind.CREDIT_NOTE and note.credit_for_id == invoice.pk
    assert note.number == "INV-CN-2026-0001" and note.status == Invoice.Status.ISSUED
    assert note.total_due == -invoice.total_due and note.vat_total == -invoice.vat_total
    assert note.snapshot["credit_for"]["number"] == "INV-2026-0001"
    assert [line["quantity"] for line in note.snapshot["lines"]] == [
        -line["quantity"] for line in invoice.snapshot["lines"]
    ]
    assert invoice.payment_state() == "credited" and not invoice.is_overdue(date(2027, 1, 1))
    text = pdf_text(bytes(note.file.pdf))
    assert "Credit note INV-CN-2026-0001" in text and "INV-2026-0001" in text and "Numbers never worked" in text
    assert [m.subject for m in mail.outbox] == ["Credit note INV-CN-2026-0001 from Alpha Telecom B.V."]
    assert mail.outbox[0].attachments[0][0] == "INV-CN-2026-0001.pdf"
    assert AuditLog.objects.filter(action="invoice.credited").count() == 1

    with pytest.raises(InvalidState):
        invoice_credit(actor=tenants.a.owner_actor, invoice_id=invoice.pk, reason="again")
    with pytest.raises(ValidationFailed):
        invoice_credit(actor=tenants.a.owner_actor, invoice_id=march_invoice(tenants, tenants.y, (2,)).pk, reason=" ")
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 1


# --- Sending, payment, reminders -----------------------------------------------------------------


def test_issuing_emails_the_pdf_once_in_the_clients_language_with_the_total_in_words(
    tenants, tasks_in_place, django_capture_on_commit_callbacks
):
    bill_to(tenants, tenants.x, language="fr", billing_email="compta@xylo.test")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(march_invoice(tenants))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["compta@xylo.test"] and message.subject == "Facture INV-2026-0001 de Alpha Telecom B.V."
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("INV-2026-0001.pdf", "application/pdf") and content == bytes(invoice.file.pdf)
    assert "euros" in invoice.snapshot["total_in_words"]
    assert invoice.snapshot["total_in_words"] in pdf_text(content).replace("\n", " ")
    assert invoice_send(invoice_id=invoice.pk) == 0  # sent once: a second run sends nothing
    assert len(mail.outbox) == 1


def test_overdue_invoices_are_reminded_at_most_once_in_the_interval_and_paid_ones_never(tenants, settings):
    settings.INVOICE_REMINDER_DAYS = 7
    bill_to(tenants, tenants.x)
    bill_to(tenants, tenants.y, billing_email="pay@yarrow.test")
    x_invoice = issue(march_invoice(tenants))
    y_invoice = issue(march_invoice(tenants, tenants.y, numbers=(2,)))
    assert x_invoice.due_date == date(2026, 4, 16)

    def remind(year, month, day):
        with at(year, month, day, 8, 13):
            return invoices_remind_overdue()

    assert remind(2026, 4, 16) == 0  # due today: not overdue yet
    with at(2026, 4, 17):
        invoice_mark_paid(actor=tenants.a.owner_actor, invoice_id=y_invoice.pk)
        assert x_invoice.is_overdue() and Invoice.objects.get(pk=y_invoice.pk).payment_state() == "paid"
    assert remind(2026, 4, 17) == 1
    assert [m.subject for m in mail.outbox] == ["Reminder: invoice INV-2026-0001 is overdue"]
    assert remind(2026, 4, 18) == 0 and remind(2026, 4, 23) == 0
    assert remind(2026, 4, 24) == 1
    with at(2026, 4, 25):
        invoice_mark_paid(actor=tenants.a.owner_actor, invoice_id=x_invoice.pk)
    assert remind(2026, 5, 30) == 0 and len(mail.outbox) == 2


# --- UBL -----------------------------------------------------------------------------------------


def _amount(root, path: str) -> Decimal:
    return Decimal(root.findtext(path, namespaces=NS))


@pytest.mark.parametrize(
    ("country", "vat_id", "category"), [("NL", "", "S"), ("BE", "BE0403019261", "AE"), ("US", "", "O")]
)
def test_the_ubl_invoice_has_the_required_business_terms_and_its_totals_add_up(tenants, country, vat_id, category):
    bill_to(tenants, tenants.x, country=country, vat_id=vat_id)
    with at(2026, 3, 15):
        from messaging.services import sms_send  # noqa: F401 (charges below are numbers only)
    invoice = issue(march_invoice(tenants, numbers=(0, 1, 2)))

    root = etree.fromstring(snapshot_ubl(invoice.snapshot))
    assert root.tag == f"{{{NS['invoice']}}}Invoice"
    for path in (
        "cbc:CustomizationID",
        "cbc:ID",
        "cbc:IssueDate",
        "cbc:DueDate",
        "cbc:InvoiceTypeCode",
        "cbc:DocumentCurrencyCode",
        "cbc:BuyerReference",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        "cac:PaymentMeans/cbc:PaymentMeansCode",
        "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",
        "cac:TaxTotal/cbc:TaxAmount",
        "cac:LegalMonetaryTotal/cbc:PayableAmount",
        "cac:InvoiceLine/cbc:InvoicedQuantity",
        "cac:InvoiceLine/cac:Price/cbc:PriceAmount",
    ):
        assert root.find(path, namespaces=NS) is not None, path
    assert root.findtext("cbc:ID", namespaces=NS) == "INV-2026-0001"
    assert root.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"
    lines = root.findall("cac:InvoiceLine", namespaces=NS)
    line_sum = sum(Decimal(line.findtext("cbc:LineExtensionAmount", namespaces=NS)) for line in lines)
    net = _amount(root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount")
    tax = _amount(root, "cac:TaxTotal/cbc:TaxAmount")
    subtotals = root.findall("cac:TaxTotal/cac:TaxSubtotal", namespaces=NS)
    assert line_sum == net == _amount(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")
    assert tax == sum(Decimal(s.findtext("cbc:TaxAmount", namespaces=NS)) for s in subtotals)
    assert net + tax == _amount(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
    assert _amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == invoice.total_due
    assert {s.findtext("cac:TaxCategory/cbc:ID", namespaces=NS) for s in subtotals} == {category}
    for line in lines:  # quantity × unit price is the line's amount, to the cent
        quantity = Decimal(line.findtext("cbc:InvoicedQuantity", namespaces=NS))
        price = Decimal(line.findtext("cac:Price/cbc:PriceAmount", namespaces=NS))
        assert (quantity * price).quantize(Decimal("0.01")) == Decimal(
            line.findtext("cbc:LineExtensionAmount", namespaces=NS)
        )


def test_the_ubl_credit_note_states_credited_amounts_and_names_the_invoice(tenants):
    invoice = issue(march_invoice(tenants))
    with at(2026, 4, 20):
        note = invoice_credit(actor=tenants.a.owner_actor, invoice_id=invoice.pk, reason="Wrong client")

    root = etree.fromstring(snapshot_ubl(note.snapshot))
    assert root.tag == f"{{{NS['credit_note']}}}CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS) == invoice.number
    assert _amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == invoice.total_due > 0


# --- Who sees and does what ----------------------------------------------------------------------


def test_clients_see_only_their_own_documents_and_only_the_resellers_admins_act_on_them(tenants, api_as):
    bill_to(tenants, tenants.x)
    x_invoice = issue(march_invoice(tenants))
    y_invoice = issue(march_invoice(tenants, tenants.y, numbers=(2,)))
    with at(2026, 4, 20):
        note = invoice_credit(actor=tenants.a.owner_actor, invoice_id=x_invoice.pk, reason="Duplicate")

    x_key = api_as(tenants.x_key)
    listed = x_key.get("/api/v1/invoices").json()["data"]
    assert {row["number"] for row in listed} == {"INV-2026-0001", "INV-CN-2026-0001"}
    assert all(row["wholesale_total"] is None for row in listed)
    ubl = x_key.get(f"/api/v1/invoices/{note.public_id}/ubl")
    assert ubl.status_code == 200 and ubl["Content-Type"].startswith("application/xml")
    assert b"Duplicate" in ubl.content
    for other in (y_invoice.public_id,):
        assert_error(x_key.get(f"/api/v1/invoices/{other}/ubl"), 404, "not_found")
    assert_error(x_key.post(f"/api/v1/invoices/{x_invoice.public_id}/paid", {"paid": True}), 403, "forbidden")
    assert_error(api_as(tenants.b.key).get(f"/api/v1/invoices/{x_invoice.public_id}/ubl"), 404, "not_found")
    assert_error(
        api_as(tenants.b.key).post(f"/api/v1/invoices/{y_invoice.public_id}/credit-note", {"reason": "x"}),
        404,
        "not_found",
    )

    reseller = api_as(tenants.a.key)
    paid = reseller.post(f"/api/v1/invoices/{y_invoice.public_id}/paid", {"paid": True})
    assert paid.status_code == 200 and paid.json()["data"]["payment_state"] == "paid"
    assert_error(reseller.post(f"/api/v1/invoices/{y_invoice.public_id}/credit-note", {}), 422, "validation_error")
    assert_error(reseller.post(f"/api/v1/invoices/{x_invoice.public_id}/paid", {"paid": True}), 422, "invalid_state")

    x_admin = login(tenants.x_admin_email)
    page = x_admin.get(f"/billing/invoices/{x_invoice.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "Alpha Telecom B.V." in html and "Xylo Dental Ltd" in html
    assert "Mark paid" not in html and "credit note" in html.lower()
    assert x_admin.get(f"/billing/invoices/{y_invoice.pk}/download.xml").status_code == 404
    refused = x_admin.post(f"/billing/invoices/{y_invoice.pk}/credit/", {"reason": "mine now"})
    assert refused.status_code in (302, 403, 404)
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 1


def test_the_legal_profile_page_saves_a_checked_profile_with_its_logo(tenants, tmp_path, settings):
    from PIL import Image

    settings.MEDIA_DIR = tmp_path
    owner = login("owner@alpha.test")
    assert owner.get("/billing/legal-profile/").status_code == 200
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (20, 90, 200)).save(buffer, "PNG")
    logo = io.BytesIO(buffer.getvalue())
    logo.name = "logo.png"
    form = {
        "legal_name": "Alpha Telecom B.V.",
        "address_line1": "Keizersgracht 1",
        "postcode": "1015 CC",
        "city": "Amsterdam",
        "country": "NL",
        "vat_id": "NL 0044.95.445.B01",
        "iban": "NL91 ABNA 0417 1643 00",
        "bic": "ABNANL2A",
        "payment_terms_days": "30",
        "number_prefix": "AT",
        "vat_rate": "21",
    }
    saved = owner.post("/billing/legal-profile/", form | {"logo": logo}, follow=True)
    assert saved.status_code == 200 and "Legal profile saved." in saved.content.decode()
    profile = LegalProfile.objects.get(account=tenants.a.account)
    assert (profile.vat_id, profile.iban, profile.number_prefix, profile.payment_terms_days) == (
        "NL004495445B01", "NL91ABNA0417164300", "AT", 30,
    )  # fmt: skip
    assert profile.logo and (tmp_path / profile.logo.name).exists()

    not_an_image = io.BytesIO(b"<svg></svg>")
    not_an_image.name = "logo.png"
    refused = owner.post("/billing/legal-profile/", form | {"vat_id": "NL123", "logo": not_an_image})
    html = refused.content.decode()
    assert refused.status_code == 200 and "not a valid VAT id" in html and "PNG or JPEG" in html
    assert LegalProfile.objects.get(account=tenants.a.account).vat_id == "NL004495445B01"

    assert login(tenants.x_admin_email).get("/billing/legal-profile/").status_code == 404


def test_the_reseller_keeps_a_clients_billing_profile_and_the_client_admin_reads_it(tenants):
    owner = login("owner@alpha.test")
    url = f"/billing/clients/{tenants.x.pk}/billing-profile/"
    saved = owner.post(
        url,
        {
            "legal_name": "Xylo Dental SARL",
            "country": "FR",
            "vat_id": "FR40303265045",
            "language": "fr",
            "billing_email": "compta@xylo.test",
            "city": "Paris",
        },  # fmt: skip
        follow=True,
    )
    assert saved.status_code == 200 and "Billing profile saved." in saved.content.decode()
    assert ClientBillingProfile.objects.get(client=tenants.x).vat_id == "FR40303265045"

    x_admin = login(tenants.x_admin_email)
    page = x_admin.get(url)
    assert page.status_code == 200 and "Xylo Dental SARL" in page.content.decode()
    assert "<form" not in page.content.decode().split("<main", 1)[-1].split("billing-profile-form")[0][-200:]
    x_admin.post(url, {"legal_name": "Hijacked", "country": "NL", "language": "en"})
    assert ClientBillingProfile.objects.get(client=tenants.x).legal_name == "Xylo Dental SARL"
    assert x_admin.get(f"/billing/clients/{tenants.y.pk}/billing-profile/").status_code == 404
    assert login("owner@bravo.test").get(url).status_code == 404


def test_a_reminder_claim_is_taken_once_by_runs_at_the_same_moment(tenants):
    invoice = issue(march_invoice(tenants))
    bill_to(tenants, tenants.x)
    now = datetime(2026, 5, 1, 8, 13, tzinfo=UTC)
    assert invoices_remind_overdue(now=now) == 1
    assert invoices_remind_overdue(now=now + timedelta(seconds=1)) == 0
    assert Invoice.objects.get(pk=invoice.pk).reminded_at == now


def test_postgresql_refuses_any_change_to_an_issued_invoice_its_lines_or_its_pdf(tenants):
    from django.db import IntegrityError, transaction

    from billing.models import InvoiceFile, InvoiceLine

    invoice = issue(march_invoice(tenants))
    attempts = [
        lambda: Invoice.objects.filter(pk=invoice.pk).update(total_due=Decimal("0.01")),
        lambda: Invoice.objects.filter(pk=invoice.pk).update(number="INV-2026-9999"),
        lambda: Invoice.objects.filter(pk=invoice.pk).update(snapshot={}),
        lambda: InvoiceLine.objects.filter(invoice=invoice).update(amount=Decimal("0")),
        lambda: InvoiceLine.objects.filter(invoice=invoice).delete(),
        lambda: InvoiceFile.objects.filter(invoice=invoice).update(pdf=b"%PDF-forged"),
        lambda: InvoiceFile.objects.filter(invoice=invoice).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    # Its payment and sending state may change.
    assert Invoice.objects.filter(pk=invoice.pk).update(paid_at=datetime(2026, 4, 9, tzinfo=UTC), sent_at=None) == 1
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert (fresh.number, fresh.total_due, fresh.snapshot) == (invoice.number, invoice.total_due, invoice.snapshot)
    assert fresh.lines.count() == invoice.line_count and bytes(fresh.file.pdf) == bytes(invoice.file.pdf)
