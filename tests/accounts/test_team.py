"""Team settings: changing a member's role (the rules the roles imply, an audit row each time) and the
invitations nobody has accepted yet (listed, sent again, withdrawn). Services first, then the page."""

from __future__ import annotations

import re
import threading

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.test import Client as HttpClient

from accounts.actor import actor_from_api_key, actor_from_membership
from accounts.models import ApiKey, AuditLog, Membership, Role, User
from accounts.selectors import member_list
from accounts.services import (
    member_invitation_resend,
    member_invitation_revoke,
    member_invite,
    member_role_change,
)
from portal.errors import NotFound, PermissionDenied, ValidationFailed
from tests.conftest import PASSWORD

TEAM = "/settings/team/"


def invite(tenants, email: str, role: str = Role.MEMBER, client=None, *, accepted: bool = True) -> Membership:
    membership = member_invite(actor=tenants.a.owner_actor, email=email, role=role, client=client, notify=False)
    if accepted:
        membership.user.set_password(PASSWORD)
        membership.user.save()
    return membership


def owner_membership(tenants) -> Membership:
    return Membership.objects.get(user__email="owner@alpha.test")


def web(email: str) -> HttpClient:
    http = HttpClient()
    http.force_login(User.objects.get(email=email))
    return http


def role_of(membership: Membership) -> tuple[str, int | None]:
    membership.refresh_from_db()
    return membership.role, membership.client_id


# --- Changing roles ------------------------------------------------------------------------------


def test_an_owner_makes_a_member_an_admin_with_an_audit_row(tenants):
    member = invite(tenants, "m@alpha.test")

    changed = member_role_change(actor=tenants.a.owner_actor, membership=member, role=Role.ADMIN)

    assert changed.role == Role.ADMIN
    assert role_of(member) == (Role.ADMIN, None)
    audit = AuditLog.objects.get(action="member.role_changed")
    assert audit.account == tenants.a.account
    assert audit.user.email == "owner@alpha.test"
    assert audit.before == {"email": "m@alpha.test", "role": "member", "client": None}
    assert audit.after == {"email": "m@alpha.test", "role": "admin", "client": None}


def test_a_member_becomes_a_client_admin_of_the_client_named(tenants):
    member = invite(tenants, "m@alpha.test")

    member_role_change(actor=tenants.a.owner_actor, membership=member, role=Role.CLIENT_ADMIN, client=tenants.x)

    assert role_of(member) == (Role.CLIENT_ADMIN, tenants.x.pk)
    audit = AuditLog.objects.get(action="member.role_changed")
    assert audit.after["client"] == tenants.x.public_id


def test_a_client_role_without_a_client_is_refused_and_changes_nothing(tenants):
    member = invite(tenants, "m@alpha.test")

    with pytest.raises(ValidationFailed) as caught:
        member_role_change(actor=tenants.a.owner_actor, membership=member, role=Role.CLIENT_VIEWER)

    assert "client" in caught.value.fields
    assert role_of(member) == (Role.MEMBER, None)
    assert not AuditLog.objects.filter(action="member.role_changed").exists()


def test_an_account_role_drops_the_client(tenants):
    x_admin = Membership.objects.get(user__email=tenants.x_admin_email)

    member_role_change(actor=tenants.a.owner_actor, membership=x_admin, role=Role.MEMBER, client=tenants.y)

    assert role_of(x_admin) == (Role.MEMBER, None)


def test_an_unknown_role_is_refused(tenants):
    member = invite(tenants, "m@alpha.test")

    with pytest.raises(ValidationFailed):
        member_role_change(actor=tenants.a.owner_actor, membership=member, role="emperor")

    assert role_of(member) == (Role.MEMBER, None)


def test_the_same_role_again_writes_no_audit_row(tenants):
    member = invite(tenants, "m@alpha.test")

    member_role_change(actor=tenants.a.owner_actor, membership=member, role=Role.MEMBER)

    assert not AuditLog.objects.filter(action="member.role_changed").exists()


def test_the_last_owner_cannot_be_demoted(tenants):
    owner = owner_membership(tenants)

    with pytest.raises(ValidationFailed):
        member_role_change(actor=tenants.a.owner_actor, membership=owner, role=Role.ADMIN)

    assert role_of(owner) == (Role.OWNER, None)
    assert not AuditLog.objects.filter(action="member.role_changed").exists()


