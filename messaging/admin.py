from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from portal.admin import NoBulkDeleteAdmin, StaffAdmin

from . import services
from .models import CarrierEvent, Message, SmsForward, SmsRate


@admin.register(SmsRate)
class SmsRateAdmin(NoBulkDeleteAdmin):
    """What an outbound segment costs, per destination country; countries without a row cost the default
    (SMS_SEGMENT_PRICE_DEFAULT). Changes apply to messages sent from then on."""

    list_display = ["country", "price_per_segment", "updated_at"]
    list_editable = ["price_per_segment"]
    search_fields = ["country__code", "country__name"]
    autocomplete_fields = ["country"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.rates_changed()


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
