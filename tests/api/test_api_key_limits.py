"""API keys: an optional expiry and address allow-list, and a cap on an account's active keys that holds
when keys are created at the same moment."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.models import ApiKey, AuditLog
from accounts.services import account_update, api_key_create
from tests.conftest import assert_error

BALANCE = "/api/v1/wallet/balance"


def call(key, ip="198.51.100.7"):
    return HttpClient().get(BALANCE, HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=ip)


def create(api, **body):
    return api.post("/api/v1/api-keys", {"name": "limited", **body})


@pytest.mark.django_db
def test_a_key_with_an_expiry_works_until_then_and_answers_401_after(tenants, api_as):
    until = timezone.now() + timedelta(days=30)
    made = create(api_as(tenants.a.key), expires_at=until.isoformat())
    assert made.status_code == 201
    data = made.json()["data"]
    assert data["expires_at"] is not None and data["active"] is True
    assert call(data["key"]).status_code == 200
    with time_machine.travel(until + timedelta(seconds=1)):
        error = assert_error(call(data["key"]), 401, "api_key_expired")
        assert "Create a new key" in error["message"]
        listed = api_as(tenants.a.key).get(f"/api/v1/api-keys/{data['id']}").json()["data"]
        assert listed["active"] is False


@pytest.mark.django_db
def test_an_expiry_in_the_past_is_a_422_that_writes_nothing(tenants, api_as):
    before = ApiKey.objects.count()
    response = create(api_as(tenants.a.key), expires_at=(timezone.now() - timedelta(minutes=1)).isoformat())
    assert_error(response, 422, "validation_error")
    assert ApiKey.objects.count() == before


@pytest.mark.django_db
def test_an_allow_list_admits_its_addresses_and_ranges_in_ipv4_and_ipv6_and_refuses_the_rest(tenants, api_as):
    made = create(api_as(tenants.a.key), allowed_ips=["203.0.113.7", "198.51.100.0/24", "2001:DB8::/32"])
    data = made.json()["data"]
    assert data["allowed_ips"] == ["203.0.113.7", "198.51.100.0/24", "2001:db8::/32"]
    for ip in ("203.0.113.7", "198.51.100.250", "2001:db8:1::5", "::ffff:203.0.113.7"):
        assert call(data["key"], ip).status_code == 200, ip
    for ip in ("203.0.113.8", "192.0.2.1", "2001:db9::1"):
        error = assert_error(call(data["key"], ip), 403, "ip_not_allowed")
        assert ip in error["message"] and "allow-list" in error["message"]


@pytest.mark.django_db
def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(tenants, api_as, settings):
    key = create(api_as(tenants.a.key), allowed_ips=["203.0.113.7"]).json()["data"]["key"]
    spoofed = HttpClient().get(BALANCE, HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert spoofed.status_code == 403
    settings.TRUST_PROXY_HEADERS = True
    proxied = HttpClient().get(
        BALANCE, HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7"
    )
    assert proxied.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ["not-an-ip", "10.1.2.3/8", "300.1.1.1", "2001:db8::/129"])
def test_a_bad_allow_list_entry_is_a_422_naming_it_and_writes_nothing(tenants, api_as, entry):
    before = ApiKey.objects.count()
    error = assert_error(create(api_as(tenants.a.key), allowed_ips=["192.0.2.1", entry]), 422, "validation_error")
    assert entry in error["fields"]["allowed_ips"][0]
    assert ApiKey.objects.count() == before


@pytest.mark.django_db
def test_one_key_past_the_accounts_cap_is_a_422_that_writes_nothing(tenants, api_as, settings):
    settings.API_KEYS_MAX_ACTIVE = 5  # A has 3 (full, read-only, Xylo's)
    api = api_as(tenants.a.key)
    assert [create(api).status_code for _ in range(2)] == [201, 201]
    before = (ApiKey.objects.count(), AuditLog.objects.count())
    error = assert_error(create(api), 422, "api_key_limit_reached")
    assert "Revoke a key" in error["message"]
    assert (ApiKey.objects.count(), AuditLog.objects.count()) == before
    # revoked and expired keys do not count
    ApiKey.objects.filter(name="limited").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert create(api).status_code == 201
    assert api_as(tenants.b.key).post("/api/v1/api-keys", {"name": "b"}).status_code == 201


@pytest.mark.django_db
def test_staff_can_give_one_account_more_keys(tenants, api_as, settings, staff_actor):
    settings.API_KEYS_MAX_ACTIVE = 3
    assert_error(create(api_as(tenants.a.key)), 422, "api_key_limit_reached")
    account_update(actor=staff_actor, account=tenants.a.account, api_key_limit=4)
    assert create(api_as(tenants.a.key)).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_the_cap_holds_when_keys_are_created_in_parallel(tenants, settings):
    settings.API_KEYS_MAX_ACTIVE = 8  # 3 exist: room for 5 more
    start = threading.Barrier(12)
    outcomes = []

    def make(i):
        try:
            start.wait()
            api_key_create(actor=tenants.a.owner_actor, name=f"parallel {i}", read_only=False)
            outcomes.append("made")
        except Exception as exc:  # noqa: BLE001 — the outcome is what is asserted
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=make, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("made") == 5
    assert outcomes.count("ApiKeyLimitReached") == 7
    assert ApiKey.objects.filter(account=tenants.a.account, revoked_at__isnull=True).count() == 8


@pytest.mark.django_db
def test_the_keys_page_sets_an_expiry_and_allow_list_and_lists_them(tenants):
    http = HttpClient()
    from accounts.models import User

    http.force_login(User.objects.get(email="owner@alpha.test"))
    page = http.post(
        "/developers/api-keys/",
        {
            "name": "Office only",
            "access": "full",
            "client": "",
            "expires_at": "2099-01-31T12:00",
            "allowed_ips": "203.0.113.7\n2001:db8::/32, 198.51.100.0/24",
        },
    )
    assert page.status_code == 200
    key = ApiKey.objects.get(name="Office only")
    assert key.allowed_ips == ["203.0.113.7", "2001:db8::/32", "198.51.100.0/24"]
    assert key.expires_at.year == 2099
    text = http.get("/developers/api-keys/").content.decode()
    assert "2001:db8::/32" in text and "2099" in text
    bad = http.post(
        "/developers/api-keys/", {"name": "Bad", "access": "full", "client": "", "allowed_ips": "10.0.0.1/8"}
    )
    assert "10.0.0.1/8 is not an IP address" in bad.content.decode()
    assert not ApiKey.objects.filter(name="Bad").exists()
