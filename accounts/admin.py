from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.admin import NoBulkDeleteAdmin, StaffAdmin
from portal.errors import ApplicationError

from .models import Account, ApiKey, AuditLog, Brand, Client, Membership, User

# django-otp's page for its TOTP devices shows each secret and its QR code to staff, who could then make any
# person's codes. Authenticator apps live in AuthenticatorDevice (encrypted, no staff page): a person sets up
# and removes their own; a lost phone is what the recovery codes are for.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "client"]
    fk_name = "account"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "language")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["unlock_logins"]

    @admin.action(description=_("Unlock logins (after too many failed attempts)"))
    def unlock_logins(self, request, queryset):
        from .security.login import login_unlock

        cleared = sum(login_unlock(user=user, by=request.user) for user in queryset)
        self.message_user(request, _("Unlocked: %(n)d failed-attempt records cleared.") % {"n": cleared})


@admin.register(Account)
class AccountAdmin(NoBulkDeleteAdmin):
    """Accounts as identity and access know them; billing's admin adds the wallet column and the renewal
    button (accounts sit below billing and know nothing of money)."""

    list_display = [
        "name",
        "status",
        "suspension_reason",
        "billing_email",
        "api_rate_limit",
        "api_key_limit",
        "sms_rate_limit",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["name", "billing_email", "clients__name"]
    inlines = [MembershipInline]
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change):
        """Changes go through the service, so each one leaves an audit row."""
        if not change:
            return super().save_model(request, obj, form, change)
        from .actor import system_actor
        from .services import account_update

        changes = {field: form.cleaned_data[field] for field in form.changed_data if field in form.cleaned_data}
        if changes:
            try:
                account_update(actor=system_actor(obj, user=request.user), account=obj, **changes)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    def has_add_permission(self, request):
        # New resellers get a wallet, an owner login and keys: onboard them with
        # "manage.py reseller_create", which does all of it in one transaction.
        return False

    def has_delete_permission(self, request, obj=None):
        # An account has a wallet and a ledger, kept for good: suspend it instead.
        return False


@admin.register(Client)
class ClientAdmin(NoBulkDeleteAdmin):
    list_display = ["name", "account", "email", "reference", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "email", "reference", "account__name"]
    list_select_related = ["account"]
    autocomplete_fields = ["account"]

    def has_delete_permission(self, request, obj=None):
        # Its charges, invoices and numbers name it: its reseller suspends it instead.
        return False

    def get_readonly_fields(self, request, obj=None):
        # A client's numbers, keys, logins and ledger entries stay with its reseller: it never moves.
        return ["account", "created_at"] if obj else ["created_at"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "role", "client", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "account__name", "client__name"]
    list_select_related = ["user", "account", "client"]
    autocomplete_fields = ["user", "account", "client"]


@admin.register(ApiKey)
class ApiKeyAdmin(StaffAdmin):
    """Keys cannot be created here (the key would have to be shown in the admin); staff can revoke."""

    list_display = ["name", "masked", "account", "client", "read_only", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["read_only", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "last_four", "account__name"]
    list_select_related = ["account", "client"]
    readonly_fields = [
        "account",
        "client",
        "name",
        "read_only",
        "prefix",
        "last_four",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "expires_at",
        "allowed_ips",
    ]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        from .actor import system_actor
        from .services import api_key_revoke

        for key in queryset.select_related("account"):
            api_key_revoke(actor=system_actor(key.account, user=request.user), key=key)
        self.message_user(request, _("Keys revoked."))


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "subject_type", "subject_id", "account"]
    list_filter = ["action", "subject_type"]
    search_fields = ["actor_label", "action", "subject_id", "subject_label", "account__name"]
    date_hierarchy = "created_at"
    list_select_related = ["account"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    """Resellers set their brands themselves (Settings → Brand); staff only approve or withdraw a client
    portal domain, after checking its TXT record holds the token."""

    list_display = ["display_name", "account", "domain", "domain_verified_at", "updated_at"]
    list_filter = [("domain_verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["display_name", "account__name", "domain"]
    readonly_fields = [
        "account",
        "display_name",
        "primary_color",
        "accent_color",
        "support_email",
        "support_phone",
        "domain",
        "txt_record",
        "domain_token",
        "domain_verified_at",
        "updated_at",
    ]
    exclude = ["logo"]
    actions = ["approve_domain", "withdraw_domain"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("TXT record"))
    def txt_record(self, obj):
        from .branding.services import txt_record_name

        return f"{txt_record_name(obj)} = {obj.domain_token}" if obj.domain else "—"

    @admin.action(description=_("Approve the domain (its TXT record holds the token)"))
    def approve_domain(self, request, queryset):
        from .actor import system_actor
        from .branding.services import brand_domain_approve

        done = 0
        for brand in queryset.select_related("account"):
            try:
                brand_domain_approve(actor=system_actor(brand.account, user=request.user), brand_id=brand.pk)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{brand}: {exc.message}", level=messages.ERROR)
        self.message_user(request, _("Domains approved: %(n)d.") % {"n": done})

    @admin.action(description=_("Withdraw the domain (stop serving it)"))
    def withdraw_domain(self, request, queryset):
        from .actor import system_actor
        from .branding.services import brand_domain_withdraw

        for brand in queryset.select_related("account"):
            brand_domain_withdraw(actor=system_actor(brand.account, user=request.user), brand_id=brand.pk)
        self.message_user(request, _("Domains withdrawn."))
