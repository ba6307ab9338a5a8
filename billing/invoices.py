"""Monthly client invoices.

An invoice holds one client's charges and refunds of one calendar month, each at the client's price
(the ``client_amount`` its ledger entry stored when charged), so its total is the ledger's total for that
client and month. A draft is rebuilt from the ledger whenever it is refreshed; issuing freezes it: it
takes the next number of the account's series for the year (``INV-2026-0001``, with the prefix of the
reseller's legal profile; ``billing.invoicing.numbering``), and what the document says is kept as its
snapshot with the PDF drawn from it (``billing.invoicing.document``). An issued invoice never changes
again, except for being marked paid; a credit note (``invoice_credit``) cancels it.

``invoices_issue_month`` (beat, on the first of the month, for the month before) drafts and issues the
invoice of every client that had charges: safe to run twice and concurrently, because an invoice is
unique per client and month, issuing locks the series' counter row to take the next number, and an
issued invoice is never touched again. Accounts without a legal profile are left out of it.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.services import audit_record
from portal.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed

from .invoicing import document, numbering
from .models import Invoice, InvoiceFile, InvoiceLine, LedgerEntry, LegalProfile
from .money import quantize
from .selectors import CHARGE_KINDS, period_bounds

logger = logging.getLogger("didfarm.invoices")


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of ``day``'s month."""
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _entries(invoice: Invoice):
    start, end = period_bounds(invoice.period_start, invoice.period_end)
    return (
        LedgerEntry.objects.filter(
            account_id=invoice.account_id,
            client_id=invoice.client_id,
            created_at__gte=start,
            created_at__lt=end,
            kind__in=CHARGE_KINDS,
        )
        .select_related("number")
        .order_by("created_at", "id")
    )


def _rebuild(invoice: Invoice) -> Invoice:
    """Replace a locked draft's lines with the ledger's entries for its client and month."""
    invoice.lines.all().delete()
    correction = _correction_of(invoice)
    lines: list[InvoiceLine] = []
    entries = _entries(invoice).iterator(chunk_size=2000)
    while chunk := list(islice(entries, 2000)):
        messages = _messages_of(chunk)
        for entry in chunk:
            message_id, segments = (
                messages.get(entry.reference_id, (None, 0)) if entry.reference_type == "message" else (None, 0)
            )
            lines.append(
                InvoiceLine(
                    invoice=invoice,
                    entry=entry,
                    date=timezone.localdate(entry.created_at),
                    kind=entry.kind,
                    description=entry.description,
                    number_e164=entry.number.e164 if entry.number_id else "",
                    amount=-(entry.client_amount if entry.client_amount is not None else entry.amount),
                    wholesale=-entry.amount,
                    message_id=message_id,
                    segments=-segments if entry.kind == LedgerEntry.Kind.REFUND else segments,
                    correction=correction,
                )
            )
    InvoiceLine.objects.bulk_create(lines, batch_size=2000)
    invoice.total = quantize(sum((line.amount for line in lines), Decimal("0")))
    invoice.wholesale_total = quantize(sum((line.wholesale for line in lines), Decimal("0")))
    invoice.line_count = len(lines)
    invoice.save(update_fields=["total", "wholesale_total", "line_count", "updated_at"])
    return invoice


def _correction_of(invoice: Invoice) -> int:
    """0 for a month's invoice, 1 for the corrected invoice replacing it, 2 for one replacing that, …"""
    depth, current = 0, invoice
    while current.replaces_id is not None:
        depth, current = depth + 1, current.replaces
    return depth


def _messages_of(entries: list[LedgerEntry]) -> dict[str, tuple[int, int]]:
    """The messages these entries pay for (or refund), by the entries' reference: (id, segments)."""
    from messaging.models import Message

    uids = []
    for entry in entries:
        if entry.reference_type == "message":
            try:
                uids.append(uuid.UUID(entry.reference_id.removeprefix("msg_")))
            except ValueError:
                continue
    if not uids:
        return {}
    found = Message.objects.filter(uid__in=uids).values_list("uid", "pk", "segments")
    return {f"msg_{uid.hex}": (pk, segments) for uid, pk, segments in found}


def charged_message_lines(invoice: Invoice):
    """The invoice's lines that pay for (or refund) a message, with it, in ledger order."""
    return invoice.lines.filter(message__isnull=False).select_related("message", "entry").order_by("entry_id")


def received_messages(invoice: Invoice):
    """The messages the client's numbers received in the invoice's month (free), oldest first."""
    from messaging.models import Message

    start, end = period_bounds(invoice.period_start, invoice.period_end)
    return Message.objects.filter(
        account_id=invoice.account_id,
        client_id=invoice.client_id,
        direction=Message.Direction.INBOUND,
        created_at__gte=start,
        created_at__lt=end,
    ).order_by("created_at", "id")


