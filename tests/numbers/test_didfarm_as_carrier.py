"""One DIDfarm as another's carrier, end to end: two live portals, each on its own PostgreSQL database and
its own Celery worker on Redis, nothing mocked between them.

Portal A sells from its sandbox. Portal B has one carrier, ``didww``, pointed at A's /api/v3 with a key of
a reseller of A. On B a reseller searches (A's stock at B's prices), buys (A's reseller pays A; B's number
goes active), routes the number to a trunk (A's DID points at B's SIP side), stops and resumes paying
(A's DID stops and resumes renewing) and releases it (A's DID is terminated). B is driven through its
own /api/v3 with DIDWW's SDK, A is looked at through its /api/v3 with the same SDK.

The databases are named after the test database (``<test db>_a``, ``_b``) and the Redis keys carry
that name as their prefix, so two runs of the suite on one machine never meet."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connections

from numbers_app.upstream.services import price_from_cost
from tests.portal.test_security_settings import demo_environment

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not (settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and settings.REDIS_URL),
    reason="two portals need PostgreSQL and Redis (DATABASE_URL, REDIS_URL)",
)
WAIT_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )


def _database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + name))


@dataclass
class Portal:
    name: str
    url: str
    env: dict[str, str]
    var: Path
    process: subprocess.Popen | None = None
    key: str = ""

    def manage(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{self.name}: manage.py {' '.join(args)}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def reseller(self, name: str, email: str, balance: str) -> str:
        """A new reseller's full API key (the command's last line; the welcome mail goes to the console)."""
        out = self.manage("reseller_create", "--name", name, "--email", email, "--balance", balance, "--json")
        return json.loads(out.strip().splitlines()[-1])["api_key"]

    def start(self) -> None:
        log = (self.var / "serve.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", self.url.rsplit(":", 1)[1], "--web-workers", "1"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        path = self.var / "serve.log"
        return path.read_text()[-6000:] if path.exists() else ""

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200 and "ready." in self.log():
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet
            assert self.process is not None and self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, f"portal {self.name} did not come up:\n{self.log()}"
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def sdk(self, key: str | None = None):
        from didww.client import DidwwClient

        return DidwwClient(api_key=key or self.key, base_url=f"{self.url}/api/v3")


def _portal(name: str, database: str, tmp_path: Path) -> Portal:
    port = _free_port()
    var = tmp_path / name
    var.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_LIVE"))}
    env.update(
        demo_environment(),
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=_database_url(database),
        REDIS_KEY_PREFIX=f"{database}:",
        DIDFARM_VAR_DIR=str(var),
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        SIP_SERVER=f"sip.{name}.test",
        REGULATORY_UPSTREAM_POLL_SECONDS="1",  # a document verdict is asked for at the sweep right after
        # The test looks at A with the key B buys with, twice a second while it waits: more than the default
        # 60 requests a minute on a loaded machine, where B's work at A takes longer.
        API_RATE_LIMIT_DEFAULT="600",
        PYTHONUNBUFFERED="1",
    )
    env.pop("SECRET_KEY", None)  # each portal makes its own, in its var directory
    return Portal(name=name, url=f"http://127.0.0.1:{port}", env=env, var=var)


@pytest.fixture
def portals(tmp_path, django_db_setup) -> Iterator[tuple[Portal, Portal]]:
    """A and B, migrated, seeded and running; stopped and dropped afterwards."""
    test_db = connections["default"].creation._get_test_db_name()  # test_<db>: what this run owns
    names = {"a": f"{test_db}_a", "b": f"{test_db}_b"}
    connections.close_all()  # the test database is the portals' template: nobody may be connected to it
    with _admin_connection() as admin:
        for database in names.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            try:  # a copy of the (migrated, empty) test database: much faster than migrating twice
                admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "{test_db}"')
            except (psycopg.errors.ObjectInUse, psycopg.errors.InvalidCatalogName):
                admin.execute(f'CREATE DATABASE "{database}"')
    a, b = (_portal(name, database, tmp_path) for name, database in names.items())
    try:
        migrations = [
            subprocess.Popen([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=p.env)
            for p in (a, b)
        ]  # (with a copy: nothing to do but check)
        assert [m.wait(timeout=300) for m in migrations] == [0, 0]
        a.manage("inventory_load", "--numbers", "40", "--countries", "NL")
        a.key = a.reseller("Bravo Networks", "ops@bravo.test", "50.00")
        b.key = b.reseller("Charlie Calls", "ops@charlie.test", "80.00")
        b.env["UPSTREAM_KEY"] = a.key
        b.manage(
            "carrier", "add", "didww", "--kind", "didww", "--url", f"{a.url}/api/v3", "--key-env", "UPSTREAM_KEY",
            "--callback-secret-env", "UPSTREAM_KEY", "--countries", "NL", "--types", "local", "--priority", "1",
            "--markup", "50", "--rounding", "0.05",
        )  # fmt: skip
        a.start()
        b.start()
        a.wait_until_up()
        b.wait_until_up()
        yield a, b
    finally:
        for portal in (a, b):
            portal.stop()
        with _admin_connection() as admin:
            for database in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def eventually(check: Callable[[], Any], what: str, portals: tuple[Portal, ...]) -> Any:
    """``check()``'s first truthy answer within WAIT_SECONDS (the portals' logs if there is none)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            logs = "\n\n".join(f"--- {p.name} ---\n{p.log()}" for p in portals)
            raise AssertionError(f"{what}: not within {WAIT_SECONDS} s\n{logs}")
        time.sleep(0.5)


def upstream_did(a: Portal, e164: str):
    from didww.query_params import QueryParams

    params = QueryParams().filter("number", e164.lstrip("+")).include("voice_in_trunk")
    found = a.sdk().dids().list(params).data
    return found[0] if found else None


