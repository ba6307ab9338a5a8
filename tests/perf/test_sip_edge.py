"""The SIP edge's throughput: digest registrations a second and calls a second through Kamailio with its
database lookups (``sip_subscriber``, ``sip_route``, the write-through ``location``), with a small portal
(100 trunks, 1,000 numbers) and a large one (10,000 trunks, 100,000 numbers).

Run with ``.venv/bin/pytest tests/perf/test_sip_edge.py -m perf -s``. Registrations come from a small
asyncio client here (REGISTER, the 401's nonce, REGISTER with the digest answer, 200), ``PERF_SIP_CONCURRENCY``
at a time; calls from SIPp as the carrier (127.0.0.2) to SIPp answering as every trunk's PBX, ``PERF_SIP_CALLS``
calls, at most 100 at once. Figures measured here are kept in tests/perf/README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import subprocess
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Account
from numbers_app.models import Country, Number, NumberGroup, Order, SipTrunk
from numbers_app.trunks.services import digest_ha1
from tests.voice.conftest import CARRIER_IP, REALM, SCENARIOS, start_edge, stop_edge

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

PORT = 5076
PBX_PORT = 15079
CLIENT_PORT = 15095
PASSWORD = "bench-password-0123456789"
CONCURRENCY = int(os.environ.get("PERF_SIP_CONCURRENCY", "50"))
REGISTRATIONS = int(os.environ.get("PERF_SIP_REGISTRATIONS", "3000"))
CALLS = int(os.environ.get("PERF_SIP_CALLS", "1000"))


def _populate(account: Account, *, trunks: int, numbers: int, start_trunk: int = 0, start_number: int = 0) -> None:
    """Active digest trunks ``bench00000``… and active numbers routed to them, round robin."""
    nl, _ = Country.objects.get_or_create(code="NL", defaults={"name": "Netherlands", "dial_code": "+31"})
    group = NumberGroup.objects.filter(country=nl, area_code="85").first() or NumberGroup.objects.create(
        country=nl, type="national", area_code="85", monthly_price=Decimal("1.00")
    )
    order = Order.objects.filter(account=account).first() or Order.objects.create(account=account, total=Decimal("0"))
    rows = []
    for i in range(start_trunk, start_trunk + trunks):
        username = f"bench{i:05d}"
        rows.append(
            SipTrunk(
                uid=f"b{i:07d}",
                account=account,
                name=f"Bench {i}",
                sip_server=REALM,
                username=username,
                ha1=digest_ha1(username, REALM, PASSWORD),
                status=SipTrunk.Status.ACTIVE,
            )
        )
    SipTrunk.objects.bulk_create(rows, batch_size=2000)
    trunk_ids = list(SipTrunk.objects.filter(username__startswith="bench").order_by("pk").values_list("pk", flat=True))
    today = timezone.localdate()
    batch = []
    for n in range(start_number, start_number + numbers):
        batch.append(
            Number(
                account=account,
                order=order,
                group=group,
                e164=f"+3185{n:07d}",
                country=nl,
                type="national",
                status=Number.Status.ACTIVE,
                monthly_price=Decimal("1.00"),
                setup_fee=Decimal("0"),
                paid_through=today,
                trunk_id=trunk_ids[n % len(trunk_ids)],
            )
        )
        if len(batch) == 5000:
            Number.objects.bulk_create(batch)
            batch = []
    Number.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE numbers_number; ANALYZE numbers_siptrunk")


class _Registrar(asyncio.DatagramProtocol):
    """A PBX farm: registers usernames through the edge, answering each 401 with the digest."""

    def __init__(self):
        self.waiting: dict[str, asyncio.Future] = {}

    def datagram_received(self, data, addr):
        text = data.decode(errors="replace")
        call_id = re.search(r"^Call-ID: *(.+?)\r$", text, re.MULTILINE | re.IGNORECASE)
        future = self.waiting.pop(call_id.group(1), None) if call_id else None
        if future is not None and not future.done():
            future.set_result(text)


def _register_message(username: str, call_id: str, cseq: int, auth: str = "") -> bytes:
    branch = uuid.uuid4().hex
    return (
        f"REGISTER sip:{REALM} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{CLIENT_PORT};branch=z9hG4bK{branch}\r\n"
        f"From: <sip:{username}@{REALM}>;tag={call_id[:8]}\r\nTo: <sip:{username}@{REALM}>\r\n"
        f"Call-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\n"
        f"Contact: <sip:{username}@127.0.0.1:{PBX_PORT}>\r\nExpires: 600\r\nMax-Forwards: 70\r\n{auth}"
        "User-Agent: didfarm-bench\r\nContent-Length: 0\r\n\r\n"
    ).encode()


async def _register_all(usernames: list[str]) -> tuple[int, float]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(_Registrar, local_addr=("127.0.0.1", CLIENT_PORT))
    ok = 0
    queue = list(usernames)

    async def exchange(message: bytes, call_id: str) -> str:
        future = loop.create_future()
        protocol.waiting[call_id] = future
        transport.sendto(message, ("127.0.0.1", PORT))
        return await asyncio.wait_for(future, 5)

    async def one(username: str) -> bool:
        call_id = uuid.uuid4().hex
        challenge = await exchange(_register_message(username, call_id, 1), call_id)
        nonce = re.search(r'nonce="([^"]+)"', challenge)
        if not challenge.startswith("SIP/2.0 401") or nonce is None:
            return False
        ha1 = digest_ha1(username, REALM, PASSWORD)
        ha2 = hashlib.md5(f"REGISTER:sip:{REALM}".encode()).hexdigest()  # noqa: S324 - SIP digest
        response = hashlib.md5(f"{ha1}:{nonce.group(1)}:{ha2}".encode()).hexdigest()  # noqa: S324
        auth = (
            f'Authorization: Digest username="{username}", realm="{REALM}", nonce="{nonce.group(1)}", '
            f'uri="sip:{REALM}", response="{response}", algorithm=MD5\r\n'
        )
        answer = await exchange(_register_message(username, call_id, 2, auth), call_id)
        return answer.startswith("SIP/2.0 200")

    async def worker():
        nonlocal ok
        while queue:
            registered = False
            with contextlib.suppress(TimeoutError):  # a lost answer counts as a failed registration
                registered = await one(queue.pop())
            ok += registered  # (after the await: ``ok += await …`` would read ``ok`` before it)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    transport.close()
    return ok, elapsed


def _calls(tmp_path, numbers: list[str]) -> tuple[int, float]:
    """``len(numbers)`` calls from the carrier, each answered by the PBX and hung up at once."""
    (tmp_path / "numbers.csv").write_text("SEQUENTIAL\n" + "\n".join(numbers) + "\n")
    scenario = (SCENARIOS / "call.xml").read_text().replace("[service]", "[field0]")
    (tmp_path / "bench_call.xml").write_text(scenario)
    common = ["-nostdin", "-timeout", "300s", "-recv_timeout", "10000"]
    pbx = subprocess.Popen(  # noqa: S603 - SIPp with our scenario
        ["sipp", "-sf", str(SCENARIOS / "pbx.xml"), "-i", "127.0.0.1", "-p", str(PBX_PORT), "-mp", "15070"]
        + ["-m", str(len(numbers))]
        + common,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - SIPp with our scenario
        ["sipp", f"127.0.0.1:{PORT}", "-sf", str(tmp_path / "bench_call.xml"), "-inf", str(tmp_path / "numbers.csv")]
        + ["-i", CARRIER_IP, "-p", "5077", "-mp", "15074", "-key", "caller", "+31612345678", "-d", "0"]
        + ["-r", "500", "-l", "100", "-m", str(len(numbers))]
        + common,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.perf_counter() - started
    pbx.kill()
    pbx.wait()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM acc WHERE method = 'BYE'")
        answered = cursor.fetchone()[0]
        cursor.execute("DELETE FROM acc; DELETE FROM missed_calls")
    return answered, elapsed


def test_registrations_and_calls_per_second_small_and_large(tenants, tmp_path, django_db_blocker):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM acc; DELETE FROM missed_calls; DELETE FROM location WHERE username LIKE 'bench%'")
    process = start_edge(tmp_path, port=PORT, pike_density=1_000_000, auth_failures=1_000_000, children=4)
    try:
        figures = {}
        for label, trunks, numbers, first_trunk, first_number in (
            ("100 trunks, 1,000 numbers", 100, 1000, 0, 0),
            ("10,000 trunks, 100,000 numbers", 9900, 99000, 100, 1000),
        ):
            populated = time.perf_counter()
            _populate(
                tenants.a.account, trunks=trunks, numbers=numbers, start_trunk=first_trunk, start_number=first_number
            )
            populated = time.perf_counter() - populated
            total_trunks = first_trunk + trunks
            usernames = [f"bench{i % total_trunks:05d}" for i in range(REGISTRATIONS)]
            ok, seconds = asyncio.run(_register_all(usernames))
            assert ok == REGISTRATIONS, f"{REGISTRATIONS - ok} registrations failed"
            registrations = ok / seconds
            # numbers routed to a trunk registered above, spread over the whole range
            registered = min(REGISTRATIONS, total_trunks)
            routable = [n for n in range(first_number, first_number + numbers) if n % total_trunks < registered]
            called = [f"+3185{routable[(i * 7919) % len(routable)]:07d}" for i in range(CALLS)]
            answered, call_seconds = _calls(tmp_path, called)
            assert answered >= CALLS * 0.99, f"only {answered} of {CALLS} calls were answered"
            figures[label] = (registrations, answered / call_seconds, populated)
        print()
        for label, (registrations, calls, populated) in figures.items():
            print(
                f"{label}: {registrations:,.0f} registrations/s ({CONCURRENCY} at once), {calls:,.0f} calls/s "
                f"(set up and torn down, at most 100 at once); data loaded in {populated:.1f} s"
            )
    finally:
        stop_edge(process)
