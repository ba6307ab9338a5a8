"""DIDWW's ``exports`` (inbound call records, ``cdr_in``) and ``capacity_pools`` over what exists here.

No call records are kept yet, so an export is a valid CSV of the month's calls with its header row and no
rows; it is ``completed`` at once. Outbound records (``cdr_out``) do not exist: there are no outbound
trunks. Channels are not sold in pools here (a trunk's channels are part of the trunk), so the capacity
pools are an empty list."""

from __future__ import annotations

import csv
import gzip
import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import client_for
from accounts.services import audit_record
from portal.errors import NotFound, ValidationFailed
from portal.jsonapi import Resource, timestamp

from .models import CdrExport

# The columns of an inbound call record, in DIDWW's order.
CDR_IN_COLUMNS = (
    "Date/Time Start (UTC)", "Date/Time End (UTC)", "Source Number", "DID Number", "Destination",
    "Call Duration", "Billed Duration", "Disconnect Code", "Disconnect Reason", "Trunk Name",
)  # fmt: skip
ATTRIBUTES = ("status", "created_at", "url", "callback_url", "callback_method", "export_type", "filters",
              "external_reference_id")  # fmt: skip


def export_list(*, actor: Actor):
    qs = CdrExport.objects.filter(account=actor.account)
    return qs.filter(client=actor.client) if actor.client is not None else qs


def export_get(*, actor: Actor, export_id: str) -> CdrExport:
    import uuid

    try:
        uid = uuid.UUID(export_id)
    except ValueError:
        raise NotFound(_("No such export.")) from None
    export = export_list(actor=actor).filter(uid=uid).first()
    if export is None:
        raise NotFound(_("No such export."))
    return export


def export_resource(export: CdrExport, *, download_url: str) -> Resource:
    filters: dict[str, Any] = {"year": export.year, "month": export.month}
    if export.did_number:
        filters["did_number"] = export.did_number
    return Resource(
        "exports",
        str(export.uid),
        {
            "status": "completed",
            "created_at": timestamp(export.created_at),
            "url": download_url,
            "callback_url": export.callback_url or None,
            "callback_method": export.callback_method if export.callback_url else None,
            "export_type": "cdr_in",
            "filters": filters,
            "external_reference_id": export.external_reference_id or None,
        },
    )


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def export_create(*, actor: Actor, attributes: Any) -> CdrExport:
    """An export of the actor's inbound calls in one month (this month when no filter names one)."""
    actor.require_write()
    if not isinstance(attributes, dict):
        raise ValidationFailed(fields={"/data/attributes": [_("Send the attributes as an object.")]})
    errors: dict[str, list[str]] = {}
    for name in attributes:
        if name not in ("export_type", "filters", "callback_url", "callback_method", "external_reference_id"):
            errors[f"/data/attributes/{name}"] = [_("Read-only, or no such attribute.")]
    kind = attributes.get("export_type", "cdr_in")
    if kind == "cdr_out":
        errors["/data/attributes/export_type"] = [_("There are no outbound calls here: export cdr_in.")]
    elif kind != "cdr_in":
        errors["/data/attributes/export_type"] = [_("Use cdr_in.")]
    filters = attributes.get("filters")
    filters = {} if filters is None else filters
    now = timezone.now()
    year, month, number = now.year, now.month, ""
    if not isinstance(filters, dict):
        errors["/data/attributes/filters"] = [_("Send filters as an object: year, month, did_number.")]
    else:
        for name in set(filters) - {"year", "month", "did_number"}:
            errors[f"/data/attributes/filters/{name}"] = [_("Filter by year, month and did_number.")]
        year, month = filters.get("year", year), filters.get("month", month)
        if not _whole(year) or not 2000 <= year <= 2100:
            errors["/data/attributes/filters/year"] = [_("Use a year such as 2026.")]
        if not _whole(month) or not 1 <= month <= 12:
            errors["/data/attributes/filters/month"] = [_("Use a month from 1 to 12.")]
        number = str(filters.get("did_number") or "").lstrip("+")
        if number and not (number.isascii() and number.isdigit() and len(number) <= 15):
            errors["/data/attributes/filters/did_number"] = [_("Use the number's digits.")]
    url = attributes.get("callback_url")
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 500):
        errors["/data/attributes/callback_url"] = [_("Use an http(s) URL.")]
    method = attributes.get("callback_method") or "post"
    if method not in ("post", "get"):
        errors["/data/attributes/callback_method"] = [_("Use post or get.")]
    reference = attributes.get("external_reference_id")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 100):
        errors["/data/attributes/external_reference_id"] = [
            _("Use a string of at most %(n)d characters, or null.") % {"n": 100}
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        export = _create(actor, year=year, month=month, did_number=number, callback_url=url or "",
                         callback_method=method, external_reference_id=reference or "")  # fmt: skip
        audit_record(actor=actor, action="cdr_export.created", subject=export, after={"year": year, "month": month})
    return export


def _create(actor: Actor, **values: Any) -> CdrExport:
    return CdrExport.objects.create(account=actor.account, client=client_for(actor, None), **values)


def export_csv_gz(export: CdrExport) -> bytes:
    """The export's file: a gzip-compressed CSV, the header row and one row per inbound call of its month
    (none: calls are not recorded yet)."""
    text = io.StringIO()
    csv.writer(text).writerow(CDR_IN_COLUMNS)
    return gzip.compress(text.getvalue().encode(), mtime=0)
