"""Numbers → Compliance pages, the document download (of a profile's or a port's document), and attaching
a profile to a number from its page (the porting pages are in ``porting/views.py``).

As elsewhere: forms check shape, ``regulatory`` decides, reads go through the actor-scoped
``regulatory/selectors.py`` (someone else's id is a 404), and an HTMX request gets the panel it swaps while
a plain request gets the page (or a redirect after a write). Uploads are multipart; the upload forms
show a progress bar while the file travels (htmx's ``htmx:xhr:progress``, see ``static/js/portal.js``).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts.actor import access_blocked_reason, actor_from_membership, membership_for
from portal.errors import ApplicationError, NotFound
from portal.l10n import ltr
from portal.pages import (
    add_error,
    form_errors_to_messages,
    go,
    no_store,
    page_of,
    portal_page,
    query_without_page,
    render_page,
    wants_fragment,
)

from .. import services
from ..models import ComplianceDocument, ComplianceProfile, Country, Number, PortRequest
from ..views import number_or_404, number_page_context
from . import selectors
from . import services as regulatory
from .forms import (
    AttachProfileForm,
    DocumentUploadForm,
    ProfileForm,
)


def _require_write(actor) -> None:
    if not actor.can_write:
        raise PermissionDenied


def _profile_or_404(actor, profile_id) -> ComplianceProfile:
    try:
        return selectors.profile_get(actor=actor, profile_id=profile_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _port_or_404(actor, port_id) -> PortRequest:
    try:
        return selectors.port_get(actor=actor, port_id=port_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


# --- Compliance profiles -------------------------------------------------------------------------


def _profile_form(request, data=None, *, initial=None) -> ProfileForm:
    actor = request.actor
    return ProfileForm(
        data,
        initial=initial,
        clients=account_selectors.client_list(actor=actor),
        countries=Country.objects.filter(groups__isnull=False).distinct().order_by("name"),
        client_scoped=actor.is_client_scoped,
    )


def _prefill(request) -> dict:
    """A new profile's form, filled from the link that asked for it (a number's banner)."""
    initial = {
        "countries": [c.upper() for c in request.GET.getlist("countries") if len(c) == 2],
        "number_types": request.GET.getlist("number_types"),
        "client": request.GET.get("client", ""),
        "end_user_type": "business",
    }
    return {key: value for key, value in initial.items() if value}


def _waiting_number(request) -> Number | None:
    """The number waiting for documents whose page asked for this new profile ("Create a profile for it",
    ``?number=<id>``, then a hidden field): the profile is attached to it once created. Someone else's
    number is a 404; one no longer waiting asks for nothing."""
    number_id = (request.POST if request.method == "POST" else request.GET).get("number", "")
    if not number_id.isdigit():
        return None
    number = number_or_404(request.actor, int(number_id))
    return number if number.status == Number.Status.PENDING_REGULATORY else None


@portal_page
@require_http_methods(["GET", "POST"])
def compliance_list(request):
    actor = request.actor
    form = _profile_form(request, request.POST if request.method == "POST" else None, initial=_prefill(request))
    for_number = _waiting_number(request)
    if request.method == "POST":
        _require_write(actor)
        if form.is_valid():
            try:
                if for_number is not None:
                    profile = services.number_profile_create(actor=actor, number=for_number, **form.values())
                else:
                    profile = regulatory.profile_create(actor=actor, **form.values())
            except ApplicationError as exc:
                add_error(form, exc)
            else:
                if for_number is not None:
                    messages.success(
                        request,
                        _("Profile created and attached to %(number)s. Add its documents, then submit it for review.")
                        % {"number": ltr(for_number.number_formatted)},
                    )
                else:
                    messages.success(request, _("Profile created. Add its documents, then submit it for review."))
                return go(request, reverse("compliance_detail", args=[profile.pk]))
    context = {
        "numbers_tab": "compliance",
        "form": form,
        "for_number": for_number,
        "show_form": request.method == "POST" or "new" in request.GET,
        "profiles": page_of(request, selectors.profile_list(actor=actor)),
        "query": query_without_page(request),
    }
    return render_page(request, "numbers/compliance_list.html", "numbers/_compliance_list_panel.html", context)


def _checklist(profile: ComplianceProfile, *, notes: bool = False) -> list[dict]:
    """The documents the profile's requirement asks for, each with whether it is there (and, with
    ``notes``, what staff's rules say about it)."""
    have = {d.document_type for d in profile.documents.all()}
    said = regulatory.requirement_notes(profile) if notes else {}
    return [
        {"type": t, "label": regulatory.document_type_label(t), "present": t in have, "notes": said.get(t, [])}
        for t in regulatory.required_documents(profile)
    ]


