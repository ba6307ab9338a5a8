from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import admin as accounts_admin
from accounts.actor import system_actor
from accounts.models import Account
from portal.admin import ReadOnlyAdmin, StaffAdmin
from portal.errors import ApplicationError
from portal.pages import add_error

from . import services
from .forms import WalletCreditForm
from .models import Invoice, InvoiceLine, LedgerEntry, PaymentEvent, PaymentProfile, PriceRule, TopUp, Wallet
from .money import to_cents_str
from .payments import services as payment_services
from .payments.forms import BankTransferForm


@admin.register(Wallet)
class WalletAdmin(StaffAdmin):
    list_display = ["account", "currency", "balance", "updated_at", "credit_link"]
    search_fields = ["account__name"]
    list_select_related = ["account"]
    readonly_fields = ["account", "currency", "balance", "updated_at", "credit_link"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("money"))
    def credit_link(self, obj):
        url = reverse("admin:billing_wallet_credit", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Credit or adjust"))

    def get_urls(self):
        custom = [
            path("<int:wallet_id>/credit/", self.admin_site.admin_view(self.credit_view), name="billing_wallet_credit")
        ]
        return custom + super().get_urls()

    def credit_view(self, request, wallet_id: int):
        """Top-up, refund or adjustment by staff: one ledger entry plus an audit row, never an edit."""
        if not request.user.has_perm("billing.change_wallet"):
            return redirect("admin:index")
        wallet = get_object_or_404(Wallet.objects.select_related("account"), pk=wallet_id)
        form = WalletCreditForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                entry = services.wallet_credit(
                    actor=system_actor(wallet.account, user=request.user),
                    amount=form.cleaned_data["amount"],
                    kind=form.cleaned_data["kind"],
                    description=form.cleaned_data["description"],
                )
                self.message_user(
                    request,
                    _("Recorded %(amount)s EUR for %(account)s.") % {"amount": entry.amount, "account": wallet.account},
                    messages.SUCCESS,
                )
                return redirect("admin:billing_wallet_change", wallet.pk)
            except ApplicationError as exc:
                add_error(form, exc)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Credit or adjust the wallet of %(account)s") % {"account": wallet.account},
            "wallet": wallet,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/wallet_credit.html", context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "client",
        "kind",
        "amount",
        "client_amount",
        "balance_after",
        "reference_type",
        "reference_id",
        "description",
    ]
    list_filter = ["kind", "reference_type"]
    search_fields = ["account__name", "client__name", "reference_id", "description"]
    date_hierarchy = "created_at"
    list_select_related = ["account", "client"]
    actions = ["refund_charges"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("billing.change_wallet"):
            actions.pop("refund_charges", None)
        return actions

    @admin.action(description=_("Refund the selected charges…"))
    def refund_charges(self, request, queryset):
        """Asks for the reason first (a page listing what will be given back), then refunds."""
        charges = queryset.filter(amount__lt=0).exclude(kind=LedgerEntry.Kind.REFUND).select_related("account")
        reason = request.POST.get("reason", "")
        if request.POST.get("confirm") == "yes":
            try:
                made, total = services.charges_refund(
                    staff_user=request.user, entry_ids=list(charges.values_list("pk", flat=True)), reason=reason
                )
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Refunded %(n)d charge(s), EUR %(total)s in all (charges refunded before were skipped).")
                    % {"n": made, "total": total},
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund charges"),
            "charges": charges,
            "ids": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "opts": self.model._meta,
            "reason": reason,
        }
        return TemplateResponse(request, "admin/billing/refund_charges.html", context)


@admin.register(PriceRule)
class PriceRuleAdmin(ReadOnlyAdmin):
    """Read-only for staff: resellers keep their own price lists (changes are audited there)."""

    list_display = ["account", "client", "country", "number_type", "markup_percent", "fixed_monthly", "updated_at"]
    list_filter = ["number_type"]
    search_fields = ["account__name", "client__name"]
    list_select_related = ["account", "client", "country"]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ["date", "kind", "number_e164", "description", "amount", "wholesale", "entry"]
    readonly_fields = ["date", "kind", "number_e164", "description", "amount", "wholesale", "entry"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "account", "client", "period_start", "status", "total", "wholesale_total", "issued_at"]
    list_filter = ["status", "period_start"]
    search_fields = ["account__name", "client__name"]
    list_select_related = ["account", "client"]
    inlines = [InvoiceLineInline]


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    """Top-ups are written by payments, never here; staff record a bank transfer from the list's button."""

    list_display = ["__str__", "account", "method", "status", "amount", "external_id", "created_at", "completed_at"]
    list_filter = ["method", "status"]
    search_fields = ["account__name", "external_id", "session_id"]
    list_select_related = ["account"]
    change_list_template = "admin/billing/topup_change_list.html"

    def get_urls(self):
        custom = [
            path(
                "bank-transfer/",
                self.admin_site.admin_view(self.bank_transfer_view),
                name="billing_topup_bank_transfer",
            )
        ]
        return custom + super().get_urls()

    def bank_transfer_view(self, request):
        """A transfer seen on the bank statement, against the reseller's payment reference: one credit per
        bank transaction id (recording it again changes nothing)."""
        if not request.user.has_perm("billing.change_wallet"):
            return redirect("admin:index")
        form = BankTransferForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                top_up = payment_services.bank_transfer_record(
                    staff_user=request.user,
                    transfer=payment_services.BankTransfer(
                        reference=form.cleaned_data["reference"],
                        amount=form.cleaned_data["amount"],
                        bank_transaction_id=form.cleaned_data["bank_transaction_id"],
                    ),
                )
            except ApplicationError as exc:
                add_error(form, exc)
            else:
                self.message_user(
                    request,
                    _("Recorded %(amount)s EUR from %(account)s (%(id)s).")
                    % {"amount": to_cents_str(top_up.amount), "account": top_up.account, "id": top_up.external_id},
                    messages.SUCCESS,
                )
                return redirect("admin:billing_topup_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a bank transfer"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/bank_transfer.html", context)


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at", "processed_at", "attempts"]
    list_filter = ["type"]
    search_fields = ["event_id"]


@admin.register(PaymentProfile)
class PaymentProfileAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "card_label",
        "auto_recharge_enabled",
        "auto_recharge_threshold",
        "low_balance_threshold",
    ]
    search_fields = ["account__name"]
    list_select_related = ["account"]


# The accounts list, with what billing knows of each account: its wallet and a button to run its renewals.
admin.site.unregister(Account)


@admin.register(Account)
class AccountAdmin(accounts_admin.AccountAdmin):
    list_display = [*accounts_admin.AccountAdmin.list_display[:-1], "wallet_balance", "created_at"]
    actions = ["run_renewals"]

    @admin.action(description=_("Run renewals now for the selected accounts"))
    def run_renewals(self, request, queryset):
        from .renewals import renewals_run

        report = renewals_run(account_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            _(
                "Renewed %(renewed)d number(s) for EUR %(charged)s; %(failed)d could not be paid, "
                "%(suspended)d suspended, %(released)d released."
            )
            % {
                "renewed": report.renewed,
                "charged": report.charged,
                "failed": report.failed,
                "suspended": report.suspended,
                "released": report.released,
            },
            messages.SUCCESS,
        )

    @admin.display(description=_("wallet"))
    def wallet_balance(self, obj):
        wallet = getattr(obj, "wallet", None)
        return f"{to_cents_str(wallet.balance)} {wallet.currency}" if wallet else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("wallet")
