"""The staff console's carriers: configuration (the API key write-only), health (last import), the last
reconciliation's differences, stock for sale and monthly margin per carrier."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin import NoBulkDeleteAdmin

from ..models import Carrier
from . import services


class CarrierForm(forms.ModelForm):
    """The API key and callback secret are written, never shown: empty keeps what is stored."""

    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again; leave empty to keep the current one."),
    )
    callback_secret = forms.CharField(
        label=_("callback secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again; leave empty to keep the current one."),
    )

    class Meta:
        model = Carrier
        fields = ["name", "kind", "api_url", "api_key", "callback_secret", "countries", "number_types", "priority",
                  "markup_percent", "rounding", "enabled"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("api_key", "callback_secret"):
            self.initial[name] = ""

    def clean(self):
        cleaned = super().clean()
        for name in ("api_key", "callback_secret"):
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(Carrier.objects.get(pk=self.instance.pk), name)
        return cleaned


@admin.register(Carrier)
class CarrierAdmin(NoBulkDeleteAdmin):
    form = CarrierForm
    list_display = ["name", "kind", "enabled", "priority", "markup_percent", "health", "stock", "margin",
                    "differences"]  # fmt: skip
    readonly_fields = ["health", "last_import_error", "reconciled_at", "reconciliation_report"]
    actions = ["import_now", "reconcile_now"]

    def get_queryset(self, request):
        return services.carriers_with_figures(super().get_queryset(request))

    @admin.display(description=_("health"))
    def health(self, obj: Carrier):
        if obj.last_import_status == Carrier.ImportStatus.NEVER:
            return obj.get_last_import_status_display()
        return format_html(
            '<span title="{}">{} · {}</span>',
            obj.last_import_error,
            obj.get_last_import_status_display(),
            obj.last_import_at.strftime("%Y-%m-%d %H:%M") if obj.last_import_at else "",
        )

    @admin.display(description=_("numbers for sale"))
    def stock(self, obj: Carrier) -> int:
        return getattr(obj, "for_sale", 0)

    @admin.display(description=_("monthly margin (EUR)"))
    def margin(self, obj: Carrier):
        if not getattr(obj, "live_numbers", 0):
            return "—"
        return f"{obj.monthly_revenue - obj.monthly_cost:.2f} ({obj.live_numbers})"

    @admin.display(description=_("differences"))
    def differences(self, obj: Carrier) -> int:
        return sum(1 for d in obj.reconciliation if d.get("kind") != "renewal_repaired")

    @admin.display(description=_("reconciliation differences"))
    def reconciliation_report(self, obj: Carrier):
        if not obj.reconciliation:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{} {} — {}</li>", ((d["kind"], d["number"], d["detail"]) for d in obj.reconciliation)
            ),
        )

    def save_model(self, request, obj, form, change):
        values = {k: form.cleaned_data[k] for k in services.EDITABLE if k in form.cleaned_data}
        saved = services.carrier_save(name=form.cleaned_data["name"], **values)
        obj.pk = saved.pk

    @admin.action(description=_("Import stock now"))
    def import_now(self, request, queryset):
        from ..tasks import carrier_stock_import_task

        for carrier in queryset:
            carrier_stock_import_task.delay(carrier.pk)
        self.message_user(request, gettext("Stock import started."), messages.SUCCESS)

    @admin.action(description=_("Reconcile now"))
    def reconcile_now(self, request, queryset):
        from ..tasks import carrier_reconcile_task

        for carrier in queryset:
            carrier_reconcile_task.delay(carrier.pk)
        self.message_user(request, gettext("Reconciliation started."), messages.SUCCESS)
