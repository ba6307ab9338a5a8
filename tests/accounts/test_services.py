from decimal import Decimal

import pytest

from accounts import keys
from accounts.actor import actor_from_membership
from accounts.models import ApiKey, AuditLog, Client, Membership, Role, User
from accounts.services import (
    api_key_create,
    api_key_revoke,
    client_create,
    client_update,
    member_invite,
    member_remove,
    reseller_create,
)
from billing import ledger
from billing.models import LedgerEntry, Wallet
from billing.services import reseller_onboard
from portal.errors import NotFound, PermissionDenied, ValidationFailed
from portal.models import Event

pytestmark = pytest.mark.django_db


def _actor_for(email: str):
    return actor_from_membership(Membership.objects.select_related("account", "client", "user").get(user__email=email))


def test_onboarding_makes_account_owner_funded_wallet_and_two_working_keys(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        created = reseller_onboard(name="Gamma Lines", owner_email="Boss@Gamma.test", opening_balance=Decimal("100"))
    wallet = ledger.wallet_for(created.account)
    assert wallet.balance == Decimal("100.0000") == ledger.entries_total(wallet)
    assert created.owner.email == "boss@gamma.test"
    assert not created.owner.has_usable_password()
    assert Membership.objects.get(user=created.owner).role == Role.OWNER
    assert created.api_key.startswith("df_live_sk_") and created.read_only_key.startswith("df_live_rk_")
    stored = ApiKey.objects.filter(account=created.account)
    assert {k.key_hash for k in stored} == {keys.digest(created.api_key), keys.digest(created.read_only_key)}
    assert len(mailoutbox) == 1 and "/password-reset/" in mailoutbox[0].body


def test_onboarding_with_a_negative_balance_or_no_name_writes_nothing():
    with pytest.raises(ValidationFailed):
        reseller_onboard(name="Neg", owner_email="neg@x.test", opening_balance=Decimal("-1"))
    with pytest.raises(ValidationFailed):
        reseller_onboard(name="  ", owner_email="blank@x.test", opening_balance=Decimal("5"))
    with pytest.raises(ValidationFailed):
        reseller_create(name="  ", owner_email="blank@x.test")
    assert not User.objects.filter(email__in=["neg@x.test", "blank@x.test"]).exists()
    assert not Wallet.objects.exists() and not LedgerEntry.objects.exists()


def test_creating_a_client_writes_an_audit_row_and_an_event(tenants):
    client = client_create(actor=tenants.a.owner_actor, name="  New Co ", reference="crm-7")
    assert client.name == "New Co"
    audit = AuditLog.objects.get(action="client.created", subject_id=client.public_id)
    assert audit.actor_label == "owner@alpha.test"
    assert audit.after["reference"] == "crm-7"
    event = Event.objects.get(type="client.created", subject_id=client.public_id)
    assert event.account == tenants.a.account and event.client == client
    assert event.as_payload()["data"]["name"] == "New Co"


def test_two_resellers_may_have_clients_with_the_same_name_but_one_reseller_may_not(tenants):
    client_create(actor=tenants.b.owner_actor, name="Xylo Dental")
    with pytest.raises(ValidationFailed) as exc:
        client_create(actor=tenants.a.owner_actor, name="Xylo Dental")
    assert "name" in exc.value.fields
    assert Client.objects.filter(name="Xylo Dental").count() == 2


def test_updating_a_client_records_before_and_after(tenants):
    client_update(actor=tenants.a.owner_actor, client=tenants.x, name="Xylo Dental Group", is_active=False)
    audit = AuditLog.objects.get(action="client.updated")
    assert audit.before["name"] == "Xylo Dental" and audit.after["name"] == "Xylo Dental Group"
    assert audit.after["is_active"] is False
    with pytest.raises(ValidationFailed):
        client_update(actor=tenants.a.owner_actor, client=tenants.x, account=tenants.b.account)


def test_a_client_admin_cannot_create_clients_keys_for_others_or_invite(tenants):
    x_admin = _actor_for(tenants.x_admin_email)
    with pytest.raises(PermissionDenied):
        client_create(actor=x_admin, name="Nope")
    with pytest.raises(NotFound):
        api_key_create(actor=x_admin, name="k", read_only=False, client=tenants.y)
    key, _ = api_key_create(actor=x_admin, name="mine", read_only=True)
    assert key.client == tenants.x
    with pytest.raises(PermissionDenied):
        member_invite(actor=x_admin, email="friend@x.test", role=Role.MEMBER)


def test_only_an_owner_can_add_an_owner_and_client_roles_need_a_client(tenants):
    owner = tenants.a.owner_actor
    admin = member_invite(actor=owner, email="adm@alpha.test", role=Role.ADMIN, notify=False)
    admin_actor = actor_from_membership(admin)
    with pytest.raises(PermissionDenied):
        member_invite(actor=admin_actor, email="o2@alpha.test", role=Role.OWNER)
    with pytest.raises(ValidationFailed):
        member_invite(actor=owner, email="c@alpha.test", role=Role.CLIENT_VIEWER)
    with pytest.raises(NotFound):
        other = Client.objects.filter(account=tenants.b.account).first()
        member_invite(actor=owner, email="c@alpha.test", role=Role.CLIENT_VIEWER, client=other)
    with pytest.raises(ValidationFailed):
        member_invite(actor=owner, email="adm@alpha.test", role=Role.MEMBER)


def test_the_last_owner_cannot_be_removed(tenants):
    owner_membership = Membership.objects.get(user__email="owner@alpha.test")
    with pytest.raises(ValidationFailed):
        member_remove(actor=tenants.a.owner_actor, membership=owner_membership)
    member = member_invite(actor=tenants.a.owner_actor, email="m@alpha.test", role=Role.MEMBER, notify=False)
    member_remove(actor=tenants.a.owner_actor, membership=member)
    assert AuditLog.objects.filter(action="member.removed").count() == 1


def test_revoking_twice_writes_one_audit_row(tenants):
    key, _ = api_key_create(actor=tenants.a.owner_actor, name="temp", read_only=False)
    api_key_revoke(actor=tenants.a.owner_actor, key=key)
    api_key_revoke(actor=tenants.a.owner_actor, key=key)
    assert AuditLog.objects.filter(action="api_key.revoked", subject_id=key.public_id).count() == 1
    assert key.revoked_at is not None


def test_a_member_cannot_create_keys_but_a_client_viewer_cannot_even_write(tenants):
    member = actor_from_membership(
        member_invite(actor=tenants.a.owner_actor, email="mem@alpha.test", role=Role.MEMBER, notify=False)
    )
    with pytest.raises(PermissionDenied):
        api_key_create(actor=member, name="k", read_only=True)
    viewer = actor_from_membership(
        member_invite(
            actor=tenants.a.owner_actor, email="v@alpha.test", role=Role.CLIENT_VIEWER, client=tenants.x, notify=False
        )
    )
    with pytest.raises(PermissionDenied):
        api_key_create(actor=viewer, name="k", read_only=True)


def test_an_admin_cannot_remove_an_owner(tenants):
    second_owner = member_invite(actor=tenants.a.owner_actor, email="o2@alpha.test", role=Role.OWNER, notify=False)
    admin = actor_from_membership(
        member_invite(actor=tenants.a.owner_actor, email="a2@alpha.test", role=Role.ADMIN, notify=False)
    )
    with pytest.raises(PermissionDenied):
        member_remove(actor=admin, membership=second_owner)
    assert Membership.objects.filter(pk=second_owner.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_owners_removing_each_other_at_once_leave_one_owner(tenants):
    import threading

    from django.db import connection

    other = member_invite(actor=tenants.a.owner_actor, email="o2@alpha.test", role=Role.OWNER, notify=False)
    first = Membership.objects.get(user__email="owner@alpha.test")
    actors = {"first": tenants.a.owner_actor, "other": actor_from_membership(other)}
    start, outcomes = threading.Barrier(2), []

    def remove(who, target):
        start.wait()
        try:
            member_remove(actor=actors[who], membership=target)
            outcomes.append("removed")
        except ValidationFailed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=remove, args=("first", other)),
        threading.Thread(target=remove, args=("other", first)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["refused", "removed"]
    assert Membership.objects.filter(account=tenants.a.account, role=Role.OWNER).count() == 1
