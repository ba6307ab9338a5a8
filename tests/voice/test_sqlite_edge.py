"""The SIP edge in front of the embedded run's SQLite file (Kamailio's db_sqlite), as ``make run`` starts it
where Kamailio is installed: the portal's migrations give the file the edge's tables and views, a PBX
registers with the password the portal showed, the portal reads the registration back, and calls to a
number routed to it (refused before it registered, answered after) become call records.

The portal's side runs in subprocesses (``manage.py`` with an empty DATABASE_URL: the SQLite default under
their own var directory), since this test session's database is PostgreSQL. The edge listens on
127.0.0.1:5075, while the session's PostgreSQL edge holds the voice tests' lock.
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.voice.conftest import CARRIER_IP, EDGE_HOST, REALM, Sipp, options_ok, register, stop_edge

PORT = 5075
NUMBER, CALLER = "+31850000001", "+31612345678"
# The session's PostgreSQL edge (which holds the voice tests' lock) needs the test database.
pytestmark = pytest.mark.django_db(transaction=True)

NEW_TRUNK = """
import json
from decimal import Decimal
from accounts.actor import actor_from_membership
from accounts.models import Membership
from billing.services import reseller_onboard
from django.utils import timezone
from numbers_app.models import Country, Number, NumberGroup, Order
from numbers_app.trunks import services as trunks
created = reseller_onboard(name="Lite Telecom", owner_email="owner@lite.test", opening_balance=Decimal("10"),
                           owner_password="Lite-password-1")
actor = actor_from_membership(Membership.objects.get(user=created.owner))
issued = trunks.trunk_create(actor=actor, name="Office PBX")
trunks.trunk_push(trunk_id=issued.trunk.pk)
nl, _ = Country.objects.get_or_create(code="NL", defaults={"name": "Netherlands", "dial_code": "+31"})
group = NumberGroup.objects.create(country=nl, type="national", area_code="85", monthly_price=Decimal("1.00"))
order = Order.objects.create(account=created.account, total=Decimal("0"))
Number.objects.create(
    account=created.account, order=order, group=group, e164="+31850000001", country=nl, type="national",
    status=Number.Status.ACTIVE, monthly_price=Decimal("1.00"), setup_fee=Decimal("0"),
    paid_through=timezone.localdate(), trunk=issued.trunk,
)
print(json.dumps({"username": issued.trunk.username, "password": issued.password}))
"""

SYNC = """
import json
from numbers_app.models import SipTrunk
from numbers_app.voice.services import registrations_sync, trunk_registrations
changed = registrations_sync()
trunk = SipTrunk.objects.get()
contacts = [r.contact for r in trunk_registrations(trunk)]
print(json.dumps({"changed": changed, "state": trunk.registration, "contacts": contacts}))
"""

CALLS = """
import json, time
from numbers_app.models import Call
from numbers_app.voice.services import calls_import
deadline = time.monotonic() + 15
while True:
    calls_import()
    calls = sorted(Call.objects.values_list("status", "sip_code", "sip_reason", "duration_ms"), key=lambda c: c[1])
    if (len(calls) == 2 and calls[0][0] == "completed") or time.monotonic() > deadline:
        break
    time.sleep(0.5)
print(json.dumps([[status, code, reason, (duration or 0) // 1000] for status, code, reason, duration in calls]))
"""


def _manage(var_dir: Path, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "DATABASE_URL": "", "DIDFARM_VAR_DIR": str(var_dir), "SIP_SERVER": REALM}
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def _hold_write_lock(path: Path, seconds: float, started: threading.Event) -> None:
    """What the portal's web or worker does in a write transaction: the SQLite file's write lock, held."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("UPDATE numbers_siptrunk SET name = name")
        started.set()
        time.sleep(seconds)
        con.execute("COMMIT")
    finally:
        con.close()


def test_the_edge_on_the_embedded_sqlite_file_takes_registrations_the_portal_reads(sip_edge, tmp_path):
    var_dir = tmp_path / "var"
    _manage(var_dir, "migrate", "--noinput")
    database = var_dir / "didfarm.sqlite3"
    with sqlite3.connect(database) as con:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        views = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
        assert {"sip_subscriber", "sip_address", "sip_route"} <= views
    trunk = _last_json(_manage(var_dir, "shell", stdin=NEW_TRUNK))

    config = tmp_path / "kamailio.cfg"
    _manage(
        var_dir,
        "sip_edge_config",
        "--listen",
        f"{EDGE_HOST}:{PORT}",
        "--min-expires",
        "1",
        "--carrier-addresses",
        f"{CARRIER_IP}/32",
        "--log-stderr",
        "-o",
        str(config),
    )
    text = config.read_text()
    assert f'"sqlite:///{database.resolve()}"' in text and 'loadmodule "db_sqlite.so"' in text
    log = (tmp_path / "kamailio.log").open("w")
    edge = subprocess.Popen(  # noqa: S603 - Debian's kamailio with our config
        ["/usr/sbin/kamailio", "-f", str(config), "-DD", "-E", "-w", str(tmp_path), "-Y", str(tmp_path)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "TZ": "UTC"},
    )
    sipp = Sipp(tmp_path, edge_port=PORT)
    try:
        deadline = time.monotonic() + 20
        while not options_ok(PORT):
            if edge.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Kamailio on SQLite did not start:\n" + (tmp_path / "kamailio.log").read_text()[-4000:])

        wrong = register(sipp, trunk["username"], trunk["password"] + "x", timeout=3)
        assert wrong.final_code == 401
        # A call before the PBX registered: refused, and accounted (db_sqlite writes the empty To tag as NULL).
        refused = sipp.run("call_refused", service=NUMBER, ip=CARRIER_IP, port=5073, keys={"caller": CALLER})
        assert refused.final_code == 480

        # The portal holds the file's write lock for 1.5 s while the PBX registers: the edge's write waits
        # for it (its busy timeout) instead of failing with "database is locked".
        started = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(database, 1.5, started))
        holder.start()
        assert started.wait(5)
        result = register(sipp, trunk["username"], trunk["password"], expires=120)
        holder.join()
        assert result.returncode == 0, result.messages
        assert result.final_code == 200

        with sqlite3.connect(database) as con:
            rows = con.execute("SELECT username, contact, user_agent FROM location").fetchall()
        contact = f"sip:{trunk['username']}@127.0.0.1:15072"
        assert rows == [(trunk["username"], contact, "Yealink-SIPp/1.0")]
        synced = _last_json(_manage(var_dir, "shell", stdin=SYNC))
        assert synced == {"changed": 1, "state": "registered", "contacts": [contact]}

        # The registered PBX takes a call; both calls become call records in the portal.
        pbx = sipp.start("pbx", ip="127.0.0.1", port=15072)
        answered = sipp.run("call", service=NUMBER, ip=CARRIER_IP, port=5073, keys={"caller": CALLER}, duration_ms=1000)
        assert answered.returncode == 0, answered.messages
        assert pbx.wait(timeout=10) == 0
        assert _last_json(_manage(var_dir, "shell", stdin=CALLS)) == [
            ["completed", 200, "OK", 1],
            ["refused", 480, "Trunk Not Registered", 0],
        ]

        # Un-registering takes the row away again, and the trunk goes offline.
        assert register(sipp, trunk["username"], trunk["password"], expires=0).returncode == 0
        synced = _last_json(_manage(var_dir, "shell", stdin=SYNC))
        assert synced == {"changed": 1, "state": "offline", "contacts": []}
        assert "database is locked" not in (tmp_path / "kamailio.log").read_text()
    finally:
        stop_edge(edge)
        sipp.close()
        log.close()