def invoice_has_messages(invoice: Invoice) -> bool:
    """Whether the invoice has text messages to list (charged or received)."""
    return invoice.lines.filter(message__isnull=False).exists() or received_messages(invoice).exists()


@dataclass(frozen=True)
class SmsSummaryRow:
    """An invoice's text messages on one number in one direction: how many, their segments, what they cost
    the client (refunds taken off: a refunded message counts as none)."""

    number_e164: str
    direction: str  # "outbound" or "inbound"
    messages: int
    segments: int
    amount: Decimal


def invoice_sms_summary(invoice: Invoice) -> list[SmsSummaryRow]:
    """The invoice's SMS by number and direction, sent before received: the charged ones from its lines
    (so their amounts add up to what the lines say), the received ones (free) from the messages stored on
    the client's numbers in the invoice's month."""
    from messaging.models import Message

    rows: dict[tuple[str, str], list] = {}
    charged = (
        invoice.lines.filter(message__isnull=False)
        .values("number_e164", "message__direction")
        .annotate(
            messages=Sum(Case(When(kind=LedgerEntry.Kind.REFUND, then=Value(-1)), default=Value(1))),
            segments=Sum("segments"),
            amount=Sum("amount"),
        )
        .order_by()
    )
    for row in charged:
        rows[(row["number_e164"], row["message__direction"])] = [row["messages"], row["segments"], row["amount"]]
    received = (
        received_messages(invoice).values("to_e164").annotate(messages=Count("id"), segments=Sum("segments")).order_by()
    )
    for row in received:
        # Every message received counts (they are free: what they cost is what lines say, if anything).
        totals = rows.setdefault((row["to_e164"], Message.Direction.INBOUND), [0, 0, Decimal("0")])
        totals[0], totals[1] = row["messages"], row["segments"]
    order = {Message.Direction.OUTBOUND: 0, Message.Direction.INBOUND: 1}
    return [
        SmsSummaryRow(number_e164=number, direction=direction, messages=n, segments=segments, amount=quantize(amount))
        for (number, direction), (n, segments, amount) in sorted(rows.items(), key=lambda i: (i[0][0], order[i[0][1]]))
    ]


def _originals():
    """Each client's one invoice of a month (not its credit notes, nor a corrected invoice)."""
    return Invoice.objects.filter(kind=Invoice.Kind.INVOICE, replaces__isnull=True)


def invoice_draft(*, account_id: int, client_id: int, month: date) -> Invoice:
    """The client's invoice for ``month`` (any day of it), created as a draft if it has none, and, while
    it is a draft, brought up to date with the ledger. An issued invoice is returned as it is."""
    start, end = month_of(month)
    try:
        with transaction.atomic():
            invoice, _created = _originals().get_or_create(
                client_id=client_id, period_start=start, defaults={"account_id": account_id, "period_end": end}
            )
    except IntegrityError:  # created at the same moment by another run
        invoice = _originals().get(client_id=client_id, period_start=start)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status == Invoice.Status.DRAFT:
            _rebuild(invoice)
    return invoice


def invoice_issue(*, invoice_id: int, actor: Actor | None = None, today: date | None = None) -> Invoice:
    """Issue a draft of a month that is over: its lines brought up to date one last time, then frozen
    with the account's next invoice number. Issuing an issued invoice changes nothing."""
    return _issue(invoice_id=invoice_id, actor=actor, today=today)[0]


def _issue(*, invoice_id: int, actor: Actor | None, today: date | None) -> tuple[Invoice, bool]:
    """``invoice_issue``, also saying whether this call issued it (False: it was issued already)."""
    today = today or timezone.localdate()
    account_id = Invoice.objects.filter(pk=invoice_id).values_list("account_id", flat=True).first()
    if account_id is None:
        raise NotFound(_("Invoice not found."))
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.status == Invoice.Status.ISSUED:
            return invoice, False
        if invoice.period_end >= today:
            raise InvalidState(_("An invoice is issued once its month is over."))
        profile = LegalProfile.objects.filter(account_id=account_id).first()
        if profile is None:
            raise InvalidState(_("Fill in your legal profile (Billing, Legal profile) before issuing invoices."))
        _rebuild(invoice)
        # The series' counter row is the lock for its numbers: taken, numbers are handed out one at a time.
        invoice.sequence, invoice.number = numbering.next_number(
            account_id=account_id, kind=Invoice.Kind.INVOICE, year=today.year, prefix=profile.number_prefix
        )
        snapshot = document.build(invoice=invoice, profile=profile, number=invoice.number, issue_date=today)
        _freeze(invoice, snapshot, profile, issued_on=today)
        audit_record(
            actor=actor,
            account=invoice.account,
            action="invoice.issued",
            subject=invoice,
            before={"status": "draft"},
            after={"status": "issued", "number": invoice.number, "total": str(invoice.total)},
        )
        transaction.on_commit(functools.partial(_send_later, invoice.pk))
    return invoice, True


