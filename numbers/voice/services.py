"""What the portal takes from the SIP edge: registration changes (from Kamailio's ``location``) and call
records (from its ``acc`` and ``missed_calls``). Kamailio writes those tables; the portal only reads them
and writes its own rows (trunk state, calls, events, ledger entries).

Both are periodic jobs (``registrations_sync``, ``calls_import``), safe to run twice and at once: the
registration diff takes each trunk's row lock through ``trunk_registration_update``, which records an
event only on a change; the import holds its position rows locked, and every call is unique by its SIP
Call-ID and charged under its own id as dedupe key.

Why polling rather than the edge calling the portal: the edge then depends on nothing but PostgreSQL (a
portal outage never delays a REGISTER or a call), nothing is lost while the portal is down (the tables
keep the rows), and expiries need a clock anyway: a registration lapses without any SIP message.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from numbers_app.events import number_event_record

from ..models import Number, SipTrunk
from ..trunks.services import trunk_registration_update
from .models import Call, EdgeImport
from .testcalls import TEST_CALL_ID_PREFIX

logger = logging.getLogger("didfarm.voice")

# Accounting rows younger than this are left for the next run: two edge processes may commit their rows
# out of id order for a moment, and the import reads each table in id order once.
SETTLE_SECONDS = 2
BATCH = 500
# The reasons the edge gives when it refuses a call itself (sip_route, the channel limit, no registration).
EDGE_REFUSALS = frozenset(
    {
        "Number Not Routed",
        "Number Suspended",
        "Number Not Active Yet",
        "Trunk Not Ready",
        "Trunk Not Registered",
        "No Route To Destination",
    }
)


def edge_tables_exist() -> bool:
    """Whether this database has the edge's tables: PostgreSQL since migration 0021, SQLite (the embedded
    run, read by Kamailio's db_sqlite) since 0026."""
    return connection.vendor in ("postgresql", "sqlite")


# --- Registrations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    contact: str
    user_agent: str
    expires: datetime
    received: str


# db_sqlite keeps a time as a Julian day number (a float); db_postgres as a timestamp without time zone.
_JULIAN_UNIX_EPOCH = 2440587.5


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return datetime.fromtimestamp((float(value) - _JULIAN_UNIX_EPOCH) * 86400, tz=UTC)


