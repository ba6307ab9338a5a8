from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.actor import system_actor
from portal.admin import NoBulkDeleteAdmin, StaffAdmin
from portal.errors import ApplicationError

from . import services
from .models import CarrierEvent, Message, SmsBlockedPrefix, SmsDestinationAllowance, SmsForward, SmsRate


@admin.register(SmsRate)
class SmsRateAdmin(NoBulkDeleteAdmin):
    """What an outbound segment costs, by destination prefix (the longest matching one wins; a row with a
    country prices only that country's numbers). A destination no row matches cannot be texted. Changes
    apply to messages sent from then on."""

    list_display = ["prefix_display", "country", "price_per_segment", "updated_at"]
    list_editable = ["price_per_segment"]
    search_fields = ["prefix", "country__code", "country__name"]
    autocomplete_fields = ["country"]

    @admin.display(description=_("prefix"), ordering="prefix")
    def prefix_display(self, obj):
        return f"+{obj.prefix}"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.rates_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.rates_changed()


@admin.register(SmsBlockedPrefix)
class SmsBlockedPrefixAdmin(admin.ModelAdmin):
    """Destination ranges no message goes to (satellite, international networks, premium rate …) unless
    an account is allowed them (Allowed SMS destinations). Premium-rate, shared-cost, personal, pager,
    voicemail and company access numbers are refused by their type as well."""

    list_display = ["__str__", "note", "created_at"]
    search_fields = ["prefix", "note"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.rates_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.rates_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.rates_changed()


class AllowanceForm(forms.ModelForm):
    class Meta:
        model = SmsDestinationAllowance
        fields = ["account", "prefix", "note"]


@admin.register(SmsDestinationAllowance)
class SmsDestinationAllowanceAdmin(NoBulkDeleteAdmin):
    """Ranges one account may text although they are refused to everyone else (a blocked prefix, a
    premium-rate or other special number). Added and removed, never edited; each change is audited."""

    form = AllowanceForm
    list_display = ["account", "prefix_display", "note", "created_by", "created_at"]
    list_select_related = ["account"]
    search_fields = ["account__name", "prefix", "note"]
    autocomplete_fields = ["account"]

    @admin.display(description=_("prefix"), ordering="prefix")
    def prefix_display(self, obj):
        return f"+{obj.prefix}"

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            actor = system_actor(obj.account, user=request.user)
            saved = services.sms_allowance_add(actor=actor, account=obj.account, prefix=obj.prefix, note=obj.note)
        except ApplicationError as exc:  # (the form checked the same; a race with another staff member)
            self.message_user(request, exc.message, messages.ERROR)
        else:
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.sms_allowance_remove(actor=system_actor(obj.account, user=request.user), allowance=obj)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Messages are read-only here: their charges and refunds live in the ledger."""

    list_display = ["public_id", "account", "direction", "from_e164", "to_e164", "segments", "amount", "status",
                    "created_at"]  # fmt: skip
    list_filter = ["direction", "status", "encoding", "refunded"]
    search_fields = ["from_e164", "to_e164", "carrier_ref", "account__name", "body"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["requeue"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Hand stuck messages to the carrier again"))
    def requeue(self, request, queryset):
        ids = list(
            queryset.filter(status__in=[Message.Status.QUEUED, Message.Status.SENDING]).values_list("pk", flat=True)
        )
        for message_id in ids:
            services.enqueue_dispatch(message_id, force=True)
        self.message_user(request, _("%(n)d message(s) queued for dispatch.") % {"n": len(ids)}, messages.SUCCESS)


@admin.register(CarrierEvent)
class CarrierEventAdmin(StaffAdmin):
    list_display = ["carrier", "kind", "provider_id", "received_at", "processed_at", "outcome"]
    list_filter = ["carrier", "kind"]
    search_fields = ["provider_id", "outcome"]
    readonly_fields = ["carrier", "kind", "provider_id", "payload", "received_at", "processed_at", "outcome"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SmsForward)
class SmsForwardAdmin(admin.ModelAdmin):
    """Inbound messages passed on to their numbers' forwarding destinations: read-only (the sweeper tries
    pending ones when due; a failed one stays in the inbox)."""

    list_display = ["message", "status", "attempts", "next_attempt_at", "error_code", "created_at", "finished_at"]
    list_filter = ["status", "error_code"]
    raw_id_fields = ["message"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