def test_an_owner_may_step_down_when_another_owner_remains(tenants):
    invite(tenants, "o2@alpha.test", Role.OWNER)
    owner = owner_membership(tenants)

    member_role_change(actor=tenants.a.owner_actor, membership=owner, role=Role.ADMIN)

    assert role_of(owner) == (Role.ADMIN, None)
    assert Membership.objects.filter(account=tenants.a.account, role=Role.OWNER).count() == 1


def test_an_admin_cannot_make_an_owner_nor_change_an_owners_role(tenants):
    admin = actor_from_membership(invite(tenants, "a@alpha.test", Role.ADMIN))
    member = invite(tenants, "m@alpha.test")
    second_owner = invite(tenants, "o2@alpha.test", Role.OWNER)

    with pytest.raises(PermissionDenied):
        member_role_change(actor=admin, membership=member, role=Role.OWNER)
    with pytest.raises(PermissionDenied):
        member_role_change(actor=admin, membership=second_owner, role=Role.MEMBER)

    assert role_of(member) == (Role.MEMBER, None)
    assert role_of(second_owner) == (Role.OWNER, None)


def test_an_admin_changes_a_members_role(tenants):
    admin = actor_from_membership(invite(tenants, "a@alpha.test", Role.ADMIN))
    member = invite(tenants, "m@alpha.test")

    member_role_change(actor=admin, membership=member, role=Role.CLIENT_VIEWER, client=tenants.y)

    assert role_of(member) == (Role.CLIENT_VIEWER, tenants.y.pk)


def test_members_client_admins_and_api_keys_cannot_change_roles(tenants):
    member_actor = actor_from_membership(invite(tenants, "m@alpha.test"))
    x_admin_actor = actor_from_membership(Membership.objects.get(user__email=tenants.x_admin_email))
    key_actor = actor_from_api_key(
        ApiKey.objects.filter(account=tenants.a.account, client=None, read_only=False).first()
    )
    target = invite(tenants, "t@alpha.test")

    for actor in (member_actor, x_admin_actor, key_actor):
        with pytest.raises(PermissionDenied):
            member_role_change(actor=actor, membership=target, role=Role.ADMIN)

    assert role_of(target) == (Role.MEMBER, None)