def _live_registrations(usernames: list[str] | None = None) -> dict[str, list[Registration]]:
    """Unexpired registrations by username (newest first). ``expires`` is UTC: the edge runs with TZ=UTC."""
    if connection.vendor == "sqlite":
        sql = (
            "SELECT username, contact, coalesce(user_agent, ''), CAST(expires AS REAL), coalesce(received, '') "
            "FROM location WHERE expires > julianday('now')"
        )
    else:
        sql = (
            "SELECT username, contact, coalesce(user_agent, ''), expires, coalesce(received, '') "
            "FROM location WHERE expires > (now() AT TIME ZONE 'UTC')"
        )
    params: list[Any] = []
    if usernames is not None:
        sql += f" AND username IN ({', '.join(['%s'] * len(usernames)) or 'NULL'})"
        params.extend(usernames)
    sql += " ORDER BY username, last_modified DESC, id DESC"
    found: dict[str, list[Registration]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for username, contact, user_agent, expires, received in cursor.fetchall():
            found.setdefault(username, []).append(Registration(contact, user_agent, _utc(expires), received))
    return found


def trunk_registrations(trunk: SipTrunk) -> list[Registration]:
    """The trunk's live registrations (contact, user agent, expiry), read from the edge; none without it."""
    if not edge_tables_exist() or trunk.auth_type != SipTrunk.AuthType.DIGEST:
        return []
    return _live_registrations([trunk.username]).get(trunk.username, [])


def registrations_sync() -> int:
    """Compare the edge's registrations with each trunk's recorded state and record the changes: a trunk
    with a live registration becomes ``registered`` (``trunk.registered``), a registered trunk without one
    (un-registered or expired) ``offline`` (``trunk.offline``). Returns how many trunks changed."""
    if not edge_tables_exist():
        return 0
    live = _live_registrations()
    candidates = SipTrunk.objects.filter(
        Q(registration=SipTrunk.Registration.REGISTERED) | Q(username__in=list(live))
    ).only("pk", "username", "registration", "auth_type")
    changed = 0
    for trunk in candidates:
        registrations = live.get(trunk.username) if trunk.auth_type == SipTrunk.AuthType.DIGEST else None
        registered = bool(registrations)
        state = SipTrunk.Registration.REGISTERED if registered else SipTrunk.Registration.OFFLINE
        if trunk.registration == state:
            continue
        contact = registrations[0].contact if registrations else ""
        trunk_registration_update(trunk_id=trunk.pk, registered=registered, contact=contact)
        changed += 1
    return changed


# --- Call records --------------------------------------------------------------------------------


def call_data(call: Call, *, wholesale: bool = False) -> dict[str, Any]:
    """A call as the API shows it and as the ``call.*`` events carry it: the one builder of both.
    ``charged`` (what the reseller's wallet paid for a metered call) only with ``wholesale``: never in
    events (a client's webhook endpoint receives them) nor to a client-scoped key."""

    def stamp(value: datetime | None) -> str | None:
        return value.isoformat().replace("+00:00", "Z") if value else None

    return {
        "id": call.public_id,
        "number": call.e164,
        "number_id": call.number.public_id,
        "trunk_uuid": call.trunk.public_id if call.trunk is not None else None,
        "client_id": call.client_id,
        "caller": call.caller,
        "status": call.status,
        "sip_code": call.sip_code,
        "sip_reason": call.sip_reason,
        "hangup_side": call.hangup_side or None,
        "started_at": stamp(call.started_at),
        "answered_at": stamp(call.answered_at),
        "ended_at": stamp(call.ended_at),
        "duration": call.duration_seconds,
        "billable_minutes": call.billable_minutes,
        "charged": None if call.charged is None or not wholesale else f"{call.charged:.4f}",
    }


def _ts(value: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(Decimal(value or "")), tz=UTC) if value else None
    except (InvalidOperation, ValueError, OverflowError):
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


_NOW_EPOCH = {
    "postgresql": "extract(epoch from now())",
    "sqlite": f"(julianday('now') - {_JULIAN_UNIX_EPOCH}) * 86400.0",
}


def _rows(table: str, after: int) -> list[dict[str, Any]]:
    # ``table`` is one of two constants, never input.
    assert table in ("acc", "missed_calls")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, method, from_tag, callid, sip_code, sip_reason, src_user, src_ip, number_id, "  # noqa: S608
            f"dst_trunk, start_ts, event_ts, {_NOW_EPOCH[connection.vendor]} AS now_epoch FROM {table} "
            "WHERE id > %s ORDER BY id LIMIT %s",
            [after, BATCH],
        )
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    settled = []
    for row in rows:
        if float(row["now_epoch"]) - float(row["event_ts"] or 0) < SETTLE_SECONDS:
            break  # this one and the rest wait for the next run
        settled.append(row)
    return settled


def _position(table: str) -> EdgeImport:
    EdgeImport.objects.get_or_create(table=table)
    return EdgeImport.objects.select_for_update().get(table=table)


def calls_import() -> int:
    """Turn the edge's new accounting rows into call records, in one transaction: an answered INVITE
    opens a call (``call.received``), its BYE completes it (duration, who hung up; ``call.completed``;
    the metered charge), a missed or refused attempt is a call of its own (both events). Returns the
    number of rows read."""
    if not edge_tables_exist():
        return 0
    with transaction.atomic():
        positions = {table: _position(table) for table in ("acc", "missed_calls")}
        done = 0
        for table, position in positions.items():
            rows = _rows(table, position.last_id)
            for row in rows:
                if table == "missed_calls":
                    _take_missed(row)
                elif row["method"] == "INVITE":
                    _take_answered(row)
                elif row["method"] == "BYE":
                    _take_bye(row)
            if rows:
                position.last_id = rows[-1]["id"]
                position.save(update_fields=["last_id", "updated_at"])
                done += len(rows)
    return done