def _upload_form(profile: ComplianceProfile, checklist: list[dict], data=None, files=None) -> DocumentUploadForm:
    """The profile's upload form, offering first the documents its countries and types still need."""
    return DocumentUploadForm(data, files, needed=[item["type"] for item in checklist if not item["present"]])


def _profile_page(request, profile: ComplianceProfile, *, form=None, upload_form=None):
    actor = request.actor
    checklist = _checklist(profile, notes=True)
    if upload_form is None:
        upload_form = _upload_form(profile, checklist)
        upload_form.preselect(request.GET.get("document_type", ""))
    initial = {
        "client": str(profile.client_id or ""),
        "end_user_type": profile.end_user_type,
        "name": profile.name,
        "registration_number": profile.registration_number,
        "street": profile.street,
        "postal_code": profile.postal_code,
        "city": profile.city,
        "address_country": profile.address_country,
        "countries": profile.countries,
        "number_types": profile.number_types,
    }
    context = {
        "numbers_tab": "compliance",
        "profile": profile,
        "checklist": checklist,
        "missing": [item for item in checklist if not item["present"]],
        "can_edit": actor.can_write and profile.is_editable,
        "form": form or _profile_form(request, initial=initial),
        "upload_form": upload_form,
        "waiting": selectors.profile_waiting_numbers(actor=actor, profile=profile).select_related("country"),
        "max_mb": settings.REGULATORY_DOCUMENT_MAX_BYTES // (1024 * 1024),
    }
    return no_store(render_page(request, "numbers/compliance_detail.html", "numbers/_compliance_panel.html", context))


def _after_write(request, profile_id: int, fallback=None):
    """A plain form goes back to the profile's page; HTMX gets the refreshed panel."""
    if not wants_fragment(request):
        return redirect("compliance_detail", profile_id=profile_id)
    return _profile_page(request, _profile_or_404(request.actor, profile_id))


@portal_page
@require_http_methods(["GET", "POST"])
def compliance_detail(request, profile_id: int):
    actor = request.actor
    profile = _profile_or_404(actor, profile_id)
    if request.method == "GET":
        return _profile_page(request, profile)
    _require_write(actor)
    form = _profile_form(request, request.POST)
    if form.is_valid():
        try:
            regulatory.profile_update(actor=actor, profile=profile, **form.values())
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return _after_write(request, profile.pk)
    return _profile_page(request, profile, form=form)


def upload_error(request, form, exc: ApplicationError) -> None:
    """A refused file is named on the form; a refusal of the upload itself (the profile or port can no
    longer change) is a message, as the form is then no longer shown."""
    if exc.fields:
        add_error(form, exc)
    else:
        messages.error(request, exc.message)


@portal_page
@require_POST
def compliance_upload(request, profile_id: int):
    actor = request.actor
    profile = _profile_or_404(actor, profile_id)
    _require_write(actor)
    form = _upload_form(profile, _checklist(profile), request.POST, request.FILES)
    if form.is_valid():
        upload = regulatory.Upload(document_type=form.cleaned_data["document_type"], file=form.cleaned_data["file"])
        try:
            regulatory.profile_documents_add(actor=actor, profile=profile, uploads=[upload])
        except ApplicationError as exc:
            upload_error(request, form, exc)
        else:
            messages.success(
                request,
                _("%(name)s uploaded as %(type)s.")
                % {"name": upload.file.name, "type": regulatory.document_type_label(upload.document_type)},
            )
            return _after_write(request, profile.pk)
    if not wants_fragment(request):
        form_errors_to_messages(request, form)
        return redirect("compliance_detail", profile_id=profile.pk)
    return _profile_page(request, _profile_or_404(actor, profile.pk), upload_form=form)


@portal_page
@require_POST
def compliance_document_delete(request, profile_id: int, document_id: int):
    actor = request.actor
    profile = _profile_or_404(actor, profile_id)
    _require_write(actor)
    try:
        document = selectors.document_get(actor=actor, document_id=document_id, profile=profile)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        regulatory.document_delete(actor=actor, document=document)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s removed.") % {"name": document.original_name})
    return _after_write(request, profile.pk)


