from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import TypedDict

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from portal.storage import PrivateFileStorage


class _Money(TypedDict):
    max_digits: int
    decimal_places: int


# Every amount of money: 14 digits, 4 of them decimals (typed, so a field that unpacks it is checked).
MONEY: _Money = {"max_digits": 14, "decimal_places": 4}


class Wallet(models.Model):
    """A reseller's prepaid EUR wallet. ``balance`` is kept equal to the sum of its ledger entries by
    ``billing.ledger``, the only code that changes it, always with this row locked."""

    account = models.OneToOneField("accounts.Account", on_delete=models.PROTECT, related_name="wallet")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    balance = models.DecimalField(_("balance"), default=Decimal("0"), **MONEY)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")

    def __str__(self) -> str:
        from .money import to_cents_str

        return f"{self.account} · {self.currency} {to_cents_str(self.balance)}"


class LedgerEntry(models.Model):
    """One movement of money. Append-only: a correction is a new, reversing entry."""

    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Top-up")
        ADJUSTMENT = "adjustment", _("Adjustment")
        REFUND = "refund", _("Refund")
        NUMBER_PURCHASE = "number_purchase", _("Number purchase")
        SETUP_FEE = "setup_fee", _("Setup fee")
        NUMBER_RENEWAL = "number_renewal", _("Number renewal")
        SMS_ADDON = "sms_addon", _("SMS add-on")
        SMS_OUTBOUND = "sms_outbound", _("Outbound SMS")
        SMS_INBOUND = "sms_inbound", _("Inbound SMS")
        PORTING = "porting", _("Porting")
        TOP_UP_REFUND = "top_up_refund", _("Top-up refunded")
        CHARGEBACK = "chargeback", _("Chargeback")
        CHARGEBACK_REVERSAL = "chargeback_reversal", _("Chargeback reversed")
        CALL_MINUTES = "call_minutes", _("Call minutes")

    # No index of their own: the composite indexes and the unique constraint below all lead with these
    # columns, and every index less is less work for each of the many entries a renewal run writes.
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries", db_index=False)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    client = models.ForeignKey(
        "accounts.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), help_text=_("Positive credits, negative debits."), **MONEY)
    # What the reseller bills its client for this entry (same sign as ``amount``), fixed at the time of
    # the charge by the account's price list. Set on every entry that names a client; empty otherwise.
    client_amount = models.DecimalField(_("client price"), null=True, blank=True, **MONEY)
    # The number the entry is for (its own charges, and the messages sent from it): costs by number.
    number = models.ForeignKey(
        "numbers.Number", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    balance_after = models.DecimalField(_("balance after"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    reference_type = models.CharField(_("reference type"), max_length=32, blank=True)
    reference_id = models.CharField(_("reference id"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=255)
    # Set for charges that must happen once only (a renewal period, a request's Idempotency-Key):
    # a second attempt hits the constraint and the first entry is returned instead.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, editable=False)
    created_by = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["wallet", "kind", "dedupe_key"],
                condition=models.Q(dedupe_key__isnull=False),
                name="ledger_charge_once",
            ),
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_amount_not_zero"),
        ]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="ledger_account_created"),
            models.Index(fields=["account", "client", "-created_at"], name="ledger_account_client_created"),
            models.Index(fields=["account", "reference_type", "reference_id"], name="ledger_account_reference"),
            models.Index(fields=["client", "created_at"], name="ledger_client_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    @property
    def public_id(self) -> str:
        return f"txn_{self.pk}"

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


class PriceRule(models.Model):
    """One line of a reseller's price list: how its clients' prices are derived from wholesale.

    A client's price for a chargeable item is ``wholesale × (1 + markup_percent / 100) + fixed`` (the
    fixed part per item: a month of a number, a setup fee, a month of the SMS add-on, an SMS segment).
    The most specific line wins: a line for the client beats the account's default lines, and within
    each, country and type beat country beats type beats all. No line at all: the client pays wholesale.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="price_rules")
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, null=True, blank=True, related_name="price_rules"
    )
    country = models.ForeignKey(
        "numbers.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("country")
    )
    number_type = models.CharField(_("number type"), max_length=16, blank=True)
    markup_percent = models.DecimalField(_("markup %"), max_digits=7, decimal_places=2, default=Decimal("0"))
    fixed_monthly = models.DecimalField(_("+ per month of a number"), default=Decimal("0"), **MONEY)
    fixed_setup = models.DecimalField(_("+ per setup fee"), default=Decimal("0"), **MONEY)
    fixed_sms_addon = models.DecimalField(_("+ per month of SMS add-on"), default=Decimal("0"), **MONEY)
    fixed_sms_segment = models.DecimalField(_("+ per SMS segment"), default=Decimal("0"), **MONEY)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("price rule")
        verbose_name_plural = _("price rules")
        ordering = ["account", "client", "country", "number_type"]
        constraints = [
            models.UniqueConstraint(
                models.F("account"),
                Coalesce(models.F("client"), models.Value(0)),
                Coalesce(models.F("country"), models.Value("")),
                models.F("number_type"),
                name="price_rule_one_per_scope",
            ),
            models.CheckConstraint(condition=models.Q(markup_percent__gte=0), name="price_rule_markup_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.scope_label}"

    @property
    def public_id(self) -> str:
        return f"prc_{self.pk}"

    @property
    def scope_label(self) -> str:
        parts = [self.client.name if self.client is not None else str(_("All clients"))]
        if self.country_id:
            parts.append(self.country_id)
        if self.number_type:
            parts.append(self.number_type)
        return " · ".join(parts)


class Invoice(models.Model):
    """A client's monthly invoice, or a credit note cancelling one.

    An invoice holds its client's charges and refunds of one calendar month at the client's prices. A draft
    follows the ledger (its lines are rebuilt from the entries); issuing freezes it: it takes the account's
    next number of the year, and everything the document says (both legal identities, lines, VAT, totals,
    payment details) is kept in ``snapshot`` with the PDF made from it (``InvoiceFile``). Nothing about an
    issued document changes afterwards except its payment state; a mistake is corrected by a credit note,
    a document of its own (``kind`` credit note, ``credit_for`` the invoice) with the amounts negated. The
    month can then be invoiced again: a corrected invoice (``replaces`` the credited one) is a new draft of
    the same client and month, numbered in the same series when it is issued."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="invoices")
    client = models.ForeignKey("accounts.Client", on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(_("document"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    credit_for = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes", editable=False
    )
    # A corrected invoice: the credited invoice of the same client and month it replaces (once).
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", editable=False
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    # The place in its year's series (``InvoiceCounter``) and the number printed from it, both set at issue.
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True, editable=False)
    number = models.CharField(_("number"), max_length=40, blank=True, editable=False)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # Without VAT (what the lines add up to), the VAT, and what the client pays.
    total = models.DecimalField(_("total"), default=Decimal("0"), **MONEY)
    vat_total = models.DecimalField(_("VAT"), default=Decimal("0"), **MONEY)
    total_due = models.DecimalField(_("total due"), default=Decimal("0"), **MONEY)
    # The reseller's cost of the same lines: never shown to the client.
    wholesale_total = models.DecimalField(_("wholesale total"), default=Decimal("0"), **MONEY)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    snapshot = models.JSONField(_("as issued"), null=True, blank=True, editable=False, encoder=DjangoJSONEncoder)
    language = models.CharField(_("language"), max_length=10, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-period_start", "client__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "period_start"],
                condition=models.Q(kind="invoice", replaces__isnull=True),
                name="invoice_one_per_client_month",
            ),
            models.UniqueConstraint(
                fields=["replaces"], condition=models.Q(replaces__isnull=False), name="invoice_replaced_once"
            ),
            models.CheckConstraint(
                condition=models.Q(replaces__isnull=True) | models.Q(kind="invoice"),
                name="invoice_only_an_invoice_replaces",
            ),
            models.UniqueConstraint(
                fields=["account", "number"], condition=~models.Q(number=""), name="invoice_number_unique"
            ),
            models.UniqueConstraint(
                fields=["credit_for"], condition=models.Q(credit_for__isnull=False), name="invoice_credited_once"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", sequence__isnull=True, number="")
                | models.Q(status="issued", sequence__isnull=False, issued_at__isnull=False),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="invoice", credit_for__isnull=True)
                | models.Q(kind="credit_note", credit_for__isnull=False, status="issued"),
                name="invoice_credit_note_references_invoice",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-period_start"], name="invoice_account_period"),
            models.Index(
                fields=["due_date"],
                condition=models.Q(status="issued", kind="invoice", paid_at__isnull=True),
                name="invoice_unpaid_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.client} {self.period_start:%Y-%m} ({self.get_status_display()})"

    @property
    def public_id(self) -> str:
        return f"inv_{self.pk}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    def is_overdue(self, today=None) -> bool:
        """Issued, unpaid, not credited, and past its due date (computed, never stored)."""
        today = today or timezone.localdate()
        return (
            self.kind == self.Kind.INVOICE
            and self.status == self.Status.ISSUED
            and self.paid_at is None
            and self.due_date is not None
            and self.due_date < today
            and self.total_due > 0
            and not self.is_credited
        )

    @property
    def is_credited(self) -> bool:
        return self.kind == self.Kind.INVOICE and self.status == self.Status.ISSUED and self.credit_notes.exists()

    def payment_state(self, today=None) -> str:
        """draft, paid, credited, overdue, open (or issued for a credit note)."""
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.is_credit_note:
            return "issued"
        if self.paid_at is not None:
            return "paid"
        if self.is_credited:
            return "credited"
        return "overdue" if self.is_overdue(today) else "open"


class InvoiceCounter(models.Model):
    """The last number handed out in one series: an account's invoices (or credit notes) of one year.
    Locked (``SELECT … FOR UPDATE``) by the transaction that issues; the number is taken in that same
    transaction, so a rollback gives it back and the series never has a gap or a duplicate."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Invoice.Kind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "kind", "year"], name="invoice_counter_one")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.year}: {self.last}"


class InvoiceFile(models.Model):
    """The PDF of an issued invoice or credit note, made once at issue from its snapshot and kept as it
    was sent (``sha256`` lets anyone check a copy)."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="file")
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.invoice} ({self.sha256[:12]})"


@deconstructible
class PrivateMediaStorage(PrivateFileStorage):
    """Uploads (the legal profile's logo) under ``MEDIA_DIR``."""

    folder_setting = "MEDIA_DIR"


def _logo_path(profile: LegalProfile, filename: str) -> str:
    extension = Path(filename).suffix.lower()
    return f"logos/{profile.account_id}-{uuid.uuid4().hex}{extension}"


class LegalProfile(models.Model):
    """Who a reseller is on the invoices it hands its clients: its legal identity, how to pay it, and how
    it charges VAT. One per account; invoices copy it into their snapshot when issued."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, related_name="legal_profile")
    legal_name = models.CharField(_("legal name"), max_length=200)
    address_line1 = models.CharField(_("address"), max_length=200)
    address_line2 = models.CharField(_("address (second line)"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2)
    vat_id = models.CharField(_("VAT or tax id"), max_length=40, blank=True)
    company_registration = models.CharField(_("company registration"), max_length=100, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    payment_instructions = models.TextField(_("payment instructions"), max_length=1000, blank=True)
    logo = models.FileField(_("logo"), storage=PrivateMediaStorage(), upload_to=_logo_path, max_length=200, blank=True)
    invoice_footer = models.TextField(_("invoice footer"), max_length=500, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    number_prefix = models.CharField(_("invoice number prefix"), max_length=12, default="INV")
    vat_rate = models.DecimalField(_("domestic VAT rate (%)"), max_digits=5, decimal_places=2, default=Decimal("0"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("legal profile")
        verbose_name_plural = _("legal profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vat_rate__gte=0, vat_rate__lt=100), name="legal_profile_vat_rate_range"
            )
        ]

    def __str__(self) -> str:
        return self.legal_name


class ViesResult(models.TextChoices):
    VALID = "valid", _("valid")
    INVALID = "invalid", _("not registered")
    UNAVAILABLE = "unavailable", _("could not be checked")


class ClientBillingProfile(models.Model):
    """Who a client is on its invoices, and where and in which language they are sent. Kept by the
    reseller; the client's admins can read it."""

    client = models.OneToOneField("accounts.Client", on_delete=models.CASCADE, related_name="billing_profile")
    legal_name = models.CharField(_("legal name"), max_length=200)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (second line)"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2)
    vat_id = models.CharField(_("VAT id"), max_length=40, blank=True)
    billing_email = models.EmailField(_("billing email"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    # The last VIES check of an EU VAT id (``billing.invoicing.vies``): for which id, its answer, when, and
    # the name the member state holds. Cleared when the VAT id changes; never decides the VAT by itself.
    vies_vat_id = models.CharField(_("VAT id checked"), max_length=40, blank=True, editable=False)
    vies_result = models.CharField(_("VIES"), max_length=12, choices=ViesResult.choices, blank=True, editable=False)
    vies_checked_at = models.DateTimeField(_("VIES checked"), null=True, blank=True, editable=False)
    vies_name = models.CharField(_("name in VIES"), max_length=200, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("client billing profile")
        verbose_name_plural = _("client billing profiles")

    def __str__(self) -> str:
        return self.legal_name


class InvoiceLine(models.Model):
    """One ledger entry on an invoice, at the client's price (a charge positive, a refund negative)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    # An entry is billed once: on one invoice of each correction (0: the month's invoice; 1: the corrected
    # invoice replacing it once it was credited; 2: one replacing that, …), never twice on live invoices.
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="invoice_lines")
    correction = models.PositiveSmallIntegerField(default=0, editable=False)
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=24, choices=LedgerEntry.Kind.choices)
    description = models.CharField(_("description"), max_length=255)
    number_e164 = models.CharField(_("number"), max_length=20, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    wholesale = models.DecimalField(_("wholesale"), **MONEY)
    # The SMS a line pays for (or refunds), with its segments (negative on a refund): what the invoice's
    # summary by number and the message list add up. Empty on every other line.
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    segments = models.IntegerField(_("segments"), default=0)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["date", "entry_id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "correction"], name="invoice_line_entry_billed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.description} {self.amount}"


class PaymentProfile(models.Model):
    """How a reseller pays in: its saved card (Stripe customer and payment method), auto-recharge and the
    low-balance alert. Created on first use. The ``*_claimed_at`` / ``*_alerted_at`` columns make each
    threshold act once per crossing: set by a conditional UPDATE when the balance is under the threshold,
    cleared when it is back at or above it."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, related_name="payment_profile")
    stripe_customer_id = models.CharField(max_length=64, blank=True)
    stripe_payment_method_id = models.CharField(max_length=64, blank=True)
    card_label = models.CharField(_("saved card"), max_length=64, blank=True)
    auto_recharge_enabled = models.BooleanField(_("auto-recharge"), default=False)
    auto_recharge_threshold = models.DecimalField(_("recharge below"), null=True, blank=True, **MONEY)
    auto_recharge_amount = models.DecimalField(_("recharge amount"), null=True, blank=True, **MONEY)
    auto_recharge_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    auto_recharge_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    auto_recharge_retry_at = models.DateTimeField(null=True, blank=True, editable=False)
    low_balance_threshold = models.DecimalField(_("alert below"), null=True, blank=True, **MONEY)
    low_balance_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payment settings")
        verbose_name_plural = _("payment settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(auto_recharge_enabled=False)
                | models.Q(auto_recharge_threshold__isnull=False, auto_recharge_amount__gt=0),
                name="auto_recharge_complete",
            )
        ]

    def __str__(self) -> str:
        return str(self.account)


class TopUp(models.Model):
    """Money paid into a wallet from outside: a Stripe Checkout payment (card or SEPA), an off-session
    auto-recharge, or a bank transfer recorded by staff. ``(provider, external_id)`` is unique: one
    top-up, hence one ledger credit, per Stripe PaymentIntent or bank transaction."""

    class Method(models.TextChoices):
        CHECKOUT = "checkout", _("Card or SEPA")
        AUTO_RECHARGE = "auto_recharge", _("Auto-recharge")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        BANK = "bank", _("Bank")

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="top_ups")
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(max_length=8, choices=Provider.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # Stripe: the Checkout Session (cs_…) and the PaymentIntent (pi_…) it made; bank: the bank's
    # transaction id. Either id alone names one payment.
    session_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    external_id = models.CharField(_("payment id"), max_length=255, null=True, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    save_card = models.BooleanField(default=False)
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="top_up", editable=False
    )
    failure_message = models.CharField(_("failure"), max_length=255, blank=True)
    created_by = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    completed_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("top-up")
        verbose_name_plural = _("top-ups")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="top_up_one_per_payment",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="top_up_amount_positive"),
        ]
        indexes = [models.Index(fields=["account", "-created_at"], name="top_up_account_created")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.amount} {self.currency}"

    @property
    def public_id(self) -> str:
        return f"top_{self.pk}"

    @property
    def dedupe_key(self) -> str:
        """The ledger key of its credit: the provider's payment id, so a payment is credited once."""
        return f"{self.provider}:{self.external_id}"


class PaymentEvent(models.Model):
    """An event a payment provider sent us, stored raw under the provider's id (a retry or a duplicate hits
    the constraint) and processed by a task."""

    provider = models.CharField(max_length=8, default="stripe")
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="payment_event_once")]
        indexes = [
            models.Index(
                fields=["received_at"], condition=models.Q(processed_at__isnull=True), name="payment_event_unprocessed"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"