def _number_for(row: dict[str, Any]) -> Number | None:
    number_id = _int(row["number_id"])
    if number_id is None:
        return None
    return Number.objects.select_related("account", "trunk", "group").filter(pk=number_id).first()


def _new_call(row: dict[str, Any], number: Number, **fields: Any) -> Call | None:
    if Call.objects.filter(sip_call_id=row["callid"]).exists():
        return None  # a row seen before, or a second answer of a forked call
    trunk_id = _int(row["dst_trunk"])
    if trunk_id is not None and not SipTrunk.objects.filter(pk=trunk_id).exists():
        trunk_id = None
    # A row without either time is recorded as seen now rather than dropped.
    started = _ts(row["start_ts"]) or _ts(row["event_ts"]) or timezone.now()
    return Call.objects.create(
        uid=secrets.token_hex(6),
        sip_call_id=row["callid"][:255],
        account_id=number.account_id,
        client_id=number.client_id,
        number=number,
        e164=number.e164,
        trunk_id=trunk_id,
        caller=(row["src_user"] or "")[:64],
        caller_ip=(row["src_ip"] or "")[:64],
        from_tag=(row["from_tag"] or "")[:128],
        started_at=started,
        **fields,
    )


def _take_answered(row: dict[str, Any]) -> None:
    number = _number_for(row)
    if number is None:
        return
    call = _new_call(
        row,
        number,
        status=Call.Status.IN_PROGRESS,
        sip_code=200,
        sip_reason=(row["sip_reason"] or "")[:128],
        answered_at=_ts(row["event_ts"]),
    )
    if call is not None:
        number_event_record("call.received", number, call=call_data(call))


def _take_missed(row: dict[str, Any]) -> None:
    number = _number_for(row)
    if number is None:
        return
    code = _int(row["sip_code"])
    reason = (row["sip_reason"] or "")[:128]
    if code in (486, 600):
        status = Call.Status.BUSY
    elif reason in EDGE_REFUSALS or code in (403, 404):
        status = Call.Status.REFUSED
    else:
        status = Call.Status.MISSED
    call = _new_call(row, number, status=status, sip_code=code, sip_reason=reason, ended_at=_ts(row["event_ts"]))
    if call is not None:
        number_event_record("call.received", number, call=call_data(call))
        number_event_record("call.completed", number, call=call_data(call))


def _take_bye(row: dict[str, Any]) -> None:
    call = (
        Call.objects.select_for_update(of=("self",))
        .select_related("number__account", "number__trunk", "number__group", "trunk")
        .filter(sip_call_id=row["callid"])
        .first()
    )
    if call is None or call.status != Call.Status.IN_PROGRESS or call.answered_at is None:
        return
    ended = _ts(row["event_ts"]) or call.answered_at
    call.ended_at = ended
    call.duration_ms = max(0, round((ended - call.answered_at).total_seconds() * 1000))
    call.hangup_side = Call.HangupSide.CALLER if row["from_tag"] == call.from_tag else Call.HangupSide.CALLEE
    call.status = Call.Status.COMPLETED
    minute_price = call.number.group.minute_price
    if minute_price and call.billable_minutes and not call.sip_call_id.startswith(TEST_CALL_ID_PREFIX):
        from billing.services import charge_call

        call.charged = charge_call(call=call, minutes=call.billable_minutes, minute_price=minute_price).amount * -1
    call.save(update_fields=["ended_at", "duration_ms", "hangup_side", "status", "charged"])
    number_event_record("call.completed", call.number, call=call_data(call))
