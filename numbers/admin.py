from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin import NoBulkDeleteAdmin, StaffAdmin

from . import group_cache
from .carriers.sandbox import SandboxCarrier
from .models import AvailableNumber, Country, Number, NumberGroup, Order, OrderItem, SandboxRoute, SipTrunk
from .regulatory import admin as regulatory_admin  # noqa: F401 (registers the compliance and porting admins)
from .upstream import admin as upstream_admin  # noqa: F401 (registers the carriers admin)
from .voice import admin as voice_admin  # noqa: F401 (registers the call records admin)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "dial_code"]
    search_fields = ["code", "name"]


PRICE_FIELDS = ("monthly_price", "setup_fee", "sms_addon_price", "minute_price")


@admin.register(NumberGroup)
class NumberGroupAdmin(NoBulkDeleteAdmin):
    """Staff edit prices here; a change applies to numbers bought from now on (owned numbers keep the
    price they were bought at until renewal pricing says otherwise). The list fits a laptop screen with
    its filters: where the group is in one column, prices in narrow boxes."""

    list_display = [
        "place",
        "type",
        "monthly_price",
        "setup_fee",
        "sms_addon_price",
        "minute_price",
        "requires_regulatory",
    ]
    list_display_links = ["place"]
    list_editable = [*PRICE_FIELDS, "requires_regulatory"]
    list_filter = ["type", "requires_regulatory", "has_sms", "country"]
    search_fields = ["city", "region", "area_code", "country__name", "country__code"]
    list_select_related = ["country"]
    list_per_page = 50

    class Media:
        css = {"all": ["css/admin_prices.css"]}

    def get_changelist_form(self, request, **kwargs):
        price_box = forms.TextInput(attrs={"size": 8, "inputmode": "decimal", "class": "price-input"})
        kwargs.setdefault("widgets", {name: price_box for name in PRICE_FIELDS})
        return super().get_changelist_form(request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Never write back the for-sale counter loaded with the form: sales may have moved it since.
        if not change:
            obj.save()
        elif fields := [f for f in form.changed_data if f != "available_count"]:
            obj.save(update_fields=fields)
        group_cache.changed()  # searches show the new price at once

    @admin.display(description=_("group"), ordering="country__code")
    def place(self, obj):
        """Country code, area code and place, with what the numbers can do below (one column, so the
        prices stay in view)."""
        where = ", ".join(part for part in (obj.city, obj.region) if part)
        return format_html(
            '<span title="{}">{}</span>{}{}<br><span class="quiet">{}</span>',
            obj.country.name,
            obj.country_id,
            format_html(" · {}", obj.area_code) if obj.area_code else "",
            format_html(" · {}", where) if where else "",
            ", ".join(obj.capabilities),
        )

    @admin.display(description=_("capabilities"))
    def capabilities_display(self, obj):
        return ", ".join(obj.capabilities)


@admin.register(AvailableNumber)
class AvailableNumberAdmin(admin.ModelAdmin):
    """Read-only: stock comes from inventory_load and changes only by sales and releases, which keep the
    groups' for-sale counters right."""

    list_display = ["e164", "country", "type", "group", "status"]
    list_filter = ["status", "type"]
    search_fields = ["=e164"]
    list_select_related = ["group__country"]
    show_full_result_count = False  # a million rows: no COUNT(*) on every page view

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    readonly_fields = ["number", "e164", "billing_cycle", "setup_fee", "first_period"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(StaffAdmin):
    list_display = ["public_id", "account", "client", "total", "status", "created_by", "created_at"]
    list_filter = ["status"]
    search_fields = ["=id", "account__name", "client__name", "items__e164"]
    list_select_related = ["account", "client"]
    readonly_fields = ["account", "client", "status", "total", "currency", "created_by", "created_at"]
    inlines = [OrderItemInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Number)
class NumberAdmin(StaffAdmin):
    list_display = [
        "e164",
        "account",
        "client",
        "status",
        "type",
        "country",
        "billing_cycle",
        "paid_through",
        "cancel_at_period_end",
        "created_at",
    ]
    list_filter = ["status", "type", "billing_cycle", "cancel_at_period_end", "country"]
    search_fields = ["e164", "account__name", "client__name", "label", "carrier_ref"]
    list_select_related = ["account", "client", "country", "trunk"]
    readonly_fields = [
        "account",
        "order",
        "group",
        "e164",
        "country",
        "type",
        "status",
        "monthly_price",
        "setup_fee",
        "paid_through",
        "carrier_ref",
        "provision_attempts",
        "provision_claimed_at",
        "last_error",
        "activated_at",
        "released_at",
        "created_at",
        "updated_at",
        "client",
        "billing_cycle",
        "capabilities_display",
        "forwarding",
        "sms_forwarding",
        "webhook_url",
        "sms_webhook_url",
        "voice_webhook_url",
        "compliance_profile",
        "regulatory_held_at",
        "port",
        "label",
        "tags_display",
        "cancel_at_period_end",
        "trunk",
        "route_applied",
        "route_applied_at",
        "sms_enabled",
        "sms_monthly_price",
        "billing_day",
        "payment_due_since",
        "suspended_at",
        "provision_retry_at",
    ]
    # Read-only, every field: a number changes through the portal's services (routing, SMS, renewals),
    # which keep the ledger, the carrier and the audit log in step. Its lists are shown as words, not JSON.
    exclude = ["capabilities", "tags"]

    def get_readonly_fields(self, request, obj=None):
        """The fields above in that order, then any field added to the model since: none is ever editable."""
        listed = list(self.readonly_fields)
        later = [
            f.name
            for f in self.model._meta.concrete_fields
            if not f.primary_key and f.name not in listed and f.name not in self.exclude
        ]
        return listed + later

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("capabilities"))
    def capabilities_display(self, obj):
        return ", ".join(obj.capabilities) or "—"

    @admin.display(description=_("tags"))
    def tags_display(self, obj):
        return ", ".join(obj.tags) or "—"


@admin.register(SipTrunk)
class SipTrunkAdmin(admin.ModelAdmin):
    """Passwords are never here (only their HA1 exists). The sandbox actions stand in for a PBX."""

    list_display = [
        "name",
        "public_id",
        "account",
        "client",
        "auth_type",
        "username",
        "channels",
        "status",
        "registration",
        "registration_changed_at",
    ]
    list_filter = ["auth_type", "status", "registration"]
    search_fields = ["name", "username", "uid", "account__name", "client__name"]
    list_select_related = ["account", "client"]
    readonly_fields = [
        "uid",
        "account",
        "client",
        "username",
        "sip_server",
        "auth_type",
        "status",
        "registration",
        "registration_changed_at",
        "registered_contact",
        "credentials_rotated_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["ha1"]
    actions = ["simulate_registered", "simulate_offline"]

    def has_add_permission(self, request):
        return False  # trunks are created by resellers, who must see the password once

    @admin.action(description=_("Sandbox: the PBX registers"))
    def simulate_registered(self, request, queryset):
        for trunk in queryset:
            SandboxCarrier().simulate_registration(trunk_id=trunk.pk, registered=True, contact="sip:pbx@sandbox")
        self.message_user(request, _("Registration reported."))

    @admin.action(description=_("Sandbox: the PBX goes offline"))
    def simulate_offline(self, request, queryset):
        for trunk in queryset:
            SandboxCarrier().simulate_registration(trunk_id=trunk.pk, registered=False)
        self.message_user(request, _("Offline reported."))


@admin.register(SandboxRoute)
class SandboxRouteAdmin(StaffAdmin):
    list_display = ["carrier_ref", "destination", "updated_at"]
    search_fields = ["carrier_ref", "destination"]
    readonly_fields = ["carrier_ref", "destination", "updated_at"]

    def has_add_permission(self, request):
        return False
