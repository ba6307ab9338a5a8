"""Two-factor authentication: set-up confirmed by a code, the code step of the login, recovery codes,
mandatory for staff and (when a reseller asks) for its team and client logins; API keys unaffected."""

import re

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.models import AuditLog, AuthenticatorDevice, RecoveryCode, User
from accounts.security import two_factor
from tests.conftest import PASSWORD, totp_code, two_factor_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_web(tenants) -> HttpClient:
    http = HttpClient()
    http.force_login(User.objects.get(email="owner@alpha.test"))
    return http


def password_step(http, email, password=PASSWORD, next_url=""):
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return http.post("/login/", data)


def logged_in(http) -> bool:
    return "_auth_user_id" in http.session


def test_setting_up_takes_a_code_from_the_app_and_shows_recovery_codes_once(tenants, owner_web):
    owner = User.objects.get(email="owner@alpha.test")
    page = owner_web.get("/account/two-factor/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = AuthenticatorDevice.objects.get(user=owner, confirmed=False)

    wrong = owner_web.post("/account/two-factor/", {"code": "000000"})
    assert wrong.status_code == 422
    assert not two_factor.has_two_factor(owner)

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=31), tick=False):  # past the slow-down
        done = owner_web.post("/account/two-factor/", {"code": totp_code(device)})
    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    codes = re.findall(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b", done.content.decode())
    assert len(codes) == 10
    assert two_factor.has_two_factor(owner)
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert not stored & set(codes)  # only hashes are kept
    assert AuditLog.objects.filter(action="two_factor.enabled", user=owner).count() == 1
    assert owner_web.get("/account/").status_code == 200  # this session passed the second factor


def test_with_an_app_the_password_alone_does_not_log_in_and_the_code_does(tenants):
    owner = User.objects.get(email="owner@alpha.test")
    device = two_factor_device(owner)
    http = HttpClient()
    step = password_step(http, "owner@alpha.test", next_url="/billing/wallet/")
    assert step["Location"] == "/login/verify/"
    assert not logged_in(http)
    assert http.get("/")["Location"].startswith("/login/")

    assert http.post("/login/verify/", {"code": "123456"}).status_code == 200
    assert not logged_in(http)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=31), tick=False):
        done = http.post("/login/verify/", {"code": totp_code(device)})
    assert done["Location"] == "/billing/wallet/"
    assert logged_in(http)
    assert http.get("/billing/wallet/").status_code == 200


def app_and_recovery_codes(email="owner@alpha.test"):
    owner = User.objects.get(email=email)
    two_factor_device(owner)
    return owner, two_factor._recovery_codes_replace(owner)


def log_in_with_code(code: str, email="owner@alpha.test"):
    http = HttpClient()
    password_step(http, email)
    return http, http.post("/login/verify/", {"code": code})


def test_a_recovery_code_logs_in_once(tenants):
    owner, codes = app_and_recovery_codes()
    assert log_in_with_code(codes[0].upper())[1]["Location"] == "/"
    second, answer = log_in_with_code(codes[0])
    assert answer.status_code == 200
    assert not logged_in(second)
    assert two_factor.recovery_codes_left(owner) == 9


def test_wrong_codes_count_towards_the_login_lockout(tenants):
    owner = User.objects.get(email="owner@alpha.test")
    device = two_factor_device(owner)
    http = HttpClient()
    password_step(http, "owner@alpha.test")
    for _ in range(5):
        http.post("/login/verify/", {"code": "abcd-efgh-jkmn"})
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=40), tick=False):
        refused = http.post("/login/verify/", {"code": totp_code(device)})
    assert refused.status_code == 429
    assert not logged_in(http)


def test_staff_without_an_app_are_sent_to_set_one_up_before_the_staff_console(tenants, staff_actor):
    http = HttpClient()
    assert password_step(http, staff_actor.user.email, next_url="/admin/")["Location"] == "/admin/"
    console = http.get("/admin/")
    assert console.status_code == 302 and console["Location"].startswith("/account/two-factor/?next=")
    assert http.get("/admin/accounts/account/")["Location"].startswith("/account/two-factor/")
    setup = http.get("/account/two-factor/", follow=True)
    assert "DIDfarm staff must use two-factor authentication" in setup.content.decode()
    # the app confirmed, the console opens
    device = AuthenticatorDevice.objects.get(user=staff_actor.user, confirmed=False)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=31), tick=False):
        http.post("/account/two-factor/", {"code": totp_code(device)})
        assert http.get("/admin/").status_code == 200


def test_staff_cannot_turn_two_factor_off(tenants, staff_actor):
    two_factor_device(staff_actor.user)
    with pytest.raises(Exception, match="required"):
        two_factor.two_factor_disable(user=staff_actor.user, code="000000", ip_address=None)


