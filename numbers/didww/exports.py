"""DIDWW's ``exports`` (inbound call records, ``cdr_in``) and ``capacity_pools`` over what exists here.

An export holds the calls to the exporter's numbers (a client key's: its client's) that started in a period:
a month (``year``/``month``, DIDWW's older filters) or a range (``from``/``to``, the filters of the API
version the SDK speaks), optionally of one number (``did_number``). Its file is a gzip-compressed CSV in
DIDWW's inbound columns, written from the call records when it is downloaded, so it is ``completed`` at once.
Outbound records (``cdr_out``) do not exist: there are no outbound trunks. Channels are not sold in pools
here (a trunk's channels are part of the trunk), so the capacity pools are an empty list."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import client_for
from accounts.services import audit_record
from portal.errors import NotFound, ValidationFailed
from portal.jsonapi import Resource, timestamp

from ..voice.models import Call
from .models import CdrExport

# The columns of an inbound call record, in DIDWW's order (its columns for the API version the SDK speaks,
# up to the trunk's capacity group; the carrier cost columns in USD have no counterpart here).
CDR_IN_COLUMNS = (
    "Date/Time Start (UTC)", "Date/Time Connect (UTC)", "Date/Time End (UTC)", "Status", "Source",
    "Source Name", "Destination DID", "Duration (sec)", "Attempt", "Disconnect Code", "Response",
    "Disconnect Initiator", "Voice IN Trunk", "Destination", "Trunk Group", "Capacity Group",
)  # fmt: skip
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Who hung up, in DIDWW's words: the caller's side originates, the trunk's PBX is the destination.
INITIATOR = {Call.HangupSide.CALLER: "Origination", Call.HangupSide.CALLEE: "Destination"}
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
    filters: dict[str, Any]
    if export.starts_at is not None and export.ends_at is not None:
        filters = {"from": _utc_text(export.starts_at), "to": _utc_text(export.ends_at)}
    else:
        filters = {"year": export.year, "month": export.month}
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


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def _moment(value: Any, *, end: bool) -> datetime | None:
    """A filter's date and time (UTC when it names no offset). A bare date is the start of that day, or for
    ``to`` the start of the next one, so that ``to: 2026-02-28`` takes in the whole 28th."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    text = value.strip()
    try:  # a bare date first: parse_datetime would read it as that day's midnight
        day = parse_date(text) if len(text) == 10 else None
        moment = None if day is not None else parse_datetime(text)
    except ValueError:
        return None
    if moment is None and day is None:
        return None
    if day is not None:
        moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _range_filters(filters: dict, errors: dict[str, list[str]]) -> tuple[datetime | None, datetime | None]:
    starts = _moment(filters.get("from"), end=False)
    ends = _moment(filters.get("to"), end=True)
    for name, moment in (("from", starts), ("to", ends)):
        if moment is None:
            errors[f"/data/attributes/filters/{name}"] = [
                _("Use a date and time such as 2026-02-01 00:00:00 (UTC), or a date such as 2026-02-01.")
            ]
    if starts is not None and ends is not None and ends <= starts:
        errors["/data/attributes/filters/to"] = [_("Use a time after from.")]
    return starts, ends


def export_create(*, actor: Actor, attributes: Any) -> CdrExport:
    """An export of the actor's inbound calls in a range (``from``/``to``) or in one month (this month when
    no filter names one)."""
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
    starts: datetime | None = None
    ends: datetime | None = None
    if not isinstance(filters, dict):
        errors["/data/attributes/filters"] = [_("Send filters as an object: from, to and did_number.")]
    else:
        for name in set(filters) - {"from", "to", "year", "month", "did_number"}:
            errors[f"/data/attributes/filters/{name}"] = [
                _("Filter by from and to (or year and month) and did_number.")
            ]
        if "from" in filters or "to" in filters:
            for name in {"year", "month"} & set(filters):
                errors[f"/data/attributes/filters/{name}"] = [_("Filter either by from and to or by year and month.")]
            starts, ends = _range_filters(filters, errors)
            if starts is not None:
                year, month = starts.astimezone(UTC).year, starts.astimezone(UTC).month
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
        export = _create(actor, year=year, month=month, did_number=number, starts_at=starts, ends_at=ends,
                         callback_url=url or "", callback_method=method,
                         external_reference_id=reference or "")  # fmt: skip
        period = {"year": year, "month": month} if starts is None else {"from": str(starts), "to": str(ends)}
        audit_record(actor=actor, action="cdr_export.created", subject=export, after=period)
    return export


def _create(actor: Actor, **values: Any) -> CdrExport:
    return CdrExport.objects.create(account=actor.account, client=client_for(actor, None), **values)


def export_calls(export: CdrExport):
    """The calls an export holds: its owner's (its client's, for a client's export) that started in its
    period, of its number when it names one, oldest first."""
    if export.starts_at is not None and export.ends_at is not None:
        starts, ends = export.starts_at, export.ends_at
    else:
        starts = datetime(export.year, export.month, 1, tzinfo=UTC)
        ends = datetime(export.year + export.month // 12, export.month % 12 + 1, 1, tzinfo=UTC)
    calls = Call.objects.filter(account_id=export.account_id, started_at__gte=starts, started_at__lt=ends)
    if export.client_id is not None:
        calls = calls.filter(client_id=export.client_id)
    if export.did_number:
        calls = calls.filter(e164="+" + export.did_number)
    return calls.select_related("trunk").order_by("started_at", "id")


def _row(call: Call) -> list[Any]:
    def when(moment: datetime | None) -> str:
        return _utc_text(moment) if moment is not None else ""

    return [
        when(call.started_at), when(call.answered_at), when(call.ended_at), call.status, call.caller, "",
        call.e164.lstrip("+"), call.duration_seconds, 1, call.sip_code or "", call.sip_reason,
        INITIATOR.get(call.hangup_side, ""), call.trunk.name if call.trunk else "",
        call.trunk.name if call.trunk else "", "", "",
    ]  # fmt: skip


def export_csv_gz(export: CdrExport) -> bytes:
    """The export's file: a gzip-compressed CSV, the header row and one row per call it holds."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(CDR_IN_COLUMNS)
    for call in export_calls(export).iterator(chunk_size=2000):
        writer.writerow(_row(call))
    return gzip.compress(text.getvalue().encode(), mtime=0)
