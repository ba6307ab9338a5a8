"""Server-rendered portal pages: full pages for a plain request, partials when htmx asks, and what each role
may see and do. Tenants come from ``tests/conftest.py``: reseller A (owner@alpha.test, EUR 100.00) with
clients X (admin@xylo.test) and Y, and reseller B."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import keys
from accounts.models import ApiKey, AuditLog, Client, Membership, Role, User
from accounts.services import api_key_create
from billing import ledger
from billing.models import LedgerEntry
from portal.models import Event
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
LOGOUT = "/logout/"
DASHBOARD = "/"
API_KEYS = "/developers/api-keys/"
WALLET = "/billing/wallet/"
WALLET_CSV = "/billing/wallet/export.csv"
CLIENTS = "/settings/clients/"
TEAM = "/settings/team/"
AUDIT = "/settings/audit/"

HTMX = {"HX-Request": "true"}
PLAINTEXT_KEY = re.compile(r"df_live_sk_[0-9A-Za-z]{38}")
ROW = "<tr><td>"  # a body row of the transaction table (header rows start with <th>)


def logged_in(email: str) -> HttpClient:
    http = HttpClient()
    http.force_login(User.objects.get(email=email))
    return http


@pytest.fixture
def owner_web(tenants) -> HttpClient:
    return logged_in("owner@alpha.test")


@pytest.fixture
def x_admin_web(tenants) -> HttpClient:
    return logged_in(tenants.x_admin_email)


def debit(account, amount: str, *, description: str, client=None, kind=LedgerEntry.Kind.SMS_OUTBOUND) -> LedgerEntry:
    """Spend through the ledger the way a service does: in a transaction, wallet locked first."""
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        return ledger.debit(
            wallet, amount=Decimal(amount), kind=kind, description=description, reference=None, client=client
        )


def body(response) -> str:
    return response.content.decode()


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- Log in and out ------------------------------------------------------------------------------


def test_login_page_renders_the_form(db):
    response = HttpClient().get(LOGIN)
    assert response.status_code == 200
    html = body(response)
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_a_wrong_password_shows_an_error_and_does_not_log_in(tenants):
    http = HttpClient()
    response = http.post(LOGIN, {"username": "owner@alpha.test", "password": "not-the-password"})
    assert response.status_code == 200
    assert "That email and password do not match an account" in body(response)
    assert "_auth_user_id" not in http.session
    assert http.get(DASHBOARD)["Location"].startswith(LOGIN)


def test_the_right_password_logs_in_and_lands_on_the_dashboard(tenants):
    http = HttpClient()
    response = http.post(LOGIN, {"username": "owner@alpha.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert http.get(DASHBOARD).status_code == 200


def test_logout_is_a_post_and_a_get_logs_nobody_out(owner_web):
    assert owner_web.get(LOGOUT).status_code == 405
    assert owner_web.get(DASHBOARD).status_code == 200

    response = owner_web.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert owner_web.get(DASHBOARD)["Location"].startswith(LOGIN)


# --- Dashboard -----------------------------------------------------------------------------------


def test_owner_dashboard_shows_the_balance_and_an_honest_empty_spend_chart(owner_web):
    response = owner_web.get(DASHBOARD)
    assert response.status_code == 200
    html = body(response)
    assert 'data-testid="wallet-balance">100.00 EUR<' in html
    assert "Nothing spent in the last 30 days" in html
    assert 'class="chart"' not in html
    assert 'class="bar"' not in html


def test_a_debit_makes_the_spend_chart_bars_appear(owner_web, tenants):
    debit(tenants.a.account, "12.50", description="Outbound SMS batch")

    html = body(owner_web.get(DASHBOARD))
    assert "Nothing spent in the last 30 days" not in html
    assert 'class="chart"' in html
    assert html.count('class="bar"') == 30  # one per day, zero days included
    assert html.count('style="height: 100.0%"') == 1  # today is the peak
    assert html.count('style="height: 0.0%"') == 29
    assert "peak 12.50 EUR" in html
    assert 'data-testid="wallet-balance">87.50 EUR<' in html
    assert "Outbound SMS batch" in html


def test_client_admin_dashboard_shows_no_wallet_balance_and_only_their_clients_spend(x_admin_web, tenants):
    debit(tenants.a.account, "3.00", description="Xylo SMS", client=tenants.x)
    debit(tenants.a.account, "7.00", description="Yarrow SMS", client=tenants.y)

    response = x_admin_web.get(DASHBOARD)
    assert response.status_code == 200
    html = body(response)
    assert 'data-testid="wallet-balance"' not in html
    assert 'id="wallet-badge"' not in html
    assert "90.00" not in html  # the reseller's balance after both debits
    assert "Daily costs for Xylo Dental" in html
    assert "3.00 EUR" in html
    assert "10.00" not in html
    assert "Xylo SMS" in html
    assert "Yarrow SMS" not in html


# --- Wallet / costs ------------------------------------------------------------------------------


def test_client_admin_sees_only_their_own_clients_transactions(x_admin_web, owner_web, tenants):
    debit(tenants.a.account, "1.10", description="Xylo number purchase", client=tenants.x)
    debit(tenants.a.account, "2.20", description="Yarrow number purchase", client=tenants.y)

    html = body(x_admin_web.get(WALLET))
    assert "<h1>Costs</h1>" in html
    assert "Xylo number purchase" in html
    assert "Yarrow number purchase" not in html
    assert "Opening balance" not in html
    assert "Balance after" not in html
    assert "98.9000" not in html  # a running balance of the reseller's wallet
    assert html.count(ROW) == 1

    # The owner's view of the same page has both clients and the running balance.
    owner_html = body(owner_web.get(WALLET))
    assert "Yarrow number purchase" in owner_html
    assert "Balance after" in owner_html
    assert owner_html.count(ROW) == 3


def test_client_admin_cannot_filter_their_way_to_another_clients_entries(x_admin_web, tenants):
    debit(tenants.a.account, "2.20", description="Yarrow number purchase", client=tenants.y)

    html = body(x_admin_web.get(WALLET, {"client": tenants.y.pk}))
    assert "Yarrow number purchase" not in html


def test_wallet_filters_by_kind(owner_web, tenants):
    debit(tenants.a.account, "0.05", description="SMS to +4930", kind=LedgerEntry.Kind.SMS_OUTBOUND)
    debit(tenants.a.account, "4.00", description="Number +4930123", kind=LedgerEntry.Kind.NUMBER_PURCHASE)

    html = body(owner_web.get(WALLET, {"kind": LedgerEntry.Kind.NUMBER_PURCHASE}))
    assert "Number +4930123" in html
    assert "SMS to +4930" not in html
    assert "Opening balance" not in html
    assert html.count(ROW) == 1


def test_wallet_filters_by_date(owner_web, tenants):
    debit(tenants.a.account, "0.05", description="SMS today")
    today = timezone.localdate()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)

    def rows(**params):
        return body(owner_web.get(WALLET, {k: v.isoformat() for k, v in params.items()})).count(ROW)

    assert rows(date_from=today, date_to=today) == 2  # the opening top-up and the SMS
    assert rows(date_from=tomorrow) == 0
    assert rows(date_to=yesterday) == 0
    assert rows(date_from=yesterday, date_to=tomorrow) == 2


def test_wallet_date_range_backwards_shows_a_form_error(owner_web, tenants):
    today = timezone.localdate()
    backwards = {"date_from": today.isoformat(), "date_to": (today - timedelta(days=3)).isoformat()}
    html = body(owner_web.get(WALLET, backwards))
    assert "The end date is before the start date." in html


def test_wallet_paginates_25_entries_a_page(owner_web, tenants):
    for i in range(30):
        debit(tenants.a.account, "0.10", description=f"SMS #{i:02d}")

    first = body(owner_web.get(WALLET))
    assert first.count(ROW) == 25
    assert "Page 1 of 2 · 31 in all" in first
    assert "SMS #29" in first  # newest first
    assert "Opening balance" not in first

    second = body(owner_web.get(WALLET, {"page": 2}))
    assert second.count(ROW) == 6
    assert "Page 2 of 2 · 31 in all" in second
    assert "Opening balance" in second
    assert "SMS #29" not in second


def test_wallet_pager_keeps_the_filters(owner_web, tenants):
    for i in range(30):
        debit(tenants.a.account, "0.10", description=f"SMS #{i:02d}")

    html = body(owner_web.get(WALLET, {"kind": LedgerEntry.Kind.SMS_OUTBOUND}))
    assert "Page 1 of 2 · 30 in all" in html
    assert 'href="?kind=sms_outbound&amp;page=2"' in html


def test_wallet_htmx_request_returns_only_the_table_partial(owner_web, tenants):
    debit(tenants.a.account, "0.10", description="SMS over htmx")

    response = owner_web.get(WALLET, headers=HTMX)
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html
    assert "<table>" in html
    assert "SMS over htmx" in html
    assert "HX-Request" in response["Vary"]

    full = owner_web.get(WALLET)
    assert "<html" in body(full)
    assert "HX-Request" in full["Vary"]


def test_csv_export_has_the_header_and_only_the_filtered_rows_with_four_decimals(owner_web, tenants):
    sms_1 = debit(tenants.a.account, "2.5", description="SMS one", client=tenants.x)
    sms_2 = debit(tenants.a.account, "0.045", description="SMS two")
    debit(tenants.a.account, "4", description="Number", kind=LedgerEntry.Kind.NUMBER_PURCHASE)

    response = owner_web.get(WALLET_CSV, {"kind": LedgerEntry.Kind.SMS_OUTBOUND})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="didfarm-transactions-')

    header, *rows = csv_rows(response)
    assert header == [
        "id",
        "time (UTC)",
        "kind",
        "description",
        "client",
        "amount",
        "balance after",
        "currency",
        "reference type",
        "reference id",
    ]
    assert [(r[0], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows] == [
        (sms_2.public_id, "sms_outbound", "SMS two", "", "-0.0450", "97.4550", "EUR"),
        (sms_1.public_id, "sms_outbound", "SMS one", "Xylo Dental", "-2.5000", "97.5000", "EUR"),
    ]


def test_client_admin_csv_export_has_only_their_client_and_no_running_balance(x_admin_web, tenants):
    debit(tenants.a.account, "1.25", description="Xylo SMS", client=tenants.x)
    debit(tenants.a.account, "3.00", description="Yarrow SMS", client=tenants.y)

    _header, *rows = csv_rows(x_admin_web.get(WALLET_CSV))
    assert [(r[3], r[4], r[5], r[6]) for r in rows] == [("Xylo SMS", "Xylo Dental", "-1.2500", "")]


def test_wallet_page_query_count_does_not_grow_with_rows(owner_web, tenants, django_assert_max_num_queries):
    clients = [tenants.x, tenants.y, None]
    for i in range(5):
        debit(tenants.a.account, "0.10", description=f"SMS #{i}", client=clients[i % 3])
    with CaptureQueriesContext(connection) as few:
        assert body(owner_web.get(WALLET)).count(ROW) == 6

    for i in range(5, 60):
        debit(tenants.a.account, "0.10", description=f"SMS #{i}", client=clients[i % 3])
    with django_assert_max_num_queries(len(few)):
        assert body(owner_web.get(WALLET)).count(ROW) == 25


# --- Developers → API keys -----------------------------------------------------------------------


def test_creating_a_key_shows_the_plaintext_once(owner_web, tenants):
    response = owner_web.post(API_KEYS, {"name": "CI runner", "access": "full", "client": ""})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = body(response)
    shown = PLAINTEXT_KEY.findall(html)
    assert len(set(shown)) == 1
    plaintext = shown[0]
    assert f'id="new-key-value">{plaintext}<' in html

    key = ApiKey.objects.get(account=tenants.a.account, name="CI runner")
    assert key.key_hash == keys.digest(plaintext)
    assert key.read_only is False
    assert key.client is None
    assert AuditLog.objects.filter(action="api_key.created", subject_id=key.public_id).count() == 1

    later = body(owner_web.get(API_KEYS))
    assert plaintext not in later
    assert plaintext[len(keys.FULL_PREFIX) :] not in later
    assert 'id="new-key-value"' not in later
    assert key.masked in later


def test_creating_a_key_over_htmx_returns_only_the_key_panel(owner_web, tenants):
    response = owner_web.post(API_KEYS, {"name": "Partial", "access": "read_only", "client": ""}, headers=HTMX)
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html
    assert 'id="new-key-value">df_live_rk_' in html
    assert 'id="key-table"' in html
    assert ApiKey.objects.get(account=tenants.a.account, name="Partial").read_only is True


def test_creating_a_key_without_a_name_shows_the_error_and_creates_nothing(owner_web, tenants):
    before = ApiKey.objects.count()
    response = owner_web.post(API_KEYS, {"name": "", "access": "full", "client": ""}, headers=HTMX)
    assert response.status_code == 200
    assert 'class="errorlist"' in body(response)
    assert "df_live_" not in body(response).split('id="key-table"')[0]
    assert ApiKey.objects.count() == before


def test_client_admin_can_only_make_keys_for_their_own_client(x_admin_web, tenants):
    # The form offers a client login no choice of client; one posted anyway is ignored, never honoured.
    assert 'name="client"' not in body(x_admin_web.get(API_KEYS))
    response = x_admin_web.post(API_KEYS, {"name": "Sneaky", "access": "full", "client": str(tenants.y.pk)})
    assert response.status_code == 200
    assert ApiKey.objects.get(name="Sneaky").client == tenants.x

    response = x_admin_web.post(API_KEYS, {"name": "Own", "access": "full", "client": ""})
    assert PLAINTEXT_KEY.search(body(response))
    assert ApiKey.objects.get(name="Own").client == tenants.x


def test_revoking_a_key_marks_it_revoked_and_writes_an_audit_row(owner_web, tenants):
    key, plaintext = api_key_create(actor=tenants.a.owner_actor, name="To revoke", read_only=False)

    response = owner_web.post(f"{API_KEYS}{key.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == API_KEYS

    key.refresh_from_db()
    assert key.revoked_at is not None
    audit = AuditLog.objects.get(action="api_key.revoked", subject_id=key.public_id)
    assert audit.user.email == "owner@alpha.test"
    assert audit.account == tenants.a.account
    assert (audit.before, audit.after) == ({"revoked": False}, {"revoked": True})

    html = body(owner_web.get(API_KEYS))
    assert f"Key {key.masked} revoked." in html
    row = html.split(f'data-key-id="{key.pk}"')[1].split("</tr>")[0]
    assert "revoked" in row
    assert "Revoke</button>" not in row

    api = HttpClient().get("/api/v1/wallet/balance", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.status_code == 401


def test_revoking_a_key_over_htmx_returns_only_the_key_table(owner_web, tenants):
    key, _ = api_key_create(actor=tenants.a.owner_actor, name="Htmx revoke", read_only=False)

    response = owner_web.post(f"{API_KEYS}{key.pk}/revoke/", headers=HTMX)
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html
    assert "Your keys" in html
    assert f"Key {key.masked} revoked." in html
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_revoke_is_post_only(owner_web, tenants):
    key, _ = api_key_create(actor=tenants.a.owner_actor, name="Get me", read_only=False)
    assert owner_web.get(f"{API_KEYS}{key.pk}/revoke/").status_code == 405
    key.refresh_from_db()
    assert key.revoked_at is None


def test_revoking_someone_elses_key_is_404_and_changes_nothing(owner_web, tenants):
    b_key = ApiKey.objects.filter(account=tenants.b.account).first()
    audit_rows = AuditLog.objects.count()

    response = owner_web.post(f"{API_KEYS}{b_key.pk}/revoke/")
    assert response.status_code == 404

    b_key.refresh_from_db()
    assert b_key.revoked_at is None
    assert AuditLog.objects.count() == audit_rows


def test_client_admin_revoking_another_clients_key_is_404(x_admin_web, tenants):
    y_key, _ = api_key_create(actor=tenants.a.owner_actor, name="Yarrow key", read_only=False, client=tenants.y)

    assert x_admin_web.post(f"{API_KEYS}{y_key.pk}/revoke/", headers=HTMX).status_code == 404
    y_key.refresh_from_db()
    assert y_key.revoked_at is None


def test_csrf_stays_on_for_the_api_keys_page(tenants):
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(User.objects.get(email="owner@alpha.test"))
    form = {"name": "No token", "access": "full", "client": ""}

    assert http.post(API_KEYS, form).status_code == 403
    assert not ApiKey.objects.filter(name="No token").exists()

    # The same POST with the page's token goes through, so the 403 above was CSRF and nothing else.
    http.get(API_KEYS)
    token = http.cookies["csrftoken"].value
    assert http.post(API_KEYS, {**form, "csrfmiddlewaretoken": token}).status_code == 200
    assert ApiKey.objects.filter(name="No token").exists()


# --- Settings → clients --------------------------------------------------------------------------


def test_owner_creates_a_client_with_an_audit_row_and_an_event(owner_web, tenants):
    response = owner_web.post(CLIENTS, {"name": "Quill Studio", "email": "Hello@Quill.test", "reference": "Q-7"})
    assert response.status_code == 302
    assert response["Location"] == CLIENTS

    client = Client.objects.get(account=tenants.a.account, name="Quill Studio")
    assert (client.email, client.reference) == ("hello@quill.test", "Q-7")
    audit = AuditLog.objects.get(action="client.created", subject_id=client.public_id)
    assert audit.user.email == "owner@alpha.test"
    event = Event.objects.get(type="client.created", client=client)
    assert event.account == tenants.a.account
    assert event.data["name"] == "Quill Studio"

    html = body(owner_web.get(CLIENTS))
    assert "Client Quill Studio created." in html
    assert client.public_id in html


def test_a_duplicate_client_name_shows_a_form_error_and_writes_nothing(owner_web, tenants):
    counts = (Client.objects.count(), AuditLog.objects.count(), Event.objects.count())

    response = owner_web.post(CLIENTS, {"name": "Xylo Dental"})
    assert response.status_code == 200
    assert "You already have a client with this name." in body(response)
    assert (Client.objects.count(), AuditLog.objects.count(), Event.objects.count()) == counts


def test_another_resellers_client_name_is_not_a_duplicate(owner_web, tenants):
    assert owner_web.post(CLIENTS, {"name": "Zephyr Bakery"}).status_code == 302
    assert Client.objects.filter(name="Zephyr Bakery").count() == 2


def test_client_admin_cannot_create_clients_and_sees_only_their_own(x_admin_web, tenants):
    assert x_admin_web.post(CLIENTS, {"name": "Smuggled Ltd"}).status_code == 403
    assert not Client.objects.filter(name="Smuggled Ltd").exists()

    html = body(x_admin_web.get(CLIENTS))
    assert "Xylo Dental" in html
    assert "Yarrow Logistics" not in html
    assert "Create client" not in html


# --- Settings → team and audit -------------------------------------------------------------------


def test_owner_invites_a_member_and_an_email_is_sent(
    owner_web, tenants, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_web.post(
            TEAM, {"email": "New.Person@Alpha.test", "full_name": "New Person", "role": Role.MEMBER, "client": ""}
        )
    assert response.status_code == 302
    assert response["Location"] == TEAM

    membership = Membership.objects.get(user__email="new.person@alpha.test")
    assert (membership.account, membership.role, membership.client) == (tenants.a.account, Role.MEMBER, None)
    assert AuditLog.objects.filter(action="member.invited", subject_id=str(membership.pk)).count() == 1

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["new.person@alpha.test"]
    assert "Alpha Telecom" in mail.subject
    assert "/password-reset/" in mail.body

    html = body(owner_web.get(TEAM))
    assert "new.person@alpha.test added." in html


def test_inviting_someone_already_on_the_team_shows_an_error_and_sends_nothing(
    owner_web, tenants, mailoutbox, django_capture_on_commit_callbacks
):
    memberships = Membership.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_web.post(TEAM, {"email": tenants.x_admin_email, "role": Role.MEMBER, "client": ""})
    assert response.status_code == 200
    assert "This person is already on your team." in body(response)
    assert Membership.objects.count() == memberships
    assert mailoutbox == []


@pytest.mark.parametrize("path", [TEAM, AUDIT])
def test_client_admin_gets_403_on_the_team_and_audit_pages(x_admin_web, path):
    assert x_admin_web.get(path).status_code == 403


def test_client_admin_cannot_invite_anyone(x_admin_web, tenants, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = x_admin_web.post(TEAM, {"email": "friend@xylo.test", "role": Role.CLIENT_ADMIN, "client": ""})
    assert response.status_code == 403
    assert not User.objects.filter(email="friend@xylo.test").exists()
    assert mailoutbox == []


def test_removing_someone_elses_team_member_is_404_and_changes_nothing(owner_web, tenants):
    b_owner = Membership.objects.get(account=tenants.b.account, role=Role.OWNER)

    assert owner_web.post(f"{TEAM}{b_owner.pk}/remove/").status_code == 404
    assert Membership.objects.filter(pk=b_owner.pk).exists()


def test_owner_sees_their_accounts_audit_log_only(owner_web, tenants):
    html = body(owner_web.get(AUDIT))
    assert "Xylo Dental" in html
    assert "Zephyr Bakery" not in html


def test_login_accepts_the_email_in_any_case(tenants, client):
    response = client.post("/login/", {"username": "Owner@Alpha.TEST", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_an_invited_person_who_lost_the_email_can_ask_for_a_reset_link(tenants, client, mailoutbox):
    from accounts.models import Role
    from accounts.services import member_invite

    member_invite(actor=tenants.a.owner_actor, email="late@alpha.test", role=Role.MEMBER, notify=False)
    response = client.post("/password-reset/", {"email": "late@alpha.test"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "/password-reset/" in mailoutbox[0].body


def test_a_person_in_two_accounts_can_switch_between_them(tenants, client):
    from accounts.models import Role
    from accounts.services import member_invite

    member_invite(actor=tenants.b.owner_actor, email="owner@alpha.test", role=Role.ADMIN, notify=False)
    client.post("/login/", {"username": "owner@alpha.test", "password": PASSWORD})
    page = client.get("/").content.decode()
    assert 'name="account_id"' in page and "Bravo Voice" in page
    client.post("/switch-account/", {"account_id": str(tenants.b.account.pk)})
    assert "50.00 EUR" in client.get("/").content.decode()
    # an account the user has no membership in is ignored
    client.post("/switch-account/", {"account_id": "999999"})
    assert "50.00 EUR" in client.get("/").content.decode()


def test_a_suspended_account_sees_a_clear_page_and_can_log_out(tenants, client, staff_actor):
    from accounts.services import account_update

    account_update(actor=staff_actor, account=tenants.a.account, status="suspended")
    client.post("/login/", {"username": "owner@alpha.test", "password": PASSWORD})
    for url in ("/", "/developers/api-keys/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "suspended" in response.content.decode()
        assert 'action="/logout/"' in response.content.decode()
        assert 'href="/billing/wallet/#top-up"' in response.content.decode()  # the way back: pay
    assert client.get("/billing/wallet/").status_code == 200  # the wallet, top-up and invoices stay open
    # the session API is closed too
    api = client.post("/api/v1/clients", {"name": "Sneak"}, content_type="application/json")
    assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"


def test_a_deactivated_clients_admin_and_key_are_paused(tenants, client, api_as):
    from accounts.services import client_update

    client_update(actor=tenants.a.owner_actor, client=tenants.x, is_active=False)
    client.post("/login/", {"username": tenants.x_admin_email, "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 403 and "paused" in response.content.decode()
    error = api_as(tenants.x_key).get("/api/v1/clients").json()["error"]
    assert error["code"] == "forbidden" and "paused" in error["message"]
    assert api_as(tenants.a.key).get("/api/v1/clients").status_code == 200


def test_a_login_without_any_membership_is_not_a_dead_end(tenants, client, django_user_model):
    django_user_model.objects.create_user("orphan@x.test", PASSWORD)
    client.post("/login/", {"username": "orphan@x.test", "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 403
    assert 'action="/logout/"' in response.content.decode()


def test_csv_cells_typed_by_people_cannot_become_spreadsheet_formulas(tenants, client):
    from decimal import Decimal

    from django.db import transaction

    from accounts.services import client_update
    from billing import ledger
    from billing.models import LedgerEntry

    client_update(actor=tenants.a.owner_actor, client=tenants.x, name='=HYPERLINK("http://evil")')
    with transaction.atomic():
        wallet = ledger.lock_wallet(tenants.a.account)
        ledger.debit(
            wallet,
            amount=Decimal("1"),
            kind=LedgerEntry.Kind.ADJUSTMENT,
            description="+cmd|calc",
            reference=None,
            client=tenants.x,
        )
    client.post("/login/", {"username": "owner@alpha.test", "password": PASSWORD})
    body = b"".join(client.get("/billing/wallet/export.csv").streaming_content).decode()
    assert "'+cmd|calc" in body and "'=HYPERLINK" in body
    assert ",-1.0000," in body  # amounts stay numbers


def test_nul_bytes_in_query_strings_are_refused_cleanly(tenants, client, api_as):
    client.post("/login/", {"username": "owner@alpha.test", "password": PASSWORD})
    assert client.get("/settings/clients/?q=a%00b").status_code == 400
    assert client.get("/settings/audit/?action=a%00b").status_code == 400
    response = api_as(tenants.a.key).get("/api/v1/clients?search=a%00b")
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"


def test_removing_a_team_member_asks_for_confirmation(tenants, client):
    from accounts.models import Role
    from accounts.services import member_invite

    membership = member_invite(actor=tenants.a.owner_actor, email="temp@alpha.test", role=Role.MEMBER, notify=False)
    membership.user.set_password(PASSWORD)  # accepted: on the team, not among the pending invitations
    membership.user.save()
    client.post("/login/", {"username": "owner@alpha.test", "password": PASSWORD})
    page = client.get("/settings/team/").content.decode()
    assert "data-confirm=\"Remove temp@alpha.test's access?" in page


def test_members_see_no_revoke_buttons_they_could_not_use(tenants, client):
    from accounts.models import Role
    from accounts.services import member_invite

    membership = member_invite(actor=tenants.a.owner_actor, email="m@alpha.test", role=Role.MEMBER, notify=False)
    membership.user.set_password(PASSWORD)
    membership.user.save()
    client.post("/login/", {"username": "m@alpha.test", "password": PASSWORD})
    page = client.get("/developers/api-keys/").content.decode()
    assert "Default key" in page and ">Revoke<" not in page


def test_adding_someone_who_already_has_a_login_tells_them_so(
    tenants, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.post("/login/", {"username": "owner@alpha.test", "password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/team/", {"email": "owner@bravo.test", "role": "member"}, follow=True)
    assert "already have a login" in response.content.decode()
    assert len(mailoutbox) == 1 and "You now have access to Alpha Telecom" in mailoutbox[0].subject


def test_password_reset_links_use_the_public_url(tenants, client, mailoutbox, settings):
    settings.PUBLIC_URL = "https://portal.example.test"
    settings.ALLOWED_HOSTS = ["internal-host"]
    client.post("/password-reset/", {"email": "owner@alpha.test"}, HTTP_HOST="internal-host:8000")
    assert "https://portal.example.test/password-reset/" in mailoutbox[0].body
    assert "internal-host" not in mailoutbox[0].body


def test_staff_setting_a_zero_rate_limit_get_a_form_error_not_a_crash(tenants, client, django_user_model):
    staff = django_user_model.objects.create_superuser("root@didfarm.test", PASSWORD)
    client.force_login(staff)
    account = tenants.a.account
    response = client.post(
        f"/admin/accounts/account/{account.pk}/change/",
        {
            "name": account.name,
            "billing_email": account.billing_email,
            "status": "active",
            "api_rate_limit": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    account.refresh_from_db()
    assert account.api_rate_limit is None
    assert client.get("/admin/accounts/account/add/").status_code == 403