def test_a_reseller_can_require_it_of_its_team_and_separately_of_its_client_logins(tenants, owner_web):
    owner_web.post("/settings/team/two-factor/", {"require_two_factor_team": "on"})
    tenants.a.account.refresh_from_db()
    assert (tenants.a.account.require_two_factor_team, tenants.a.account.require_two_factor_clients) == (True, False)
    assert AuditLog.objects.filter(action="account.two_factor_required").count() == 1

    member = HttpClient()
    User.objects.create_user("member@alpha.test", PASSWORD)
    from accounts.services import member_invite

    member_invite(actor=tenants.a.owner_actor, email="member@alpha.test", role="member", notify=False)
    password_step(member, "member@alpha.test")
    sent = member.get("/", follow=True)
    assert sent.redirect_chain[-1][0].startswith("/account/two-factor/")
    assert "Your account requires two-factor authentication" in sent.content.decode()

    client_admin = HttpClient()
    password_step(client_admin, tenants.x_admin_email)
    assert client_admin.get("/").status_code == 200  # client logins: not asked (yet)

    owner_web.post("/settings/team/two-factor/", {"require_two_factor_team": "on", "require_two_factor_clients": "on"})
    client_admin = HttpClient()
    password_step(client_admin, tenants.x_admin_email)
    assert client_admin.get("/")["Location"].startswith("/account/two-factor/")


def test_api_keys_work_whatever_two_factor_asks_of_people(tenants, api_as):
    from accounts.services import account_update

    account_update(
        actor=tenants.a.owner_actor,
        account=tenants.a.account,
        require_two_factor_team=True,
        require_two_factor_clients=True,
    )
    assert api_as(tenants.a.key).get("/api/v1/wallet/balance").status_code == 200
    assert api_as(tenants.x_key).get("/api/v1/numbers").status_code == 200


def test_turning_it_off_takes_a_current_code(tenants, owner_web):
    owner = User.objects.get(email="owner@alpha.test")
    device = two_factor_device(owner)
    from tests.conftest import pass_two_factor

    pass_two_factor(owner_web, owner)
    assert owner_web.post("/account/two-factor/disable/", {"code": "000000"}).status_code == 422
    assert two_factor.has_two_factor(owner)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=31), tick=False):
        assert owner_web.post("/account/two-factor/disable/", {"code": totp_code(device)})["Location"] == "/account/"
    assert not two_factor.has_two_factor(owner)
    assert AuditLog.objects.filter(action="two_factor.disabled").count() == 1


def test_a_session_that_never_gave_a_code_is_logged_out_once_the_person_has_an_app(tenants, owner_web):
    assert owner_web.get("/").status_code == 200
    two_factor_device(User.objects.get(email="owner@alpha.test"))
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=61), tick=False):
        assert owner_web.get("/")["Location"].startswith("/login/")
    assert not logged_in(owner_web)


def test_a_session_that_owes_a_code_cannot_use_the_api_either(tenants, owner_web):
    assert owner_web.get("/api/v1/wallet/balance").status_code == 200
    two_factor_device(User.objects.get(email="owner@alpha.test"))
    assert owner_web.get("/api/v1/wallet/balance").status_code == 401


def test_new_recovery_codes_replace_the_old_ones_and_keep_this_session_in(tenants):
    owner, old = app_and_recovery_codes()
    http, _answer = log_in_with_code(old[0])
    page = http.post("/account/two-factor/recovery-codes/")
    new = re.findall(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert http.get("/account/").status_code == 200
    assert two_factor.two_factor_verify(user=owner, code=old[1]) is None
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=2), tick=False):  # past the slow-down
        assert two_factor.two_factor_verify(user=owner, code=new[0]) is not None


# --- The secret at rest ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_authenticator_secret_is_encrypted_in_its_column_and_its_codes_still_pass(tenants):
    owner = User.objects.get(email="owner@alpha.test")
    device = two_factor.totp_setup_begin(user=owner)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_authenticatordevice WHERE id = %s", [device.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and device.key not in stored and len(device.key) == 40
    codes = two_factor.totp_setup_confirm(user=owner, device=device, code=totp_code(device), ip_address=None)
    assert len(codes) == settings.TWO_FACTOR_RECOVERY_CODES
    assert AuthenticatorDevice.objects.get(pk=device.pk).confirmed


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_plain_authenticator_secrets_into_the_encrypted_column_and_back(tenants):
    """A device set up before encryption keeps working after the migration (same secret, same last step),
    and no plain copy is left behind; reversing the migration gives the plain device back."""
    owner = User.objects.get(email="owner@alpha.test")
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0007_reseller_brand")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice (user_id, name, confirmed, key, step, t0, digits, tolerance, drift,"
            " last_t, throttling_failure_count, created_at) VALUES (%s, 'Phone', true, %s, 30, 0, 6, 1, 0, 42, 0,"
            " now())",
            [owner.pk, "3132333435363738393031323334353637383930"],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    device = AuthenticatorDevice.objects.get(user=owner)
    assert device.key == "3132333435363738393031323334353637383930" and device.last_t == 42 and device.confirmed
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_authenticatordevice WHERE id = %s", [device.pk])
        assert cursor.fetchone()[0].startswith("v1:")
        cursor.execute("SELECT count(*) FROM otp_totp_totpdevice")
        assert cursor.fetchone()[0] == 0
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0007_reseller_brand")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, last_t FROM otp_totp_totpdevice WHERE user_id = %s", [owner.pk])
        assert cursor.fetchall() == [("3132333435363738393031323334353637383930", 42)]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
