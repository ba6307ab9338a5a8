"""Staff views of webhooks: endpoints (never their secrets) and the delivery log, read-only, with a
redeliver action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.actor import system_actor
from portal.admin import ReadOnlyAdmin
from portal.errors import ApplicationError

from . import services
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["public_id", "account", "client", "kind", "url", "enabled", "disabled_reason", "created_at"]
    list_filter = ["enabled", "kind"]
    search_fields = ["uid", "url", "account__name", "client__name"]
    list_select_related = ["account", "client"]
    # The secrets are not fields of this form at all: staff switch endpoints on or off, never see a secret.
    fields = [
        "public_id",
        "account",
        "client",
        "kind",
        "url",
        "events",
        "description",
        "enabled",
        "disabled_reason",
        "disabled_at",
        "secret_rotated_at",
        "created_at",
    ]
    readonly_fields = [f for f in fields if f not in {"description", "enabled"}]

    @admin.display(description=_("id"))
    def public_id(self, obj):
        return obj.public_id

    def has_add_permission(self, request):
        return False


class WebhookAttemptInline(admin.TabularInline):
    formfield_overrides = URL_FIELDS
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "at", "status_code", "error", "latency_ms", "response_excerpt", "manual", "request_headers"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["public_id", "created_at", "event", "endpoint", "url", "status", "attempts", "last_status_code"]
    list_filter = ["status"]
    search_fields = ["url", "event__uid", "endpoint__uid", "endpoint__account__name"]
    list_select_related = ["event", "endpoint"]
    date_hierarchy = "created_at"
    inlines = [WebhookAttemptInline]
    actions = ["redeliver"]

    @admin.display(description=_("id"))
    def public_id(self, obj):
        return obj.public_id

    @admin.action(description=_("Redeliver now (same event id)"))
    def redeliver(self, request, queryset):
        done = 0
        for delivery in queryset.select_related("endpoint__account"):
            actor = system_actor(delivery.endpoint.account, user=request.user)
            try:
                services.webhook_redeliver(actor=actor, delivery=delivery)
            except ApplicationError as exc:
                messages.error(request, f"{delivery.public_id}: {exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("%(n)d delivery(ies) queued to be sent again.") % {"n": done})
