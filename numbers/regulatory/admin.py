"""Staff console for regulatory review and porting: the queue of submitted compliance profiles (oldest
first) with their documents viewable inline, approve / reject-with-reason as actions and as buttons on
each profile, and port requests moved along (schedule, complete, reject). Every decision goes through
``regulatory`` / ``porting``, which write the audit row."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.actor import system_actor
from portal.admin import StaffAdmin
from portal.errors import ApplicationError

from ..models import (
    ComplianceDocument,
    ComplianceProfile,
    Country,
    DocumentRequirement,
    NumberType,
    PortRequest,
    PortStep,
    UpstreamSubmission,
)
from ..porting import services as porting
from . import services as regulatory
from .forms import RejectForm, ScheduleForm, SettleForm


def _country_names(codes: list[str]) -> str:
    names = dict(Country.objects.filter(code__in=codes).values_list("code", "name"))
    return ", ".join(f"{names[code]} ({code})" if code in names else code for code in codes) or "—"


def _type_labels(values: list[str]) -> str:
    labels = dict(NumberType.choices)
    return ", ".join(str(labels.get(value, value)) for value in values) or "—"


def _document_link(document: ComplianceDocument):
    url = reverse("document_download", args=[document.pk])
    return format_html(
        '<a href="{}?inline=1" target="_blank" rel="noopener">{}</a> · <a href="{}">{}</a>',
        url,
        _("view"),
        url,
        _("download"),
    )


class DocumentInline(admin.TabularInline):
    model = ComplianceDocument
    fk_name = "profile"
    extra = 0
    can_delete = False
    fields = ["document_type", "original_name", "content_type", "size", "created_at", "uploaded_by", "open_link"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def open_link(self, obj):
        return _document_link(obj)


class UpstreamSubmissionInline(admin.TabularInline):
    """Where the profile was sent upstream (numbers bought from a ``didww`` carrier): how far it got, the
    upstream's ids and its verdict, or what it refused (``numbers/upstream/regulatory.py``)."""

    model = UpstreamSubmission
    extra = 0
    can_delete = False
    verbose_name_plural = _("sent upstream")
    fields = ["carrier", "status", "reason", "error", "upstream_ids", "sent_at", "decided_at", "next_attempt_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("upstream ids"))
    def upstream_ids(self, obj):
        steps = [(s.step, s.upstream_ref, s.status) for s in obj.steps.all()]
        return format_html_join(
            mark_safe("<br>"),
            "{}: {} {}",
            ((step, ref, f"({status})" if status else "") for step, ref, status in steps),
        )


class PortDocumentInline(DocumentInline):
    fk_name = "port"


class InReviewFirst(admin.SimpleListFilter):
    """The review queue: submitted profiles, oldest first (the default view)."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("review", _("In review (the queue)")), ("all", _("All profiles"))]

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "review") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if (self.value() or "review") == "review" and "status__exact" not in request.GET:
            return queryset.filter(status=ComplianceProfile.Status.SUBMITTED)
        return queryset


@admin.register(ComplianceProfile)
class ComplianceProfileAdmin(StaffAdmin):
    list_display = [
        "public_id",
        "name",
        "account",
        "client",
        "end_user_type",
        "covers",
        "status",
        "submitted_at",
        "document_count",
        "numbers_waiting",
    ]
    list_display_links = ["public_id", "name"]
    list_filter = [InReviewFirst, "status", "end_user_type", "submitted_at"]
    search_fields = ["=id", "name", "account__name", "client__name", "registration_number"]
    list_select_related = ["account", "client"]
    readonly_fields = [
        "decision",
        "account",
        "client",
        "end_user_type",
        "name",
        "registration_number",
        "street",
        "postal_code",
        "city",
        "address_country",
        "countries_covered",
        "types_covered",
        "status",
        "rejection_reason",
        "required",
        "submitted_at",
        "reviewed_at",
        "reviewed_by",
        "expires_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    exclude = ["countries", "number_types"]  # shown as names above, not as JSON
    inlines = [DocumentInline, UpstreamSubmissionInline]
    actions = ["approve_selected", "reject_selected"]

    def get_queryset(self, request):
        waiting = Count("numbers", filter=Q(numbers__status="pending_regulatory"), distinct=True)
        in_review_first = Case(When(status="submitted", then=Value(0)), default=Value(1), output_field=IntegerField())
        return (
            super()
            .get_queryset(request)
            .annotate(waiting=waiting, documents_n=Count("documents", distinct=True), review_order=in_review_first)
            .order_by("review_order", "submitted_at", "id")
        )

    def has_add_permission(self, request):
        return False  # customers fill profiles; staff decide

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("covers"))
    def covers(self, obj):
        return f"{', '.join(obj.countries)} · {_type_labels(obj.number_types)}"

    @admin.display(description=_("countries covered"))
    def countries_covered(self, obj):
        return _country_names(obj.countries)

    @admin.display(description=_("number types covered"))
    def types_covered(self, obj):
        return _type_labels(obj.number_types)

    @admin.display(description=_("documents"), ordering="documents_n")
    def document_count(self, obj):
        return obj.documents_n

    @admin.display(description=_("numbers waiting"), ordering="waiting")
    def numbers_waiting(self, obj):
        return obj.waiting

    @admin.display(description=_("documents required"))
    def required(self, obj):
        have = set(obj.documents.values_list("document_type", flat=True))
        needed = regulatory.required_documents(obj)
        return format_html_join(
            ", ", "{} {}", ((("✓" if t in have else "✗"), regulatory.document_type_label(t)) for t in needed)
        )

    @admin.display(description=_("decision"))
    def decision(self, obj):
        if obj.status != ComplianceProfile.Status.SUBMITTED:
            return obj.get_status_display()
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            reverse("admin:numbers_complianceprofile_approve", args=[obj.pk]),
            _("Approve"),
            reverse("admin:numbers_complianceprofile_reject", args=[obj.pk]),
            _("Reject…"),
        )

    def get_urls(self):
        custom = [
            path(
                "<int:profile_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="numbers_complianceprofile_approve",
            ),
            path(
                "<int:profile_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="numbers_complianceprofile_reject",
            ),
        ]
        return custom + super().get_urls()

    def _may_decide(self, request) -> bool:
        return request.user.has_perm("numbers.change_complianceprofile")

    def _decision_page(self, request, profile, *, action: str, form=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": profile,
            "title": (_("Approve %(profile)s") if action == "approve" else _("Reject %(profile)s"))
            % {"profile": profile},
            "action": action,
            "objects": [profile],
            "form": form,
            "documents": [(d, _document_link(d)) for d in profile.documents.all()],
            "numbers": profile.numbers.filter(status="pending_regulatory").order_by("e164"),
        }
        return TemplateResponse(request, "admin/numbers/profile_decision.html", context)

    def approve_view(self, request, profile_id: int):
        if not self._may_decide(request):
            return redirect("admin:index")
        profile = get_object_or_404(ComplianceProfile.objects.select_related("account", "client"), pk=profile_id)
        if request.method == "POST":
            self._approve(request, [profile])
            return redirect("admin:numbers_complianceprofile_change", profile.pk)
        return self._decision_page(request, profile, action="approve")

    def reject_view(self, request, profile_id: int):
        if not self._may_decide(request):
            return redirect("admin:index")
        profile = get_object_or_404(ComplianceProfile.objects.select_related("account", "client"), pk=profile_id)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            self._reject(request, [profile], form.cleaned_data["reason"])
            return redirect("admin:numbers_complianceprofile_change", profile.pk)
        return self._decision_page(request, profile, action="reject", form=form)

    def _approve(self, request, profiles) -> None:
        for profile in profiles:
            try:
                regulatory.profile_approve(actor=system_actor(profile.account, user=request.user), profile=profile)
            except ApplicationError as exc:
                self.message_user(request, f"{profile}: {exc.message}", messages.WARNING)
            else:
                self.message_user(
                    request, _("%(profile)s approved; the numbers waiting on it go live.") % {"profile": profile}
                )

    def _reject(self, request, profiles, reason: str) -> None:
        for profile in profiles:
            try:
                regulatory.profile_reject(
                    actor=system_actor(profile.account, user=request.user), profile=profile, reason=reason
                )
            except ApplicationError as exc:
                self.message_user(request, f"{profile}: {exc.message}", messages.WARNING)
            else:
                self.message_user(request, _("%(profile)s rejected; the customer sees why.") % {"profile": profile})

    @admin.action(description=_("Approve the selected profiles (documents checked)"), permissions=["change"])
    def approve_selected(self, request, queryset):
        self._approve(request, list(queryset.select_related("account", "client")))

    @admin.action(description=_("Reject the selected profiles, with a reason…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        """An intermediate page asks for the reason, then rejects them all with it."""
        profiles = list(queryset.select_related("account", "client"))
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._reject(request, profiles, form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reject compliance profiles"),
            "action": "reject_selected",
            "objects": profiles,
            "form": form,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/numbers/profile_decision.html", context)


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(admin.ModelAdmin):
    """Which documents a country (and number type, and kind of end user) needs. Countries without rows use
    the defaults: a person's ID and proof of address, a business's registration and proof of address."""

    list_display = ["country", "number_type", "end_user_type", "document_type", "note"]
    list_editable = ["note"]
    list_filter = ["end_user_type", "document_type", "number_type", "country"]
    search_fields = ["country__code", "country__name"]


class PortStepInline(admin.TabularInline):
    model = PortStep
    extra = 0
    can_delete = False
    readonly_fields = ["status", "note", "actor_label", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


def conflict_lines(port):
    """Both parties of a port's conflict, for staff: each number with the account that holds it or has
    asked for it, and as what (its number or port request)."""
    return (
        format_html_join(
            mark_safe("<br>"),
            "{} — {} ({}, {})",
            ((c["number"], c["account"], c["held_by"], c["as"]) for c in port.conflicts),
        )
        or "—"
    )


@admin.register(PortRequest)
class PortRequestAdmin(StaffAdmin):
    list_display = [
        "public_id",
        "account",
        "client",
        "number_list",
        "current_carrier",
        "status",
        "in_conflict",
        "estimated_completion",
        "scheduled_at",
        "last_error",
        "created_at",
    ]
    list_filter = ["status", "in_conflict", "carrier"]
    search_fields = ["=id", "account__name", "client__name", "current_carrier", "numbers"]
    list_select_related = ["account", "client"]
    readonly_fields = [
        "move_along",
        "account",
        "client",
        "numbers_display",
        "in_conflict",
        "conflicts_display",
        "current_carrier",
        "authorization_name",
        "account_number",
        "pin",
        "billing_cycle",
        "compliance_profile",
        "carrier",
        "status",
        "estimated_completion",
        "scheduled_at",
        "completed_at",
        "rejection_reason",
        "order",
        "last_error",
        "last_attempt_at",
        "created_by",
        "created_at",
    ]
    exclude = ["numbers", "conflicts"]  # one number (one claim) a line below, not as JSON
    inlines = [PortStepInline, PortDocumentInline]
    actions = ["schedule_now", "complete_now"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("numbers"))
    def numbers_display(self, obj):
        return format_html_join(mark_safe("<br>"), "{}", ((number,) for number in obj.numbers)) or "—"

    @admin.display(description=_("numbers"))
    def number_list(self, obj):
        return ", ".join(obj.numbers[:3]) + (f" (+{len(obj.numbers) - 3})" if len(obj.numbers) > 3 else "")

    @admin.display(description=_("conflicting claims"))
    def conflicts_display(self, obj):
        return conflict_lines(obj)

    @admin.display(description=_("move along"))
    def move_along(self, obj):
        if not obj.is_open:
            return obj.get_status_display()
        if obj.in_conflict:
            buttons = [
                (reverse("admin:numbers_portrequest_settle", args=[obj.pk]), _("Settle the conflict…")),
                (reverse("admin:numbers_portrequest_reject", args=[obj.pk]), _("Reject…")),
            ]
            return format_html_join(" ", '<a class="button" href="{}">{}</a>', buttons)
        buttons = [
            (reverse("admin:numbers_portrequest_schedule", args=[obj.pk]), _("Schedule…")),
            (reverse("admin:numbers_portrequest_complete", args=[obj.pk]), _("Complete now…")),
            (reverse("admin:numbers_portrequest_reject", args=[obj.pk]), _("Reject…")),
        ]
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', buttons)

    def get_urls(self):
        custom = [
            path(
                "<int:port_id>/schedule/",
                self.admin_site.admin_view(self.schedule_view),
                name="numbers_portrequest_schedule",
            ),
            path(
                "<int:port_id>/complete/",
                self.admin_site.admin_view(self.complete_view),
                name="numbers_portrequest_complete",
            ),
            path(
                "<int:port_id>/reject/", self.admin_site.admin_view(self.reject_view), name="numbers_portrequest_reject"
            ),
            path(
                "<int:port_id>/settle/", self.admin_site.admin_view(self.settle_view), name="numbers_portrequest_settle"
            ),
        ]
        return custom + super().get_urls()

    def _page(self, request, port, *, action: str, form=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": port,
            "title": {
                "schedule": _("Schedule %(port)s"),
                "complete": _("Complete %(port)s"),
                "reject": _("Reject %(port)s"),
                "settle": _("Settle the conflict over %(port)s"),
            }[action]
            % {"port": port},
            "action": action,
            "port": port,
            "form": form,
            "quote": porting.port_quote(port),
            "conflicts": conflict_lines(port),
        }
        return TemplateResponse(request, "admin/numbers/port_decision.html", context)

    def _guard(self, request, port_id: int):
        if not request.user.has_perm("numbers.change_portrequest"):
            return None
        return get_object_or_404(PortRequest.objects.select_related("account", "client"), pk=port_id)

    def _done(self, port):
        return redirect("admin:numbers_portrequest_change", port.pk)

    def _decision_view(self, request, port_id: int, *, action: str, form_class, decide, done: str, initial=None):
        """A staff decision on a port, on a page of its own: the form (and the port's quote and conflicts),
        then on a valid POST the service (``decide(actor, port, cleaned_data)``), a message saying how it
        went (``done``, or the refusal), and back to the port."""
        port = self._guard(request, port_id)
        if port is None:
            return redirect("admin:index")
        form = form_class(request.POST or None, initial=initial(port) if initial else None)
        if request.method == "POST" and form.is_valid():
            try:
                decide(system_actor(port.account, user=request.user), port, form.cleaned_data)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, done % {"port": port})
            return self._done(port)
        return self._page(request, port, action=action, form=form)

    def schedule_view(self, request, port_id: int):
        return self._decision_view(
            request,
            port_id,
            action="schedule",
            form_class=ScheduleForm,
            initial=lambda port: {
                "at": timezone.localtime(port.scheduled_at or timezone.now()).strftime("%Y-%m-%dT%H:%M")
            },
            decide=lambda actor, port, data: porting.port_schedule(actor=actor, port=port, at=data["at"]),
            done=_("%(port)s scheduled."),
        )

    def complete_view(self, request, port_id: int):
        port = self._guard(request, port_id)
        if port is None:
            return redirect("admin:index")
        if request.method == "POST":
            self._complete(request, port)
            return self._done(port)
        return self._page(request, port, action="complete")

    def reject_view(self, request, port_id: int):
        return self._decision_view(
            request,
            port_id,
            action="reject",
            form_class=RejectForm,
            decide=lambda actor, port, data: porting.port_reject(actor=actor, port=port, reason=data["reason"]),
            done=_("%(port)s rejected."),
        )

    def settle_view(self, request, port_id: int):
        return self._decision_view(
            request,
            port_id,
            action="settle",
            form_class=SettleForm,
            decide=lambda actor, port, data: porting.port_conflict_settle(actor=actor, port=port, note=data["note"]),
            done=_("%(port)s: conflict settled; it may be scheduled."),
        )

    def _complete(self, request, port) -> None:
        try:
            porting.port_complete(actor=system_actor(port.account, user=request.user), port=port)
        except ApplicationError as exc:
            self.message_user(
                request,
                _("%(port)s not completed: %(reason)s") % {"port": port, "reason": exc.message},
                messages.ERROR,
            )
        else:
            self.message_user(request, _("%(port)s completed: the numbers are the customer's.") % {"port": port})

    @admin.action(description=_("Schedule the selected ports for now"), permissions=["change"])
    def schedule_now(self, request, queryset):
        for port in queryset.select_related("account"):
            try:
                porting.port_schedule(actor=system_actor(port.account, user=request.user), port=port, at=timezone.now())
            except ApplicationError as exc:
                self.message_user(request, f"{port}: {exc.message}", messages.WARNING)
            else:
                self.message_user(request, _("%(port)s scheduled for now.") % {"port": port})

    @admin.action(description=_("Complete the selected ports now (charges the wallet)"), permissions=["change"])
    def complete_now(self, request, queryset):
        for port in queryset.select_related("account", "client"):
            self._complete(request, port)
