"""Upstream carriers as data: their configuration, their stock in our search index, keeping numbers in step
with them (renewal), and the nightly reconciliation.

Network calls (the import's catalogue, reconciliation's DID list, renewal pushes) happen outside any
transaction, from tasks on the ``carrier`` queue; what they bring back is written in one short transaction.
Which offer of a number is for sale, when two carriers have it: the preferred carrier's (lower
``priority``), then the cheaper monthly price, then the name. The index keeps one row per number, so search
shows each number once and costs what it costs with one carrier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

import phonenumbers
from django.db import models, transaction
from django.utils import timezone

from accounts.services import audit_record
from portal.db import bulk

from .. import group_cache
from ..carriers import SANDBOX, CarrierError, get_carrier
from ..carriers.didww import DidwwCarrier, UpstreamGroup
from ..models import AvailableNumber, Carrier, Country, Number, NumberGroup, NumberType

logger = logging.getLogger(__name__)

# The sandbox, when no row configures it, comes after every configured carrier.
SANDBOX_PRIORITY = 1000
# How many DIDs of one group an import takes in (a search page needs far fewer; the rest wait upstream).
NUMBERS_PER_GROUP = 1000
CHUNK = 10_000
EDITABLE = ("kind", "api_url", "api_key", "callback_secret", "countries", "number_types", "priority",
            "markup_percent", "rounding", "enabled")  # fmt: skip


def price_from_cost(cost: Decimal, *, markup_percent: Decimal, rounding: Decimal) -> Decimal:
    """The carrier's price rule: its price plus ``markup_percent``, rounded up to a multiple of ``rounding``
    (at least a cent), so a number is never sold below what it costs."""
    step = max(rounding, Decimal("0.01"))
    marked = cost * (1 + markup_percent / 100)
    return ((marked / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(Decimal("0.01"))


def carrier_save(*, name: str, actor_label: str = "system", **values: Any) -> Carrier:
    """Create the carrier ``name`` or change the values given (an empty ``api_key`` keeps the stored one).
    Audited; the key never appears in the audit row."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Unknown carrier settings: {', '.join(sorted(unknown))}")
    if values.get("kind") not in (None, *Carrier.Kind.values):
        raise ValueError(f"Kind must be one of {', '.join(Carrier.Kind.values)}")
    if name == SANDBOX and values.get("kind", Carrier.Kind.SANDBOX) != Carrier.Kind.SANDBOX:
        raise ValueError("The name 'sandbox' is the built-in sandbox's; give this carrier another name")
    for key in ("countries", "number_types"):
        if key in values:
            values[key] = sorted({str(v).strip().upper() if key == "countries" else str(v).strip()
                                  for v in values[key] if str(v).strip()})  # fmt: skip
    if any(t not in NumberType.values for t in values.get("number_types", [])):
        raise ValueError(f"Number types must be among {', '.join(NumberType.values)}")
    if values.get("api_key") == "":
        values.pop("api_key")
    with transaction.atomic():
        carrier, created = Carrier.objects.select_for_update().get_or_create(name=name, defaults=values)
        before = {}
        if not created:
            for key, value in values.items():
                if getattr(carrier, key) != value:
                    before[key] = "…" if key in ("api_key", "callback_secret") else str(getattr(carrier, key))
                    setattr(carrier, key, value)
            carrier.full_clean()
            carrier.save()
        shown = {k: ("…" if k in ("api_key", "callback_secret") else str(v)) for k, v in values.items()}
        audit_record(actor=None, action="carrier.created" if created else "carrier.updated", subject=carrier,
                     before=before or None, after=shown)  # fmt: skip
    return carrier


def preference(carrier_name: str, monthly_price: Decimal, priorities: dict[str, int]) -> tuple:
    """Sort key of an offer: the lower, the more preferred."""
    default = SANDBOX_PRIORITY if carrier_name == SANDBOX else 100
    return (priorities.get(carrier_name, default), monthly_price, carrier_name)


@dataclass
class ImportResult:
    groups: int = 0
    numbers: int = 0
    added: int = 0
    removed: int = 0


