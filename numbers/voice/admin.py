from django.contrib import admin

from portal.admin import ReadOnlyAdmin

from .models import Call


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    """Call records as the edge reported them: staff look, nobody edits (they are imported, and charged)."""

    list_display = ["started_at", "e164", "caller", "account", "client", "trunk", "status", "sip_code", "duration_ms"]
    list_filter = ["status"]
    search_fields = ["e164", "caller", "sip_call_id", "uid", "account__name"]
    date_hierarchy = "started_at"
    list_select_related = ["account", "client", "trunk"]
