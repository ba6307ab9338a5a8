import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, Membership, User
from billing import ledger

pytestmark = pytest.mark.django_db


def test_reseller_create_prints_json_with_working_keys(client):
    out = StringIO()
    call_command(
        "reseller_create",
        "--name",
        "Delta Telco",
        "--email",
        "ops@delta.test",
        "--balance",
        "100.00",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert set(result) == {"account_id", "api_key", "read_only_key"}
    account = Account.objects.get(pk=result["account_id"])
    assert ledger.wallet_for(account).balance == 100
    response = client.get("/api/v1/wallet/balance", headers={"Authorization": f"Bearer {result['api_key']}"})
    assert response.json()["balance"] == "100.00"
    response = client.post(
        "/api/v1/clients",
        {"name": "x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {result['read_only_key']}"},
    )
    assert response.status_code == 403


def test_reseller_create_refuses_a_bad_balance():
    with pytest.raises(CommandError, match="--balance"):
        call_command("reseller_create", "--name", "X", "--email", "x@x.test", "--balance", "lots")
    assert not Account.objects.exists()


def test_demo_seed_creates_the_demo_once_and_prints_keys_only_the_first_time():
    first, second = StringIO(), StringIO()
    call_command("demo_seed", stdout=first)
    call_command("demo_seed", stdout=second)
    assert Account.objects.filter(name="Demo Telecom").count() == 1
    account = Account.objects.get(name="Demo Telecom")
    assert ledger.wallet_for(account).balance == 100
    assert account.clients.count() == 2
    assert Membership.objects.filter(account=account, role="client_admin").count() == 2
    assert User.objects.get(email="staff@didfarm.test").is_superuser
    assert "df_live_sk_" in first.getvalue() and "df_live_rk_" in first.getvalue()
    assert "df_live_" not in second.getvalue()
    assert "owner@demo-telecom.test" in second.getvalue()
    # Toll-free numbers of a few countries are metered, so the demo shows per-minute prices; nothing else is.
    from numbers_app.models import NumberGroup

    metered = NumberGroup.objects.filter(minute_price__isnull=False)
    assert {(g.country_id, g.type) for g in metered} >= {("GB", "toll_free"), ("US", "toll_free")}
    assert {g.type for g in metered} == {"toll_free"}


@pytest.mark.parametrize("balance", ["NaN", "Infinity", "-5", "99999999999"])
def test_reseller_create_refuses_amounts_that_are_not_money(balance):
    with pytest.raises(CommandError, match="balance"):
        call_command("reseller_create", "--name", "Odd", "--email", "odd@x.test", "--balance", balance)
    assert not Account.objects.exists()


def test_reseller_create_with_a_sub_cent_balance_opens_an_empty_wallet():
    out = StringIO()
    call_command(
        "reseller_create", "--name", "Tiny", "--email", "t@x.test", "--balance", "0.00001", "--json", stdout=out
    )
    assert ledger.wallet_for(Account.objects.get(name="Tiny")).balance == 0