def carrier_stock_import(*, carrier_id: int) -> ImportResult | None:
    """Bring one carrier's stock into the search index: its groups (prices from its price rule), its DIDs
    for sale. Safe to run twice, also at once (the carrier row is locked while writing). On a carrier
    failure its status says so (staff console) and the index keeps what it had: nothing else is hidden."""
    carrier = Carrier.objects.filter(pk=carrier_id, enabled=True).first()
    if carrier is None or carrier.kind != Carrier.Kind.DIDWW:
        return None
    adapter = get_carrier(carrier.name)
    assert isinstance(adapter, DidwwCarrier)
    try:
        catalogue = list(
            adapter.catalogue(
                countries=carrier.countries or None, types=carrier.number_types or None, per_group=NUMBERS_PER_GROUP
            )
        )
    except CarrierError as exc:
        Carrier.objects.filter(pk=carrier_id).update(
            last_import_status=Carrier.ImportStatus.FAILED,
            last_import_at=timezone.now(),
            last_import_error=str(exc)[:500],
        )
        logger.warning("stock import from %s failed: %s", carrier.name, exc)
        return None
    with transaction.atomic():
        carrier = Carrier.objects.select_for_update().get(pk=carrier_id)
        result = _write_stock(carrier, catalogue)
        carrier.last_import_status = Carrier.ImportStatus.OK
        carrier.last_import_at = timezone.now()
        carrier.last_import_error = ""
        carrier.last_import_count = result.numbers
        carrier.save(update_fields=["last_import_status", "last_import_at", "last_import_error", "last_import_count"])
    return result


def _country(code: str) -> None:
    if not Country.objects.filter(code=code).exists():
        dial = phonenumbers.country_code_for_region(code)
        Country.objects.get_or_create(code=code, defaults={"name": code, "dial_code": f"+{dial}" if dial else ""})