def documents_needed(portal: Portal, needed: bool) -> None:
    """Whether the portal's Dutch local numbers need documents (the sandbox's own rules say they do; a buyer
    importing them learns it from each group's address requirement)."""
    portal.manage(
        "shell",
        "-c",
        "from numbers_app import group_cache\nfrom numbers_app.models import NumberGroup\n"
        f"NumberGroup.objects.filter(country_id='NL', type='local').update(requires_regulatory={needed})\n"
        "group_cache.changed()",
    )


def balance(portal: Portal) -> Decimal:
    return Decimal(str(portal.sdk().balance().find().data.balance))


def test_a_reseller_on_b_buys_routes_and_releases_a_number_that_b_buys_from_a(portals):
    from didww.query_params import QueryParams
    from didww.resources.did import Did
    from didww.resources.order import Order
    from didww.resources.order_item.available_did_order_item import AvailableDidOrderItem
    from didww.resources.voice_in_trunk import VoiceInTrunk

    a, b = portals
    both = (a, b)
    documents_needed(a, False)  # (documents going upstream: test_regulatory_upstream_live)

    # B imports A's stock (its search index, at its own prices: A's price plus 50 %, rounded up to 0.05).
    imported = b.manage("carrier", "import", "didww")
    assert "0 numbers" not in imported, imported

    # On B, the reseller searches: A's numbers, B's prices.
    offers = b.sdk().available_dids().list(QueryParams().include("did_group.stock_keeping_units").page(size=5)).data
    assert offers, "B shows none of A's numbers"
    offer = offers[0]
    at_a = (
        a.sdk()
        .available_dids()
        .list(QueryParams().filter("number.contains", offer.number).include("did_group.stock_keeping_units"))
        .data
    )
    assert [d.number for d in at_a] == [offer.number]  # on sale at A

    def money(value) -> Decimal:
        return Decimal(str(value))

    a_sku = min(at_a[0].did_group.stock_keeping_units, key=lambda s: (money(s.monthly_price), money(s.setup_price)))
    # (the SKU B's adapter orders at A: the cheapest; on B the reseller buys monthly)
    b_sku = next(s for s in offer.did_group.stock_keeping_units if s.id.endswith("-monthly"))
    for field in ("monthly_price", "setup_price"):  # B's price rule: A's price plus 50 %, rounded up to 0.05
        cost = money(getattr(a_sku, field))
        assert money(getattr(b_sku, field)) == price_from_cost(cost, markup_percent=money(50), rounding=money("0.05"))
    assert money(b_sku.monthly_price) > money(a_sku.monthly_price)

    # It buys: B's wallet pays B, B's order at A is paid by A's reseller, B's number goes active.
    a_before, b_before = balance(a), balance(b)
    item = AvailableDidOrderItem()
    item.available_did_id = offer.id
    item.sku_id = b_sku.id
    order = Order()
    order.items = [item]
    order.external_reference_id = "charlie-1"
    placed = b.sdk().orders().create(order).data
    e164 = "+" + offer.number

    def b_did():
        found = b.sdk().dids().list(QueryParams().filter("number", offer.number)).data
        return found[0] if found and b.sdk().orders().find(placed.id).data.status.value == "completed" else None

    mine = eventually(b_did, "B's number active", both)
    assert b_before - balance(b) == money(b_sku.setup_price) + money(b_sku.monthly_price)
    at_a = eventually(lambda: upstream_did(a, e164), "the DID at A", both)
    assert at_a.terminated is False and at_a.billing_cycles_count is None
    # A's reseller (B's account at A) paid A's price for it.
    assert a_before - balance(a) == money(a_sku.setup_price) + money(a_sku.monthly_price)

    # It routes the number to a trunk on B: A's DID points at B's SIP side.
    trunk = requests.post(
        f"{b.url}/api/v1/portal/sip-trunks",
        json={"name": "Office PBX"},
        headers={"Authorization": f"Bearer {b.key}"},
        timeout=10,
    )
    assert trunk.status_code == 201, trunk.text
    trunk_id = trunk.json()["data"]["uuid"]
    did = Did.build(mine.id)
    did.voice_in_trunk = VoiceInTrunk.build(trunk_id)
    b.sdk().dids().update(did)

    def routed_at_a():
        upstream = upstream_did(a, e164)
        trunk_at_a = upstream.voice_in_trunk if upstream else None
        return trunk_at_a if trunk_at_a is not None and trunk_at_a.configuration is not None else None

    trunk_at_a = eventually(routed_at_a, "A's DID on B's trunk", both)
    assert trunk_at_a.configuration.host == "sip.b.test"
    assert trunk_at_a.configuration.username == trunk.json()["data"]["username"]

    # The client stops paying: B stops renewing, and so does A's DID; it pays again, and A renews again.
    did = Did.build(mine.id)
    did.billing_cycles_count = 0
    b.sdk().dids().update(did)
    eventually(lambda: upstream_did(a, e164).billing_cycles_count == 0, "A's DID not renewing", both)
    did = Did.build(mine.id)
    did.billing_cycles_count = None
    b.sdk().dids().update(did)
    eventually(lambda: upstream_did(a, e164).billing_cycles_count is None, "A's DID renewing again", both)

    # It releases the number: A's DID is terminated.
    released = requests.delete(
        f"{b.url}/api/v1/numbers/{mine.id}", headers={"Authorization": f"Bearer {b.key}"}, timeout=10
    )
    assert released.status_code in (200, 204), released.text
    eventually(lambda: upstream_did(a, e164).terminated is True, "A's DID terminated", both)
    assert not b.sdk().dids().list(QueryParams().filter("number", offer.number)).data