def _freeze(invoice: Invoice, snapshot: dict, profile: LegalProfile, *, issued_on: date) -> None:
    """Mark a locked invoice (or a new credit note) issued as ``snapshot`` says, and keep its PDF."""
    invoice.year = issued_on.year
    invoice.status = Invoice.Status.ISSUED
    invoice.issued_at = timezone.now()
    invoice.issue_date = issued_on
    invoice.due_date = date.fromisoformat(snapshot["due_date"])
    invoice.snapshot = snapshot
    invoice.language = snapshot["language"]
    invoice.vat_total = Decimal(snapshot["vat_total"])
    invoice.total_due = Decimal(snapshot["total_due"])
    invoice.save()
    logo = None
    if profile.logo:
        try:
            with profile.logo.open("rb") as handle:
                logo = handle.read()
        except OSError:
            logger.warning("Logo of account %s unreadable; invoice %s issued without it", profile.account_id, invoice)
    from .invoicing.pdf import snapshot_pdf  # (it draws on invoice_pdf, which imports this module)

    pdf = snapshot_pdf(snapshot, logo=logo)
    InvoiceFile.objects.create(invoice=invoice, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest())


def _send_later(invoice_id: int) -> None:
    from .tasks import invoice_send_task

    invoice_send_task.delay(invoice_id)


@dataclass
class InvoiceRun:
    issued: int = 0
    already: int = 0
    errors: int = 0


def invoices_issue_month(*, month: date | None = None, today: date | None = None) -> InvoiceRun:
    """Draft and issue the invoices of ``month`` (default: last month) for every client with charges in
    it. Safe to run twice: issued invoices are left as they are."""
    today = today or timezone.localdate()
    month = month or (today.replace(day=1) - timedelta(days=1))
    start, end = month_of(month)
    lo, hi = period_bounds(start, end)
    pairs = (
        LedgerEntry.objects.filter(client__isnull=False, created_at__gte=lo, created_at__lt=hi, kind__in=CHARGE_KINDS)
        # Accounts without a legal profile cannot issue an invoice a client may legally receive: their
        # drafts wait until the profile is filled in and the reseller issues them.
        .filter(account__legal_profile__isnull=False)
        .values_list("account_id", "client_id")
        .distinct()
        .order_by("account_id", "client_id")
    )
    run = InvoiceRun()
    for account_id, client_id in list(pairs):
        try:
            invoice = invoice_draft(account_id=account_id, client_id=client_id, month=start)
            if invoice.status == Invoice.Status.ISSUED:
                run.already += 1
                continue
            _invoice, issued_now = _issue(invoice_id=invoice.pk, actor=None, today=today)
            if issued_now:
                run.issued += 1
            else:  # another run issued it in the meantime
                run.already += 1
        except Exception:  # noqa: BLE001 - one client's failure must not stop every other invoice; the next run retries
            logger.exception("Invoice for client %s, %s failed", client_id, start)
            run.errors += 1
    return run


def invoice_prepare(*, actor: Actor, client_id, month: date) -> Invoice:
    """The reseller asks for a client's invoice of a month: its draft brought up to date (or the issued
    invoice as it is). Not for client logins: their invoices come to them issued."""
    from accounts.selectors import client_get

    if actor.is_client_scoped or not actor.can_see_wallet:
        raise PermissionDenied(_("Invoices are prepared by the reseller."))
    client = client_get(actor=actor, client_id=client_id)
    if month > timezone.localdate():
        raise ValidationFailed(fields={"month": [_("That month has not started yet.")]})
    return invoice_draft(account_id=actor.account.pk, client_id=client.pk, month=month)


def invoice_issue_now(*, actor: Actor, invoice_id) -> Invoice:
    """The reseller issues a draft by hand (before the monthly run, or after it failed). Owners and
    admins only."""
    invoice = _resellers_invoice(actor=actor, invoice_id=invoice_id, refused=_("Invoices are issued by the reseller."))
    return invoice_issue(invoice_id=invoice.pk, actor=actor)


def _resellers_invoice(*, actor: Actor, invoice_id, refused: str) -> Invoice:
    """The invoice an owner or admin of the reseller acts on (``refused``: what a client's people are told)."""
    from .selectors import invoice_get

    actor.require_admin()
    if actor.is_client_scoped:
        raise PermissionDenied(refused)
    return invoice_get(actor=actor, invoice_id=invoice_id)


