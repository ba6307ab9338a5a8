"""Idempotency-Key: first successful response replayed, other body → 422, still running → 409."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Client
from portal.models import IdempotencyRecord
from tests.conftest import ApiClient, assert_error

URL = "/api/v1/clients"


def _count(account, name):
    return Client.objects.filter(account=account, name=name).count()


@pytest.mark.django_db
def test_a_retry_with_the_same_key_replays_the_first_response_and_creates_nothing_more(tenants, api_as):
    api = api_as(tenants.a.key)
    headers = {"Idempotency-Key": "a1b2c3"}
    first = api.post(URL, {"name": "Once Only"}, headers=headers)
    second = api.post(URL, {"name": "Once Only"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert _count(tenants.a.account, "Once Only") == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_and_writes_nothing(tenants, api_as):
    api = api_as(tenants.a.key)
    api.post(URL, {"name": "First Body"}, headers={"Idempotency-Key": "k-1"})
    response = api.post(URL, {"name": "Second Body"}, headers={"Idempotency-Key": "k-1"})
    assert_error(response, 422, "idempotency_key_reused")
    assert _count(tenants.a.account, "Second Body") == 0


@pytest.mark.django_db
def test_keys_are_scoped_per_account(tenants, api_as):
    headers = {"Idempotency-Key": "shared-key"}
    a = api_as(tenants.a.key).post(URL, {"name": "Shared"}, headers=headers)
    b = api_as(tenants.b.key).post(URL, {"name": "Shared"}, headers=headers)
    assert a.status_code == b.status_code == 201
    assert a.json()["data"]["id"] != b.json()["data"]["id"]
    assert "Idempotent-Replayed" not in b


@pytest.mark.django_db
def test_a_failed_request_releases_its_key_for_a_corrected_retry(tenants, api_as):
    api = api_as(tenants.a.key)
    headers = {"Idempotency-Key": "fix-and-retry"}
    assert_error(api.post(URL, {"name": "Xylo Dental"}, headers=headers), 422, "validation_error")
    assert not IdempotencyRecord.objects.filter(key="fix-and-retry").exists()
    assert api.post(URL, {"name": "Xylo Dental 2"}, headers=headers).status_code == 201


@pytest.mark.django_db
def test_a_stored_response_expires_after_24_hours(tenants, api_as):
    api = api_as(tenants.a.key)
    headers = {"Idempotency-Key": "old"}
    api.post(URL, {"name": "Yesterday"}, headers=headers)
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    again = api.post(URL, {"name": "Yesterday"}, headers=headers)
    assert_error(again, 422, "validation_error")  # ran again: the name is now taken


@pytest.mark.django_db
def test_the_hourly_purge_drops_only_expired_records(tenants, api_as):
    from portal.idempotency import purge_expired

    api = api_as(tenants.a.key)
    api.post(URL, {"name": "Old"}, headers={"Idempotency-Key": "old"})
    api.post(URL, {"name": "New"}, headers={"Idempotency-Key": "new"})
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert purge_expired() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256])
def test_an_empty_or_overlong_key_is_a_validation_error(tenants, api_as, key):
    response = api_as(tenants.a.key).post(URL, {"name": "Whatever"}, headers={"Idempotency-Key": key})
    error = assert_error(response, 422, "validation_error")
    assert "Idempotency-Key" in error["fields"]
    assert _count(tenants.a.account, "Whatever") == 0


@pytest.mark.django_db(transaction=True)
def test_a_retry_while_the_first_request_is_still_running_is_409(tenants, monkeypatch):
    from accounts import services

    entered, release = threading.Event(), threading.Event()
    real_create = services.client_create

    def slow_create(**kwargs):
        entered.set()
        assert release.wait(20)
        return real_create(**kwargs)

    monkeypatch.setattr(services, "client_create", slow_create)
    results = {}

    def first():
        try:
            results["first"] = ApiClient(tenants.a.key).post(URL, {"name": "Slow"}, headers={"Idempotency-Key": "s"})
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(20)
    second = ApiClient(tenants.a.key).post(URL, {"name": "Slow"}, headers={"Idempotency-Key": "s"})
    release.set()
    thread.join(30)
    assert_error(second, 409, "idempotency_conflict")
    assert results["first"].status_code == 201
    third = ApiClient(tenants.a.key).post(URL, {"name": "Slow"}, headers={"Idempotency-Key": "s"})
    assert third.status_code == 201 and third["Idempotent-Replayed"] == "true"
    assert _count(tenants.a.account, "Slow") == 1


@pytest.mark.django_db
def test_another_key_of_the_same_account_cannot_replay_someone_elses_response(tenants, api_as):
    headers = {"Idempotency-Key": "owned"}
    assert api_as(tenants.a.key).post(URL, {"name": "Secret client"}, headers=headers).status_code == 201
    # The client-scoped key may not create clients; a replay must not hand it the stored 201.
    response = api_as(tenants.x_key).post(URL, {"name": "Secret client"}, headers=headers)
    assert_error(response, 422, "idempotency_key_reused")


@pytest.mark.django_db
def test_a_retry_on_the_v1_mirror_is_the_same_request(tenants, api_as):
    api = api_as(tenants.a.key)
    first = api.post(URL, {"name": "Mirror"}, headers={"Idempotency-Key": "m"})
    again = api.post("/v1/clients", {"name": "Mirror"}, headers={"Idempotency-Key": "m"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _count(tenants.a.account, "Mirror") == 1


@pytest.mark.django_db(transaction=True)
def test_a_crash_after_the_work_but_before_the_record_is_stored_undoes_the_work(tenants, monkeypatch):
    from portal import idempotency

    def crash(*args, **kwargs):
        raise RuntimeError("process died")

    monkeypatch.setattr(idempotency, "finish", crash)
    api = ApiClient(tenants.a.key)
    api.http.raise_request_exception = False
    response = api.post(URL, {"name": "Half done"}, headers={"Idempotency-Key": "crash"})
    assert_error(response, 500, "server_error")
    assert _count(tenants.a.account, "Half done") == 0
    assert not IdempotencyRecord.objects.filter(key="crash").exists()
    monkeypatch.undo()
    retry = ApiClient(tenants.a.key).post(URL, {"name": "Half done"}, headers={"Idempotency-Key": "crash"})
    assert retry.status_code == 201
    assert _count(tenants.a.account, "Half done") == 1
