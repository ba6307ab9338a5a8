from django.contrib import admin

from portal.admin import ReadOnlyAdmin

from .models import Call, TestCallSweep


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    """Call records as the edge reported them: staff look, nobody edits (they are imported, and charged)."""

    list_display = ["started_at", "e164", "caller", "account", "client", "trunk", "status", "sip_code", "duration_ms"]
    list_filter = ["status"]
    search_fields = ["e164", "caller", "sip_call_id", "uid", "account__name"]
    date_hierarchy = "started_at"
    list_select_related = ["account", "client", "trunk"]


@admin.register(TestCallSweep)
class TestCallSweepAdmin(ReadOnlyAdmin):
    """Each account's daily test-call sweeps (written by the periodic job only): staff look when a reseller
    asks why it was, or was not, told that a number stopped ringing."""

    list_display = ["day", "account", "created_at", "finished_at"]
    search_fields = ["account__name"]
    date_hierarchy = "day"
    list_select_related = ["account"]