@portal_page
@require_POST
def compliance_submit(request, profile_id: int):
    actor = request.actor
    profile = _profile_or_404(actor, profile_id)
    _require_write(actor)
    try:
        regulatory.profile_submit(actor=actor, profile=profile)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Submitted for review. We will tell you as soon as it is decided."))
    return _after_write(request, profile.pk)


@portal_page
@require_POST
def compliance_delete(request, profile_id: int):
    actor = request.actor
    profile = _profile_or_404(actor, profile_id)
    _require_write(actor)
    try:
        regulatory.profile_delete(actor=actor, profile=profile)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return go(request, reverse("compliance_detail", args=[profile.pk]))
    messages.success(request, _("Profile “%(name)s” deleted.") % {"name": profile.name})
    return go(request, reverse("compliance_list"))


@login_required
@require_GET
def document_download(request, document_id: int):
    """A document, to whoever may see it: DIDfarm staff reviewing it, or a login of the account (or of the
    document's client) that owns it. Anyone else gets a 404, as if it did not exist."""
    user = request.user
    if user.is_staff and user.has_perm("numbers.view_complianceprofile"):
        document = ComplianceDocument.objects.filter(pk=document_id).first()
    else:
        membership = membership_for(user, request.session.get("account_id"))
        document = None
        if membership is not None and not access_blocked_reason(account=membership.account, client=membership.client):
            actor = actor_from_membership(membership)
            document = selectors.document_get_or_none(actor=actor, document_id=document_id)
    if document is None:
        raise Http404(_("Document not found."))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Document not found.")) from None
    inline = request.GET.get("inline") == "1"
    response = FileResponse(
        handle, as_attachment=not inline, filename=document.original_name, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; object-src 'self'; sandbox"
    return response


# --- The banner on a number waiting for documents ----------------------------------------------------


def regulatory_banner(actor, number: Number) -> dict | None:
    """What a number waiting for documents shows: its profile's state (and why it was rejected), the
    profiles that could prove it, and when it will be released if nothing is approved."""
    if number.status != Number.Status.PENDING_REGULATORY:
        return None
    profile = number.compliance_profile
    candidates = [
        p for p in selectors.profiles_for_number(actor=actor, number=number) if p.pk != number.compliance_profile_id
    ]
    held_at = number.regulatory_held_at
    # What the attached profile still lacks for the requirement, and its upload form asking for the first.
    missing, upload_url = [], ""
    if profile is not None and profile.status in (ComplianceProfile.Status.DRAFT, ComplianceProfile.Status.REJECTED):
        missing = regulatory.missing_documents(profile)
        upload_url = reverse("compliance_detail", args=[profile.pk])
        if missing:
            upload_url += f"?document_type={missing[0]}#upload-form"
    query = f"new=1&countries={number.country_id}&number_types={number.type}"
    if number.client_id and not actor.is_client_scoped:
        query += f"&client={number.client_id}"
    query += f"&number={number.pk}"  # the new profile is attached to this number
    return {
        "profile": profile,
        "candidates": candidates,
        "attach_form": AttachProfileForm(profiles=candidates) if candidates else None,
        "release_on": (held_at + timedelta(days=settings.REGULATORY_HOLD_DAYS)).date() if held_at else None,
        "new_profile_url": reverse("compliance_list") + "?" + query,
        "missing": [regulatory.document_type_label(t) for t in missing],
        "upload_url": upload_url,
    }


@portal_page
@require_POST
def number_compliance(request, number_id: int):
    """Attach one of the actor's profiles to a number from the number's page."""
    actor = request.actor
    number = number_or_404(actor, number_id)
    _require_write(actor)
    candidates = list(selectors.profiles_for_number(actor=actor, number=number))
    form = AttachProfileForm(request.POST, profiles=candidates)
    if form.is_valid():
        try:
            services.number_configure(
                actor=actor, number=number, compliance_profile_id=form.cleaned_data["compliance_profile"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Compliance profile attached."))
    else:
        messages.error(request, _("Choose one of the profiles listed."))
    if not wants_fragment(request):
        return redirect("number_detail", number_id=number.pk)
    context = number_page_context(request, number_or_404(actor, number.pk))
    return render_page(request, "numbers/number_detail.html", "numbers/_number_panel.html", context)
