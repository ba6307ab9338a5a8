"""The reseller's page for one client: its details (edited in place), suspending and reactivating its
access, and what it has (numbers, trunks, messages, costs) summed up with links to the full lists."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from accounts.actor import actor_from_membership
from accounts.models import AuditLog, Client, Role, User
from accounts.services import member_invite
from numbers_app.trunks import services as trunks
from tests.conftest import PASSWORD
from tests.messaging.conftest import HANDSET, sandbox_now, send, sms_number, sms_stock  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def page(client: Client) -> str:
    return f"/settings/clients/{client.pk}/"


def web(email: str) -> HttpClient:
    http = HttpClient()
    http.force_login(User.objects.get(email=email))
    return http


@pytest.fixture
def owner_web(tenants) -> HttpClient:
    return web("owner@alpha.test")


@pytest.fixture
def mid_month():
    with time_machine.travel(datetime(2026, 3, 14, 10, tzinfo=UTC), tick=False):
        yield


def test_the_clients_list_links_each_client_to_its_page(owner_web, tenants):
    html = owner_web.get("/settings/clients/").content.decode()

    assert f'href="{page(tenants.x)}"' in html
    assert f'href="{page(tenants.y)}"' in html


def test_the_page_sums_up_the_clients_numbers_trunks_messages_and_costs_with_links(
    owner_web, tenants, sms_number, mid_month
):
    x, y = tenants.x, tenants.y
    owner = tenants.a.owner_actor
    number = sms_number(tenants.a, client=x)
    sms_number(tenants.a, client=x, sms=False)
    sms_number(tenants.a, client=y)
    trunk = trunks.trunk_create(actor=owner, name="Xylo front desk", client_id=x.pk).trunk
    trunks.trunk_create(actor=owner, name="Yarrow depot", client_id=y.pk)
    send(owner, number)
    send(owner, number, body="Second")

    response = owner_web.get(page(x))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Xylo Dental" in html
    # Numbers: the count, and links to the number list filtered to this client (all, and by status).
    assert re.search(rf'href="/numbers/mine/\?client={x.pk}".*?<div class="value">2</div>', html, re.S)
    assert f'href="/numbers/mine/?client={x.pk}&amp;status=active"' in html
    # Trunks: this client's only, each linking to its page.
    assert f'href="/trunks/{trunk.pk}/">Xylo front desk</a>' in html
    assert "Yarrow depot" not in html
    # Messages: this month's, and the inbox and conversations of each of its SMS numbers.
    assert "2 sent, 0 received" in html
    assert f'href="/messaging/?number={number.pk}"' in html
    assert f'href="/messaging/threads/?number={number.pk}"' in html
    # Costs: what it was billed this month, and the way to the costs page.
    assert f'href="/billing/clients/{x.pk}/"' in html
    assert re.search(r'data-testid="client-billed">\d+\.\d\d EUR<', html)
    assert "People" in html and "admin@xylo.test" in html


def test_the_page_reads_a_handful_of_rows_whatever_the_client_has(
    owner_web, tenants, sms_number, mid_month, django_assert_max_num_queries
):
    owner = tenants.a.owner_actor

    made = iter(range(100))

    def add(count: int) -> None:
        for _ in range(count):
            send(owner, sms_number(tenants.a, client=tenants.x))
            trunks.trunk_create(actor=owner, name=f"Trunk {next(made)}", client_id=tenants.x.pk)

    add(1)
    with CaptureQueriesContext(connection) as few:
        owner_web.get(page(tenants.x))
    add(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = owner_web.get(page(tenants.x))

    assert response.status_code == 200
    assert len(few.captured_queries) <= 16


def test_editing_the_details_saves_them_with_an_audit_row(owner_web, tenants):
    response = owner_web.post(
        page(tenants.x), {"name": "Xylo Dental Group", "email": "Desk@Xylo.test", "reference": "X-9"}
    )

    assert response.status_code == 302 and response["Location"] == page(tenants.x)
    client = Client.objects.get(pk=tenants.x.pk)
    assert (client.name, client.email, client.reference) == ("Xylo Dental Group", "Desk@Xylo.test", "X-9")
    audit = AuditLog.objects.get(action="client.updated", subject_id=client.public_id)
    assert audit.before["name"] == "Xylo Dental" and audit.after["name"] == "Xylo Dental Group"
    assert "Saved." in owner_web.get(page(tenants.x)).content.decode()


def test_editing_over_htmx_returns_the_page_content_only(owner_web, tenants):
    response = owner_web.post(page(tenants.x), {"name": "Xylo Renamed", "email": "", "reference": ""}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<h1>Xylo Renamed" in html
    assert "Saved." in html
    assert "HX-Request" in response["Vary"]


def test_a_name_another_client_has_shows_the_error_and_writes_nothing(owner_web, tenants):
    response = owner_web.post(page(tenants.x), {"name": "Yarrow Logistics", "email": "", "reference": ""}, headers=HTMX)

    assert response.status_code == 200  # htmx swaps it in: the form again, with the error on the name
    assert "You already have a client with this name." in response.content.decode()
    assert Client.objects.get(pk=tenants.x.pk).name == "Xylo Dental"
    assert not AuditLog.objects.filter(action="client.updated").exists()


def test_a_blank_name_is_refused(owner_web, tenants):
    response = owner_web.post(page(tenants.x), {"name": "  ", "email": "", "reference": ""})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Client.objects.get(pk=tenants.x.pk).name == "Xylo Dental"


def test_suspending_locks_the_clients_people_out_and_reactivating_lets_them_back(owner_web, tenants):
    x_admin = web(tenants.x_admin_email)
    assert x_admin.get("/").status_code == 200

    response = owner_web.post(f"{page(tenants.x)}status/", {"active": "0"})

    assert response.status_code == 302
    assert Client.objects.get(pk=tenants.x.pk).is_active is False
    audit = AuditLog.objects.get(action="client.updated", subject_id=tenants.x.public_id)
    assert (audit.before["is_active"], audit.after["is_active"]) == (True, False)
    blocked = x_admin.get("/")
    assert blocked.status_code == 403
    assert "paused" in blocked.content.decode()
    html = owner_web.get(page(tenants.x)).content.decode()
    assert "Reactivate client" in html and 'data-testid="client-status">Suspended' in html

    owner_web.post(f"{page(tenants.x)}status/", {"active": "1"})

    assert Client.objects.get(pk=tenants.x.pk).is_active is True
    assert x_admin.get("/").status_code == 200


def test_the_suspend_button_asks_first(owner_web, tenants):
    html = owner_web.get(page(tenants.x)).content.decode()

    form = re.search(rf'<form[^>]*action="{re.escape(page(tenants.x))}status/"[^>]*>', html, re.S).group(0)
    assert 'data-confirm="Suspend Xylo Dental?' in form


def test_suspending_over_htmx_returns_the_page_content(owner_web, tenants):
    response = owner_web.post(f"{page(tenants.x)}status/", {"active": "0"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "Reactivate client" in html
    assert "Xylo Dental suspended." in html


def test_another_resellers_client_is_404_and_changes_nothing(owner_web, tenants):
    zephyr = Client.objects.get(name="Zephyr Bakery")

    assert owner_web.get(page(zephyr)).status_code == 404
    assert owner_web.post(page(zephyr), {"name": "Mine now", "email": "", "reference": ""}).status_code == 404
    assert owner_web.post(f"{page(zephyr)}status/", {"active": "0"}).status_code == 404
    assert owner_web.get("/settings/clients/999999/").status_code == 404

    zephyr.refresh_from_db()
    assert (zephyr.name, zephyr.is_active) == ("Zephyr Bakery", True)


def test_a_client_admin_gets_403_for_any_client_page(tenants):
    x_admin = web(tenants.x_admin_email)

    for client in (tenants.x, tenants.y):
        assert x_admin.get(page(client)).status_code == 403
        assert x_admin.post(f"{page(client)}status/", {"active": "0"}).status_code == 403
    assert Client.objects.get(pk=tenants.y.pk).is_active is True


def test_a_member_sees_the_page_but_cannot_edit_or_suspend(tenants):
    membership = member_invite(actor=tenants.a.owner_actor, email="m@alpha.test", role=Role.MEMBER, notify=False)
    membership.user.set_password(PASSWORD)
    membership.user.save()
    assert actor_from_membership(membership).can_write
    member = web("m@alpha.test")

    html = member.get(page(tenants.x)).content.decode()

    assert "Xylo Dental" in html
    assert 'data-testid="client-form"' not in html and "Suspend client" not in html
    assert member.post(page(tenants.x), {"name": "Nope", "email": "", "reference": ""}).status_code == 403
    assert member.post(f"{page(tenants.x)}status/", {"active": "0"}).status_code == 403
    assert Client.objects.get(pk=tenants.x.pk).name == "Xylo Dental"