def _write_stock(carrier: Carrier, catalogue: list[UpstreamGroup]) -> ImportResult:
    from ..services import stock_counts_refresh

    result = ImportResult(groups=len(catalogue))
    rule = {"markup_percent": carrier.markup_percent, "rounding": carrier.rounding}
    existing = {
        (g.country_id, g.type, g.area_code, g.city): g for g in NumberGroup.objects.filter(carrier=carrier.name)
    }
    wanted: dict[str, tuple[NumberGroup, str]] = {}
    for item in catalogue:
        _country(item.country)
        values = dict(
            region=item.region,
            has_voice="voice" in item.capabilities,
            has_sms="sms" in item.capabilities,
            has_fax="fax" in item.capabilities,
            monthly_price=price_from_cost(item.monthly_price, **rule),
            setup_fee=price_from_cost(item.setup_price, **rule),
            requires_regulatory=item.requires_documents,
            carrier_group_ref=item.ref,
            carrier_sku_ref=item.sku_ref,
            cost_monthly=item.monthly_price,
            cost_setup=item.setup_price,
        )
        key = (item.country, item.type, item.area_code, item.city)
        group = existing.get(key)
        if group is None:
            group = NumberGroup.objects.create(
                carrier=carrier.name, country_id=item.country, type=item.type, area_code=item.area_code,
                city=item.city, **values,
            )  # fmt: skip
        elif any(getattr(group, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(group, k, v)
            group.save()
        for ref, e164 in item.numbers:
            wanted.setdefault(e164, (group, ref))
    result.numbers = len(wanted)

    priorities = dict(Carrier.objects.values_list("name", "priority"))
    mine = preference(carrier.name, Decimal(0), priorities)[0]
    rows: dict[str, AvailableNumber] = {}
    numbers = sorted(wanted)
    for start in range(0, len(numbers), CHUNK):  # (statements take at most 65,535 parameters)
        chunk = numbers[start : start + CHUNK]
        locked = AvailableNumber.objects.select_related("group").select_for_update(of=("self",))
        rows.update((row.e164, row) for row in locked.filter(e164__in=chunk).order_by("e164"))
    moved: list[AvailableNumber] = []
    for e164, (group, ref) in wanted.items():
        row = rows.get(e164)
        if row is None:
            continue
        theirs = row.group
        if theirs.carrier == carrier.name:
            if (row.group_id, row.carrier_ref) != (group.pk, ref):
                moved.append(row)
        elif row.status == AvailableNumber.Status.AVAILABLE and (mine, group.monthly_price, carrier.name) < (
            preference(theirs.carrier, theirs.monthly_price, priorities)
        ):
            moved.append(row)  # the same number, and ours is the preferred offer
    by_group: dict[int, dict[int, str]] = {}
    for row in moved:
        group, ref = wanted[row.e164]
        by_group.setdefault(group.pk, {})[row.pk] = ref
    groups = {group.pk: group for group, _ref in wanted.values()}
    for group_id, refs in sorted(by_group.items()):  # one statement per group, not per number
        group = groups[group_id]
        same = {"group": group_id, "country": group.country_id, "type": group.type}
        bulk.update_each(AvailableNumber, column="carrier_ref", values=refs, same=same)
    new = [
        AvailableNumber(
            e164=e164, group=group, country_id=group.country_id, type=group.type, carrier_ref=ref
        )
        for e164, (group, ref) in sorted(wanted.items())
        if e164 not in rows
    ]  # fmt: skip
    bulk.insert(new)
    result.added = len(new)
    # What the carrier no longer offers leaves the index (a number sold stays: it is someone's now).
    offered = AvailableNumber.objects.filter(group__carrier=carrier.name, status=AvailableNumber.Status.AVAILABLE)
    gone = [pk for pk, e164 in offered.values_list("pk", "e164").iterator(chunk_size=CHUNK) if e164 not in wanted]
    for start in range(0, len(gone), CHUNK):
        result.removed += AvailableNumber.objects.filter(pk__in=gone[start : start + CHUNK]).delete()[0]
    stock_counts_refresh()
    group_cache.changed()
    return result


def carriers_due_for_import() -> list[int]:
    return list(Carrier.objects.filter(enabled=True, kind=Carrier.Kind.DIDWW).values_list("pk", flat=True))


# --- Keeping numbers in step ---------------------------------------------------------------------------


def renews_upstream(number: Number) -> bool:
    """Whether the number should keep renewing at its carrier: not when its client stopped paying for it
    (suspended), nor when it is set to end with its term."""
    return number.status not in (Number.Status.SUSPENDED, Number.Status.RELEASED, Number.Status.FAILED) and (
        not number.cancel_at_period_end
    )


def enqueue_renewal_push(number: Number) -> None:
    """After commit: tell the number's carrier whether it still renews. Only for carriers that bill per
    period (not the sandbox); the group's carrier is read from the group cache, so renewal runs pay no
    query for it."""
    group = group_cache.snapshot().by_id.get(number.group_id)
    carrier = group.carrier if group else NumberGroup.objects.get(pk=number.group_id).carrier
    if carrier == SANDBOX:
        return
    from ..tasks import number_renewal_push_task

    number_id = number.pk
    transaction.on_commit(lambda: number_renewal_push_task.delay(number_id))


def number_renewal_push(*, number_id: int) -> bool:
    """Set the number's renewal at its carrier to what it is here. Safe to run twice; returns whether the
    carrier was told (sandbox numbers, and numbers not yet at the carrier, have nothing to tell)."""
    number = Number.objects.select_related("group").filter(pk=number_id).first()
    if number is None or not number.carrier_ref or number.group.carrier == SANDBOX:
        return False
    if number.status in (Number.Status.RELEASED, Number.Status.FAILED):
        return False  # the release terminates it upstream
    get_carrier(number.group.carrier).set_renewal(carrier_ref=number.carrier_ref, renew=renews_upstream(number))
    return True


# --- Reconciliation --------------------------------------------------------------------------------------


def carrier_reconcile(*, carrier_id: int) -> list[dict] | None:
    """Compare our numbers of one carrier with its DIDs. Renewal mismatches are repaired (the carrier is set
    to what we have); numbers missing on either side are reported. The report replaces the last one on the
    carrier's row (staff console). Read-only but for those repairs; safe to run twice."""
    carrier = Carrier.objects.filter(pk=carrier_id, enabled=True, kind=Carrier.Kind.DIDWW).first()
    if carrier is None:
        return None
    adapter = get_carrier(carrier.name)
    assert isinstance(adapter, DidwwCarrier)
    ours = {
        n.carrier_ref: n
        for n in Number.objects.filter(group__carrier=carrier.name)
        .exclude(status__in=[Number.Status.RELEASED, Number.Status.FAILED])
        .exclude(carrier_ref="")
    }
    report: list[dict] = []
    try:
        upstream = {did.ref: did for did in adapter.dids()}
        for ref, number in sorted(ours.items(), key=lambda pair: pair[1].e164):
            did = upstream.get(ref)
            if did is None or did.terminated:
                report.append({"kind": "missing_upstream", "number": number.e164,
                               "detail": "terminated upstream" if did else "not among the carrier's DIDs"})  # fmt: skip
            elif did.renews != renews_upstream(number):
                adapter.set_renewal(carrier_ref=ref, renew=renews_upstream(number))
                report.append({"kind": "renewal_repaired", "number": number.e164,
                               "detail": "renews" if renews_upstream(number) else "stops renewing"})  # fmt: skip
        for ref, did in sorted(upstream.items(), key=lambda pair: pair[1].e164):
            if ref not in ours and not did.terminated:
                report.append({"kind": "missing_here", "number": did.e164,
                               "detail": "a DID the carrier bills that no number of ours holds"})  # fmt: skip
    except CarrierError as exc:
        report.append({"kind": "failed", "number": "", "detail": str(exc)[:300]})
    Carrier.objects.filter(pk=carrier_id).update(reconciled_at=timezone.now(), reconciliation=report)
    return report


def carriers_due_for_reconciliation() -> list[int]:
    return carriers_due_for_import()


# --- Callbacks -------------------------------------------------------------------------------------------


def carrier_callback_accept(*, name: str, url: str, payload: dict[str, str], signature: str) -> bool:
    """An order callback from a carrier: verified with the carrier's callback secret (DIDWW's signature, as
    its SDK checks it); a valid one has the carrier's numbers still being provisioned looked at again now
    rather than at their next poll (an address verification's callback: that submission's verdict). Returns
    whether the signature was valid; writes nothing."""
    from didww.callback.request_validator import RequestValidator

    carrier = Carrier.objects.filter(name=name, enabled=True).exclude(callback_secret="").first()
    if carrier is None or not RequestValidator(carrier.callback_secret).validate(url, payload, signature):
        return False
    if payload.get("type") == "address_verifications":
        from ..tasks import regulatory_upstream_poll_task
        from .regulatory import upstream_verdict_nudge

        submission_id = upstream_verdict_nudge(carrier=name, verification_ref=str(payload.get("id") or ""))
        if submission_id is not None:
            regulatory_upstream_poll_task.delay(submission_id)
        return True
    pending = list(
        Number.objects.filter(group__carrier=name, status=Number.Status.PROVISIONING).values_list("pk", flat=True)[:500]
    )
    from ..services import provisioning_enqueue

    provisioning_enqueue(pending)
    return True


LIVE = (Number.Status.ACTIVE, Number.Status.INACTIVE, Number.Status.SUSPENDED)


def carriers_with_figures(carriers):
    """``carriers`` with, per carrier: ``for_sale`` (numbers in the index), and over its live numbers
    ``live_numbers``, ``monthly_revenue`` (what resellers pay us a month) and ``monthly_cost`` (what the
    carrier charges us; sandbox numbers cost nothing upstream). One query."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
    from django.db.models.functions import Coalesce

    def per_carrier(queryset, aggregate, output):
        rows = queryset.filter(group__carrier=OuterRef("name")).order_by().values("group__carrier")
        return Coalesce(
            Subquery(rows.annotate(v=aggregate).values("v")[:1], output_field=output), 0, output_field=output
        )

    live = Number.objects.filter(status__in=LIVE)
    money = models.DecimalField(max_digits=14, decimal_places=4)
    return carriers.annotate(
        for_sale=per_carrier(
            AvailableNumber.objects.filter(status=AvailableNumber.Status.AVAILABLE), Count("pk"), IntegerField()
        ),
        live_numbers=per_carrier(live, Count("pk"), IntegerField()),
        monthly_revenue=per_carrier(live, Sum("monthly_price"), money),
        monthly_cost=per_carrier(live, Sum("group__cost_monthly"), money),
    )