def test_another_resellers_member_or_client_is_not_found(tenants):
    bravo_admin = Membership.objects.get(user__email="admin@zephyr.test")
    member = invite(tenants, "m@alpha.test")
    bravo_client = bravo_admin.client

    with pytest.raises(NotFound):
        member_role_change(actor=tenants.a.owner_actor, membership=bravo_admin, role=Role.MEMBER)
    with pytest.raises(NotFound):
        member_role_change(actor=tenants.a.owner_actor, membership=member, role=Role.CLIENT_ADMIN, client=bravo_client)

    assert role_of(bravo_admin) == (Role.CLIENT_ADMIN, bravo_client.pk)
    assert role_of(member) == (Role.MEMBER, None)


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(tenants):
    other = invite(tenants, "o2@alpha.test", Role.OWNER)
    first = owner_membership(tenants)
    actors = {"first": tenants.a.owner_actor, "other": actor_from_membership(other)}
    start, outcomes = threading.Barrier(2), []

    def demote(who, target):
        start.wait()
        try:
            member_role_change(actor=actors[who], membership=target, role=Role.MEMBER)
            outcomes.append("demoted")
        except (ValidationFailed, PermissionDenied):
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=("first", other)),
        threading.Thread(target=demote, args=("other", first)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(account=tenants.a.account, role=Role.OWNER).count() == 1
    assert AuditLog.objects.filter(action="member.role_changed").count() == 1


# --- Pending invitations -------------------------------------------------------------------------


def test_pending_invitations_are_those_without_a_password(tenants):
    invite(tenants, "pending@alpha.test", accepted=False)
    invite(tenants, "accepted@alpha.test")

    pending = [m.user.email for m in member_list(actor=tenants.a.owner_actor, pending=True)]
    accepted = [m.user.email for m in member_list(actor=tenants.a.owner_actor, pending=False)]

    assert pending == ["pending@alpha.test"]
    assert "accepted@alpha.test" in accepted and "pending@alpha.test" not in accepted
    assert "owner@alpha.test" in accepted


def test_resending_an_invitation_emails_a_fresh_link_after_commit_with_an_audit_row(
    tenants, mailoutbox, django_capture_on_commit_callbacks
):
    pending = invite(tenants, "pending@alpha.test", accepted=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        member_invitation_resend(actor=tenants.a.owner_actor, membership=pending)

    assert len(callbacks) == 1
    (mail,) = mailoutbox
    assert mail.to == ["pending@alpha.test"]
    assert "Alpha Telecom" in mail.subject
    assert "/password-reset/" in mail.body
    audit = AuditLog.objects.get(action="member.invitation_resent")
    assert audit.after == {"email": "pending@alpha.test"}


def test_resending_to_someone_who_accepted_is_refused_and_sends_nothing(
    tenants, mailoutbox, django_capture_on_commit_callbacks
):
    accepted = invite(tenants, "accepted@alpha.test")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        member_invitation_resend(actor=tenants.a.owner_actor, membership=accepted)

    assert mailoutbox == []
    assert not AuditLog.objects.filter(action="member.invitation_resent").exists()


def test_withdrawing_an_invitation_removes_the_access_and_kills_the_emailed_link(tenants):
    pending = invite(tenants, "pending@alpha.test", accepted=False)
    user = pending.user
    token = default_token_generator.make_token(user)

    member_invitation_revoke(actor=tenants.a.owner_actor, membership=pending)

    assert not Membership.objects.filter(pk=pending.pk).exists()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not default_token_generator.check_token(user, token)
    audit = AuditLog.objects.get(action="member.invitation_revoked")
    assert audit.before == {"email": "pending@alpha.test", "role": "member", "client": None}


def test_withdrawing_keeps_the_link_working_for_another_accounts_invitation(tenants):
    pending = invite(tenants, "shared@alpha.test", accepted=False)
    member_invite(actor=tenants.b.owner_actor, email="shared@alpha.test", role=Role.MEMBER, notify=False)
    user = pending.user
    token = default_token_generator.make_token(user)

    member_invitation_revoke(actor=tenants.a.owner_actor, membership=pending)

    user.refresh_from_db()
    assert default_token_generator.check_token(user, token)
    assert Membership.objects.filter(user=user, account=tenants.b.account).exists()


def test_an_accepted_invitation_cannot_be_withdrawn(tenants):
    accepted = invite(tenants, "accepted@alpha.test")

    with pytest.raises(ValidationFailed):
        member_invitation_revoke(actor=tenants.a.owner_actor, membership=accepted)

    assert Membership.objects.filter(pk=accepted.pk).exists()


def test_an_admin_cannot_withdraw_an_owners_invitation(tenants):
    admin = actor_from_membership(invite(tenants, "a@alpha.test", Role.ADMIN))
    pending_owner = invite(tenants, "o2@alpha.test", Role.OWNER, accepted=False)

    with pytest.raises(PermissionDenied):
        member_invitation_revoke(actor=admin, membership=pending_owner)

    assert Membership.objects.filter(pk=pending_owner.pk).exists()


def test_another_resellers_invitation_is_not_found(tenants):
    bravo_pending = member_invite(actor=tenants.b.owner_actor, email="p@bravo.test", role=Role.MEMBER, notify=False)

    with pytest.raises(NotFound):
        member_invitation_resend(actor=tenants.a.owner_actor, membership=bravo_pending)
    with pytest.raises(NotFound):
        member_invitation_revoke(actor=tenants.a.owner_actor, membership=bravo_pending)

    assert Membership.objects.filter(pk=bravo_pending.pk).exists()


# --- The team page -------------------------------------------------------------------------------


def test_the_team_page_lists_pending_invitations_apart_with_their_buttons(tenants):
    invite(tenants, "pending@alpha.test", accepted=False)

    response = web("owner@alpha.test").get(TEAM)

    html = response.content.decode()
    members, invitations = html.split('id="invitations"')
    assert "pending@alpha.test" not in members
    assert "pending@alpha.test" in invitations
    assert "Send again" in invitations and "Withdraw" in invitations
    assert "Change role" in members


def test_changing_a_role_on_the_page_saves_it_and_says_so(tenants):
    member = invite(tenants, "m@alpha.test")
    http = web("owner@alpha.test")

    response = http.post(f"/settings/team/{member.pk}/role/", {"role": Role.CLIENT_ADMIN, "client": tenants.x.pk})

    assert response.status_code == 302 and response["Location"] == TEAM
    assert role_of(member) == (Role.CLIENT_ADMIN, tenants.x.pk)
    assert "m@alpha.test is now Client admin · Xylo Dental." in http.get(TEAM).content.decode()


def test_demoting_the_last_owner_on_the_page_shows_why_and_changes_nothing(tenants):
    owner = owner_membership(tenants)
    http = web("owner@alpha.test")

    response = http.post(f"/settings/team/{owner.pk}/role/", {"role": Role.MEMBER, "client": ""}, follow=True)

    assert "An account keeps at least one owner" in response.content.decode()
    assert role_of(owner) == (Role.OWNER, None)


def test_an_admin_stepping_down_to_member_lands_on_the_dashboard(tenants):
    invite(tenants, "o2@alpha.test", Role.OWNER)
    admin = invite(tenants, "a@alpha.test", Role.ADMIN)

    response = web("a@alpha.test").post(f"/settings/team/{admin.pk}/role/", {"role": Role.MEMBER, "client": ""})

    assert response.status_code == 302 and response["Location"] == "/"
    assert role_of(admin) == (Role.MEMBER, None)


def test_an_admin_is_not_offered_the_owner_role(tenants):
    invite(tenants, "a@alpha.test", Role.ADMIN)
    invite(tenants, "m@alpha.test")

    html = web("a@alpha.test").get(TEAM).content.decode()

    role_forms = re.findall(r'<details class="role-change">.*?</details>', html, re.S)
    assert role_forms  # for the people below an owner
    assert all('value="owner"' not in form and 'value="admin"' in form for form in role_forms)
    owner_row = re.search(r'<tr data-member="owner@alpha.test">.*?</tr>', html, re.S).group(0)
    assert "Change role" not in owner_row


def test_resending_and_withdrawing_on_the_page(tenants, mailoutbox, django_capture_on_commit_callbacks):
    pending = invite(tenants, "pending@alpha.test", accepted=False)
    http = web("owner@alpha.test")

    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(f"/settings/team/{pending.pk}/resend/")
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["pending@alpha.test"]]

    response = http.post(f"/settings/team/{pending.pk}/revoke/", follow=True)
    assert "Invitation for pending@alpha.test withdrawn" in response.content.decode()
    assert not Membership.objects.filter(pk=pending.pk).exists()


@pytest.mark.parametrize("action", ["role", "resend", "revoke"])
def test_another_resellers_member_on_the_page_is_404_and_changes_nothing(tenants, action):
    bravo_pending = member_invite(actor=tenants.b.owner_actor, email="p@bravo.test", role=Role.MEMBER, notify=False)

    response = web("owner@alpha.test").post(f"/settings/team/{bravo_pending.pk}/{action}/", {"role": Role.ADMIN})

    assert response.status_code == 404
    assert role_of(bravo_pending) == (Role.MEMBER, None)
    assert (
        not AuditLog.objects.filter(action__startswith="member.", account=tenants.a.account)
        .exclude(action="member.invited")
        .exists()
    )


@pytest.mark.parametrize("action", ["role", "resend", "revoke"])
def test_team_actions_are_post_only(tenants, action):
    member = invite(tenants, "m@alpha.test", accepted=False)

    assert web("owner@alpha.test").get(f"/settings/team/{member.pk}/{action}/").status_code == 405


def test_a_client_admin_cannot_change_roles(tenants):
    member = invite(tenants, "m@alpha.test")
    x_admin = Membership.objects.get(user__email=tenants.x_admin_email)

    # They see only their client's people, so someone else on the account is a 404 ...
    assert web(tenants.x_admin_email).post(f"/settings/team/{member.pk}/role/", {"role": Role.ADMIN}).status_code == 404
    # ... and their own membership is theirs to see, not to change.
    web(tenants.x_admin_email).post(f"/settings/team/{x_admin.pk}/role/", {"role": Role.OWNER})

    assert role_of(member) == (Role.MEMBER, None)
    assert role_of(x_admin) == (Role.CLIENT_ADMIN, tenants.x.pk)
