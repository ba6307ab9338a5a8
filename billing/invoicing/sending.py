"""Issued invoices and credit notes by email, with their stored PDF, in the language they were issued in,
to the client's billing address; and reminders of overdue invoices. Sent from tasks, after commit."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.branding.selectors import client_portal_url, client_sender
from accounts.services import audit_record
from portal.errors import InvalidState, PermissionDenied
from portal.l10n import money
from portal.mail import send_in_languages

from ..models import ClientBillingProfile, Invoice

logger = logging.getLogger("didfarm.invoices")


def recipient(invoice: Invoice) -> str:
    """Where the client's invoices go: its billing email now (it may have been corrected since the
    invoice was issued), else the address the invoice was issued to."""
    profile = ClientBillingProfile.objects.filter(client_id=invoice.client_id).first()
    if profile and profile.billing_email:
        return profile.billing_email
    return (invoice.snapshot or {}).get("buyer", {}).get("email") or invoice.client.email


def filename(invoice: Invoice) -> str:
    return f"{invoice.number}.pdf"


def _values(invoice: Invoice) -> dict:
    snap = invoice.snapshot or {}
    return {
        "number": invoice.number,
        "seller": snap.get("seller", {}).get("legal_name", ""),
        "amount": money(snap.get("total_due", "0"), 2, isolate=False),
        "currency": invoice.currency,
        "due": formats.date_format(date.fromisoformat(snap["due_date"]), "DATE_FORMAT") if snap.get("due_date") else "",
        "link": client_portal_url(invoice.account) + reverse("invoice_detail", args=[invoice.pk]),
    }


def _send(invoice: Invoice, compose) -> int:
    address = recipient(invoice)
    if not address:
        logger.warning("Invoice %s has no billing email to go to", invoice.number)
        return 0
    pdf = bytes(invoice.file.pdf)
    return send_in_languages(
        people=[(address, invoice.language)],
        compose=compose,
        # Under the reseller's brand: its name as the sender, replies to its support address.
        sender=client_sender(invoice.account),
        attachments=[(filename(invoice), pdf, "application/pdf")],
    )


def _compose_issued(invoice: Invoice):
    def compose() -> tuple[str, str]:
        values = _values(invoice)
        if invoice.is_credit_note:
            subject = _("Credit note %(number)s from %(seller)s") % values
            body = (
                _(
                    "Hello,\n\n%(seller)s sends you credit note %(number)s of %(amount)s %(currency)s; it is attached "
                    "as a PDF, and in your portal:\n\n%(link)s\n"
                )
                % values
            )
        else:
            subject = _("Invoice %(number)s from %(seller)s") % values
            body = (
                _(
                    "Hello,\n\n%(seller)s sends you invoice %(number)s of %(amount)s %(currency)s, due on %(due)s. It "
                    "is attached as a PDF, and in your portal:\n\n%(link)s\n"
                )
                % values
            )
        return subject, body

    return compose


def invoice_send(*, invoice_id: int) -> int:
    """Email a newly issued document once: the first run claims it (``sent_at``, a conditional UPDATE);
    a second run, or a retry after a send that went out, sends nothing."""
    claimed = Invoice.objects.filter(pk=invoice_id, status=Invoice.Status.ISSUED, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    if claimed != 1:
        return 0
    invoice = Invoice.objects.select_related("file", "client").get(pk=invoice_id)
    try:
        return _send(invoice, _compose_issued(invoice))
    except Exception:
        Invoice.objects.filter(pk=invoice_id).update(sent_at=None)  # not sent: the retry may claim it again
        raise


def invoice_resend(*, actor: Actor, invoice_id) -> Invoice:
    """The reseller sends an issued document again (the same PDF). Owners and admins."""
    from ..selectors import invoice_get

    actor.require_admin()
    if actor.is_client_scoped:
        raise PermissionDenied(_("Invoices are sent by the reseller."))
    invoice = invoice_get(actor=actor, invoice_id=invoice_id)
    if invoice.status != Invoice.Status.ISSUED:
        raise InvalidState(_("Only an issued invoice can be sent."))
    if not recipient(invoice):
        raise InvalidState(_("The client has no billing email: add one to its billing profile first."))
    _send(invoice, _compose_issued(invoice))
    Invoice.objects.filter(pk=invoice.pk).update(sent_at=timezone.now())
    audit_record(actor=actor, account=actor.account, action="invoice.sent", subject=invoice,
                 after={"to": recipient(invoice)})  # fmt: skip
    return invoice


def overdue_invoices(*, today=None):
    """Issued invoices past their due date, unpaid, not credited, with something to pay."""
    today = today or timezone.localdate()
    return Invoice.objects.filter(
        kind=Invoice.Kind.INVOICE,
        status=Invoice.Status.ISSUED,
        paid_at__isnull=True,
        due_date__lt=today,
        total_due__gt=0,
        credit_notes__isnull=True,
    )


def invoices_remind_overdue(*, now=None) -> int:
    """Remind each overdue invoice's client, at most once in ``INVOICE_REMINDER_DAYS``: each invoice is
    claimed by a conditional UPDATE of ``reminded_at``, so runs at the same moment send one reminder."""
    now = now or timezone.now()
    quiet_since = now - timedelta(days=settings.INVOICE_REMINDER_DAYS)
    sent = 0
    due = overdue_invoices(today=timezone.localdate(now)).filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lte=quiet_since)
    )
    for invoice_id, reminded_at in list(due.values_list("pk", "reminded_at")):
        claimed = (
            Invoice.objects.filter(pk=invoice_id, reminded_at=reminded_at)
            if reminded_at
            else Invoice.objects.filter(pk=invoice_id, reminded_at__isnull=True)
        )
        if claimed.update(reminded_at=now) != 1:
            continue  # another run has it
        invoice = Invoice.objects.select_related("file", "client").get(pk=invoice_id)

        def compose(invoice=invoice) -> tuple[str, str]:
            values = _values(invoice)
            subject = _("Reminder: invoice %(number)s is overdue") % values
            body = (
                _(
                    "Hello,\n\nInvoice %(number)s from %(seller)s, of %(amount)s %(currency)s, was due on %(due)s and "
                    "is not paid yet. Please pay it as the attached invoice says. If you have paid it already, thank "
                    "you, and please ignore this email.\n\n%(link)s\n"
                )
                % values
            )
            return subject, body

        try:
            sent += _send(invoice, compose)
        except Exception:  # noqa: BLE001 - one failed reminder must not stop the others; tomorrow's run retries
            logger.exception("Reminder of invoice %s failed", invoice.number)
            Invoice.objects.filter(pk=invoice_id).update(reminded_at=reminded_at)
    return sent
