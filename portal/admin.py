"""The staff console's shared bases (each app's admin builds on them), and the admin of the portal's own
rows: events, idempotency records and rate buckets."""

from django.contrib import admin

from .models import Event, IdempotencyRecord, RateBucket


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows staff look at and never edit here (the ledger, invoices, events …): no add, change or delete,
    so Django shows them without a Save button."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoBulkDeleteAdmin(admin.ModelAdmin):
    """No "Delete selected" on the list: rows that carry money (accounts, clients, prices) are never
    deleted by ticking boxes. One tick too many would take a reseller's wallet history or a price with it."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


def _has_input(form) -> bool:
    return any(not field.widget.is_hidden for field in form.fields.values())


def page_has_input(context) -> bool:
    """Whether a change page offers anything to save: a visible field on the form, or an inline that can
    add, delete or edit rows."""
    if _has_input(context["adminform"].form):
        return True
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        if inline.has_add_permission or formset.can_delete:
            return True
        if any(_has_input(form) for form in formset.forms):
            return True
    return False


class StaffAdmin(admin.ModelAdmin):
    """Change pages where every field is read-only (staff act through the actions and buttons shown
    there) show no Save buttons: saving would change nothing."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and not page_has_input(context):
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


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
