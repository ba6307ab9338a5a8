from django.contrib import admin

from billing.admin import ReadOnlyAdmin

from .models import Event, IdempotencyRecord, RateBucket


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "type", "account", "client", "subject_type", "subject_id"]
    list_filter = ["type"]
    search_fields = ["account__name", "subject_id", "uid"]
    date_hierarchy = "created_at"
    list_select_related = ["account", "client"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "key", "method", "path", "state", "response_status"]
    list_filter = ["state", "method"]
    search_fields = ["key", "path", "account__name"]
    list_select_related = ["account"]


@admin.register(RateBucket)
class RateBucketAdmin(ReadOnlyAdmin):
    list_display = ["bucket", "hits_in_log"]
    search_fields = ["bucket"]

    @admin.display(description="hits logged")
    def hits_in_log(self, obj):
        return obj.hits.count()


from portal.webhooks import admin as webhooks_admin  # noqa: E402, F401 (registers the webhook admin)