def invoice_credit(*, actor: Actor, invoice_id, reason: str) -> Invoice:
    """Cancel an issued invoice with a credit note: a document of its own, numbered in the credit-note
    series, with the invoice's identities and lines and every amount negated. Owners and admins; once per
    invoice (a second attempt, or one at the same moment, finds the first)."""
    invoice = _resellers_invoice(
        actor=actor, invoice_id=invoice_id, refused=_("Credit notes are issued by the reseller.")
    )
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the invoice is credited: the client reads it.")]})
    today = timezone.localdate()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.ISSUED or not invoice.snapshot:
            raise InvalidState(_("Only an issued invoice can be credited."))
        if invoice.paid_at is not None:
            raise InvalidState(_("This invoice is paid: mark it unpaid first, then credit it."))
        existing = invoice.credit_notes.first()
        if existing is not None:
            raise InvalidState(_("This invoice is credited already (%(number)s).") % {"number": existing.number})
        profile = LegalProfile.objects.get(account_id=invoice.account_id)
        sequence, number = numbering.next_number(
            account_id=invoice.account_id, kind=Invoice.Kind.CREDIT_NOTE, year=today.year, prefix=profile.number_prefix
        )
        snapshot = document.credit_of(invoice.snapshot, number=number, issue_date=today, reason=reason)
        note = Invoice(
            account_id=invoice.account_id,
            client_id=invoice.client_id,
            kind=Invoice.Kind.CREDIT_NOTE,
            credit_for=invoice,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            sequence=sequence,
            number=number,
            currency=invoice.currency,
            total=-invoice.total,
            wholesale_total=-invoice.wholesale_total,
            line_count=invoice.line_count,
        )
        _freeze(note, snapshot, profile, issued_on=today)
        audit_record(
            actor=actor,
            account=invoice.account,
            action="invoice.credited",
            subject=invoice,
            before={"status": "issued"},
            after={"credit_note": number, "reason": reason, "total": snapshot["total_due"]},
        )
        transaction.on_commit(functools.partial(_send_later, note.pk))
    return note


def invoice_reissue(*, actor: Actor, invoice_id) -> Invoice:
    """Invoice a credited invoice's client and month again: a corrected invoice, a new draft that
    ``replaces`` the credited one (its lines from the ledger, like any draft; it takes the next number of
    the invoice series when issued, and its document names the invoice it replaces). Owners and admins.
    Once per credited invoice: asking again (or at the same moment) returns the corrected invoice there is."""
    invoice = _resellers_invoice(
        actor=actor, invoice_id=invoice_id, refused=_("Invoices are prepared by the reseller.")
    )
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.ISSUED:
            raise InvalidState(_("Only an issued invoice can be corrected."))
        note = invoice.credit_notes.first()
        if note is None:
            raise InvalidState(_("Credit this invoice first: its corrected invoice replaces it."))
        existing = Invoice.objects.filter(replaces=invoice).first()
        if existing is not None:
            return existing
        draft = Invoice.objects.create(
            account_id=invoice.account_id,
            client_id=invoice.client_id,
            replaces=invoice,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            currency=invoice.currency,
        )
        _rebuild(draft)
        audit_record(
            actor=actor,
            account=invoice.account,
            action="invoice.reissue_prepared",
            subject=draft,
            before={"replaces": invoice.number, "credit_note": note.number},
            after={"status": "draft", "total": str(draft.total)},
        )
    return draft


def invoice_mark_paid(*, actor: Actor, invoice_id, paid: bool = True) -> Invoice:
    """The reseller records that an issued invoice was paid (or takes that back). Owners and admins."""
    invoice = _resellers_invoice(
        actor=actor, invoice_id=invoice_id, refused=_("Payments are recorded by the reseller.")
    )
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.ISSUED:
            raise InvalidState(_("Only an issued invoice can be paid."))
        if paid and invoice.is_credited:
            raise InvalidState(_("This invoice is credited: there is nothing to pay."))
        before = invoice.paid_at
        if paid and before is None:
            invoice.paid_at = timezone.now()
        elif not paid:
            invoice.paid_at = None
        if invoice.paid_at != before:
            # Only the payment state: everything the document says stays as issued.
            invoice.save(update_fields=["paid_at", "updated_at"])
            audit_record(
                actor=actor,
                account=invoice.account,
                action="invoice.paid" if paid else "invoice.unpaid",
                subject=invoice,
                before={"paid_at": before},
                after={"paid_at": invoice.paid_at},
            )
    return invoice
