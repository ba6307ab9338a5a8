"""A live portal for the SDKs' own suites: its own PostgreSQL database (the test database's name plus
``_sdk``), a private Redis, and ``manage.py serve`` (gunicorn, a Celery worker and beat) on a free port,
seeded with two resellers: one with a funded wallet and one whose API limit is three requests per window.
The rate-limit window is shortened to a few seconds so that waiting out a ``Retry-After`` is quick."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from django.conf import settings

from tests.portal.test_security_settings import demo_environment
from tests.portal.test_web_server import ROOT, _free_port

RATE_WINDOW_SECONDS = 4
LIMITED_RATE = 3

SEED = """
import json
from decimal import Decimal
from django.core.management import call_command
from accounts.models import Account
from billing.services import reseller_onboard

call_command("inventory_load", numbers=3000, countries="GB,NL,US", verbosity=0, stdout=open("/dev/null", "w"))
main = reseller_onboard(name="SDK Telecom", owner_email="owner@sdk-telecom.test", opening_balance=Decimal("500.00"))
limited = reseller_onboard(name="SDK Limited", owner_email="owner@sdk-limited.test", opening_balance=Decimal("5.00"))
Account.objects.filter(pk=limited.account.pk).update(api_rate_limit=%(rate)d)
voice = seed_calls_and_invoice()
print("SEED=" + json.dumps({
    "api_key": main.api_key, "read_only_key": main.read_only_key, "limited_key": limited.api_key,
    "voice_key": voice.api_key,
}))
"""

# A third reseller whose client has a number with call records on two days (answered, missed, busy) and
# an issued invoice for last month: the calls and the invoice operations read them, and the other
# resellers' wallets and number lists stay as the other tests expect.
SEED_VOICE = """
from datetime import timedelta
import time_machine
from django.db import transaction
from django.utils import timezone
from accounts.actor import actor_from_membership
from accounts.models import Membership
from accounts.services import client_create
from billing.invoices import invoice_draft, invoice_issue, month_of
from billing.invoicing.profiles import LegalProfileInput, legal_profile_save
from billing.models import Invoice
from numbers_app import services as number_services
from numbers_app.models import AvailableNumber, Call


def seed_calls_and_invoice():
    voice = reseller_onboard(name="SDK Voice", owner_email="owner@sdk-voice.test", opening_balance=Decimal("200.00"))
    owner = actor_from_membership(Membership.objects.get(account=voice.account, user=voice.owner))
    legal_profile_save(actor=owner, data=LegalProfileInput(
        legal_name="SDK Voice B.V.", address_line1="Keizersgracht 1", postcode="1015 CC", city="Amsterdam",
        country="NL", vat_id="NL004495445B01", company_registration="KvK 12345678",
        iban="NL91ABNA0417164300", bic="ABNANL2A", vat_rate=Decimal("21"), payment_terms_days=14,
    ))
    acme = client_create(actor=owner, name="Acme Calls", email="billing@acme-calls.test")
    now = timezone.now()
    last_month, _ = month_of((now.date().replace(day=1) - timedelta(days=1)))
    e164 = AvailableNumber.objects.filter(country_id="GB", status="available").order_by("e164").values_list(
        "e164", flat=True
    ).first() or AvailableNumber.objects.filter(status="available").order_by("e164").values_list("e164", flat=True)[0]
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(last_month, timezone.datetime.min.time()))
                             + timedelta(days=2, hours=10), tick=False):
        order = number_services.number_purchase(actor=owner, numbers=[e164], client=acme)
    number = order.numbers.get()
    days = (now - timedelta(days=3), now - timedelta(minutes=30))
    kinds = [("completed", 200, 95), ("missed", 487, 0), ("completed", 200, 30), ("busy", 486, 0)]
    with transaction.atomic():
        for d, day in enumerate(days):
            for k, (status, code, seconds) in enumerate(kinds):
                start = day + timedelta(minutes=k)
                Call.objects.create(
                    uid=f"sdk{d}{k}", sip_call_id=f"sdk-{d}-{k}@edge", account=voice.account, client=acme,
                    number=number, e164=number.e164, caller=f"+4477009001{d}{k}", status=status, sip_code=code,
                    started_at=start, answered_at=start if seconds else None,
                    ended_at=start + timedelta(seconds=seconds or 20), duration_ms=seconds * 1000,
                )
    invoice = invoice_draft(account_id=voice.account.pk, client_id=acme.pk, month=last_month)
    invoice_issue(invoice_id=invoice.pk, actor=owner)
    assert Invoice.objects.filter(pk=invoice.pk, status="issued").exists()
    return voice
"""


def _admin_dsn() -> dict:
    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }


def _database_name() -> str:
    db = settings.DATABASES["default"]
    test_name = (db.get("TEST") or {}).get("NAME") or f"test_{db['NAME']}"
    return f"{test_name}_sdk"


def _recreate(name: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(**_admin_dsn()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"manage.py {' '.join(args[:1])} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _private_redis() -> tuple[subprocess.Popen, int]:
    executable = shutil.which("redis-server")
    assert executable, "redis-server is needed for the live portal (scripts/test starts Debian's)"
    port = _free_port()
    proc = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return proc, port
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "the private Redis did not start"
            time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def live_portal(tmp_path_factory):
    """The running portal: ``base_url`` (the API root), the keys, and the environment the SDK suites get."""
    name = _database_name()
    _recreate(name)
    sandbox_secret = secrets.token_hex(16)
    redis_proc, redis_port = _private_redis()
    var_dir: Path = tmp_path_factory.mktemp("sdk-portal")
    db = _admin_dsn()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIDFARM_")}
    env.update(
        demo_environment(),
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=f"postgres://{db['user']}@{db['host']}:{db['port']}/{name}",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        DIDFARM_VAR_DIR=str(var_dir),
        API_RATE_LIMIT_WINDOW_SECONDS=str(RATE_WINDOW_SECONDS),
        SANDBOX_PROVISION_SECONDS="1",
        SANDBOX_CALLBACK_SECRET=sandbox_secret,
        PYTHONUNBUFFERED="1",
    )
    web = None
    try:
        _run(["migrate", "--noinput", "--verbosity", "0"], env)
        out = _run(["shell", "-c", SEED_VOICE + SEED % {"rate": LIMITED_RATE}], env)
        seeded = json.loads(next(line for line in out.splitlines() if line.startswith("SEED="))[5:])
        port = _free_port()
        log_path = var_dir / "serve.log"
        with log_path.open("w") as log:
            web = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--web-workers",
                    "1",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        root = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # a loaded machine starts gunicorn, a worker and beat slowly
        while True:
            try:
                if requests.get(f"{root}/readyz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert web.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        yield {
            "root": root,
            "base_url": f"{root}/api/v1",
            "log": log_path,
            "env": {
                "DIDFARM_BASE_URL": f"{root}/api/v1",
                "DIDFARM_API_KEY": seeded["api_key"],
                "DIDFARM_TEST_READ_ONLY_KEY": seeded["read_only_key"],
                "DIDFARM_TEST_LIMITED_KEY": seeded["limited_key"],
                "DIDFARM_TEST_RATE_LIMIT": str(LIMITED_RATE),
                "DIDFARM_TEST_RATE_WINDOW": str(RATE_WINDOW_SECONDS),
                "DIDFARM_TEST_SANDBOX_SECRET": sandbox_secret,
                "DIDFARM_TEST_VOICE_KEY": seeded["voice_key"],
            },
        }
    finally:
        if web is not None:
            _stop(web)
        _stop(redis_proc)
        _recreate(name, drop_only=True)
