import pytest

from accounts.models import ApiKey
from tests.conftest import assert_error

pytestmark = pytest.mark.django_db

BALANCE = "/api/v1/wallet/balance"


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key", "Api-Key"])
def test_each_of_the_three_key_headers_authenticates(tenants, api_as, header):
    response = api_as(tenants.a.key, header=header).get(BALANCE)
    assert response.status_code == 200
    assert response.json() == {"balance": "100.00", "balance_exact": "100.0000", "currency": "EUR"}


def test_the_api_is_also_served_under_v1(tenants, api_as):
    response = api_as(tenants.b.key).get("/v1/wallet/balance")
    assert response.status_code == 200
    assert response.json()["balance"] == "50.00"


def test_no_key_is_401_with_the_error_body(tenants, api_as):
    response = api_as(None).get(BALANCE)
    assert_error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "bad",
    [
        "df_live_sk_notarealkey",
        "Bearer",
        # right shape, wrong checksum
        "df_live_sk_" + "A" * 32 + "000000",
    ],
)
def test_a_malformed_or_unknown_key_is_401(tenants, api_as, bad):
    assert_error(api_as(bad).get(BALANCE), 401, "unauthorized")


def test_a_well_formed_key_that_was_never_issued_is_401(tenants, api_as):
    from accounts import keys

    assert_error(api_as(keys.generate(read_only=False)).get(BALANCE), 401, "unauthorized")


def test_a_revoked_key_is_refused_on_the_very_next_request(tenants, api_as):
    api = api_as(tenants.a.key)
    assert api.get(BALANCE).status_code == 200
    key_id = api.get("/api/v1/api-keys").json()["data"][-1]["id"]
    revoked = api.delete(f"/api/v1/api-keys/{key_id}")
    assert revoked.status_code == 200
    assert revoked.json()["data"]["active"] is False
    assert_error(api.get(BALANCE), 401, "unauthorized")


def test_using_a_key_records_when_it_was_last_used(tenants, api_as):
    from accounts import keys

    key = ApiKey.objects.get(key_hash=keys.digest(tenants.a.read_only_key))
    assert key.last_used_at is None
    api_as(tenants.a.read_only_key).get(BALANCE)
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_suspended_accounts_keys_are_refused_with_403(tenants, api_as, staff_actor):
    from accounts.services import account_update

    account_update(actor=staff_actor, account=tenants.a.account, status="suspended")
    error = assert_error(api_as(tenants.a.key).get(BALANCE), 403, "forbidden")
    assert "suspended" in error["message"]
    assert api_as(tenants.b.key).get(BALANCE).status_code == 200


def test_staff_editing_an_account_in_admin_leaves_an_audit_row(tenants, client, django_user_model):
    from accounts.models import AuditLog

    staff = django_user_model.objects.create_superuser("root@didfarm.test", "pw-for-staff-1")
    client.force_login(staff)
    account = tenants.a.account
    response = client.post(
        f"/admin/accounts/account/{account.pk}/change/",
        {
            "name": account.name,
            "billing_email": account.billing_email,
            "status": "active",
            "api_rate_limit": "120",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    account.refresh_from_db()
    assert account.api_rate_limit == 120
    audit = AuditLog.objects.get(action="account.updated")
    assert audit.actor_label == "root@didfarm.test"
    assert audit.after == {"api_rate_limit": 120}


def test_me_tells_which_account_scope_and_limit_a_key_carries(tenants, api_as):
    body = api_as(tenants.x_key).get("/api/v1/me").json()
    assert body["account_id"] == tenants.a.account.pk and body["client_id"] == tenants.x.pk
    assert body["key"].startswith("df_live_sk_") and "…" in body["key"] and body["read_only"] is False
    assert body["rate_limit_per_minute"] == 60
    assert api_as(tenants.a.read_only_key).get("/api/v1/me").json()["read_only"] is True
